package dev.adjoint.kernel;

/**
 * The forward and backward of a {@link LayerChain} on one block, holding that block's state only: the
 * pre-activations z_l, the hidden h_l = σ(z_l), and in the backward ∂L/∂h_l and G_l = ∂L/∂z_l — O(rows ×
 * Σ widths) doubles, reused from block to block (never shipped). Layer l reads in_l (X for l = 0, else
 * h_{l−1}) and writes z_l; z_{L−1} is Y.
 *
 * <pre>
 *   forward                              backward, l = L−1 … 0 (one GEMM per product, transpose flags)
 *   z_l = in_l·W_l + 1·b_lᵀ              dW_l += in_lᵀ·G_l         db_l += 1ᵀ·G_l
 *   h_l = σ(z_l)   (l &lt; L−1)            ∂L/∂h_{l−1} = G_l·W_lᵀ    G_{l−1} = ∂L/∂h_{l−1} ⊙ σ'(z_{l−1})
 *   Y = z_{L−1},   G_{L−1} = ∂L/∂Y       dX = G_0·W_0ᵀ
 * </pre>
 */
public final class ChainPass {
  private final LayerChain chain;
  private final double[][] z;
  private final double[][] h;
  private final double[][] dh;
  private final double[][] g;
  private int capacity;
  private int rows;
  private Block block;

  public ChainPass(LayerChain chain) {
    this.chain = chain;
    int depth = chain.depth();
    this.z = new double[depth][];
    this.h = new double[depth][];
    this.dh = new double[depth][];
    this.g = new double[depth][];
  }

  public LayerChain chain() {
    return chain;
  }

  /** The block of the last forward. */
  public Block block() {
    return block;
  }

  public int rows() {
    return rows;
  }

  /** Forward of {@code block}: every z_l and h_l; Y = {@link #output()}. */
  public void forward(Block block) {
    forwardFrom(block, 0, null);
  }

  /**
   * The forward from layer {@code from} on, with the layers below as they were in the last forward of this
   * block, and {@code through} (when not null) in place of the chain for layers ≥ {@code from} — the checks'
   * perturbed parameters, whose changes start at layer {@code from}.
   */
  public void forwardFrom(Block block, int from, LayerChain through) {
    LayerChain c = through == null ? chain : through;
    Shapes.require(block.features == chain.inputDim(), "X rows have " + block.features + " features but the chain's "
        + "first W is [" + chain.inputDim() + "×" + chain.width(1) + "]: it must have " + block.features + " rows");
    if (from == 0) {
      ensure(block.rows);
      this.block = block;
      this.rows = block.rows;
    }
    int depth = chain.depth();
    for (int l = from; l < depth; l++) {
      WeightsAndBias p = c.layer(l);
      Dense.multAddBias(input(l), rows, p.inputDim, p.weights, p.outputDim, p.bias, z[l]);
      if (l < depth - 1) {
        c.activation.forward(z[l], h[l], rows * p.outputDim);
      }
    }
  }

  /**
   * The loss at the output: G_{L−1} = ∂L/∂Y (sums, unscaled) beside Y, and the block's loss sum.
   */
  public double lossAndGradient(Loss loss) {
    int m = chain.outputDim();
    LinearLayer.requireTargets(block, loss, m);
    double[] gOut = g[chain.depth() - 1];
    System.arraycopy(z[chain.depth() - 1], 0, gOut, 0, rows * m);
    return loss.lossSumAndGradientInPlace(gOut, block.targets, rows, m);
  }

  /**
   * Backward of the block after {@link #lossAndGradient}: adds in_lᵀ·G_l into {@code dw[l]} and 1ᵀ·G_l into
   * {@code db[l]} for every layer, through {@code kernel}; and dX = G_0·W_0ᵀ into {@code dx} when not null.
   */
  public void backward(ChainKernel kernel, double[][] dw, double[][] db, double[] dx) {
    int depth = chain.depth();
    for (int l = depth - 1; l >= 0; l--) {
      WeightsAndBias p = chain.layer(l);
      kernel.backwardParams(l, input(l), rows, g[l], p, dw[l], db[l]);
      if (l > 0) {
        kernel.backwardInput(l, g[l], rows, p, dh[l - 1]);
        int len = rows * p.inputDim;
        System.arraycopy(dh[l - 1], 0, g[l - 1], 0, len);
        kernel.backwardActivation(l, chain.activation, z[l - 1], g[l - 1], len);
      } else if (dx != null) {
        kernel.backwardInput(0, g[0], rows, p, dx);
      }
    }
  }

  /** in_l: X for l = 0, else h_{l−1} (row-major, rows × w_l). */
  public double[] input(int l) {
    return l == 0 ? block.x : h[l - 1];
  }

  /** z_l (rows × w_{l+1}); z_{L−1} = Y. */
  public double[] preActivation(int l) {
    return z[l];
  }

  /** Y of the last forward. */
  public double[] output() {
    return z[chain.depth() - 1];
  }

  /** ∂L/∂h_l of the last backward (rows × w_{l+1}), for l &lt; L−1. */
  public double[] hiddenGradient(int l) {
    return dh[l];
  }

  /** G_l = ∂L/∂z_l of the last backward. */
  public double[] preActivationGradient(int l) {
    return g[l];
  }

  private void ensure(int n) {
    if (n <= capacity && z[0] != null) {
      return;
    }
    capacity = Math.max(n, 1);
    int depth = chain.depth();
    for (int l = 0; l < depth; l++) {
      int w = chain.width(l + 1);
      z[l] = new double[capacity * w];
      g[l] = new double[capacity * w];
      if (l < depth - 1) {
        h[l] = new double[capacity * w];
        dh[l] = new double[capacity * w];
      }
    }
  }
}
