package dev.adjoint.kernel;

/**
 * The linear layer Y = X·W + 1·bᵀ on one block, each forward beside its backward.
 *
 * <pre>
 *   forward                 backward ("backward is transpose")
 *   Y  = X·W + 1·bᵀ         dW = Xᵀ·G      [n×d]ᵀ·[n×m] → [d×m]
 *                           dX = G·Wᵀ      [n×m]·[d×m]ᵀ → [n×d]
 *   (b broadcast over rows)  db = 1ᵀ·G     (broadcast forward is a sum backward)
 * </pre>
 *
 * One GEMM per block for each product; no per-row BLAS.
 */
public final class LinearLayer {
  private LinearLayer() {}

  /** Forward: Y_block = X_block·W + 1·bᵀ, written into {@code y} (≥ rows·m entries). */
  public static void forward(Block block, WeightsAndBias p, double[] y) {
    requireFeatures(block, p);
    Dense.multAddBias(block.x, block.rows, block.features, p.weights, p.outputDim, p.bias, y);
  }

  /** Backward to the parameters: dW += X_blockᵀ·G_block and db += 1ᵀ·G_block. */
  public static void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
    Dense.multTransAAdd(block.x, block.rows, block.features, g, m, dwSum);
    Dense.colSumsAdd(g, block.rows, m, dbSum);
  }

  /** Backward to the input: dX_block = G_block·Wᵀ, written into {@code dx} (≥ rows·d entries). */
  public static void backwardInput(double[] g, int rows, WeightsAndBias p, double[] dx) {
    Dense.multTransB(g, rows, p.outputDim, p.weights, p.inputDim, dx);
  }

  /**
   * Y and dX of one block for the loss, with G scaled by {@code gradientScale} (1/n for the mean
   * reduction, 1 for the sum). Returns {Y [rows×m], dX [rows×d]}, both row-major and newly allocated.
   */
  public static BlockActivations activations(Block block, WeightsAndBias p, Loss loss, double gradientScale) {
    return activations(block, p, loss, gradientScale, BlockKernel.CORRECT);
  }

  /** {@link #activations(Block, WeightsAndBias, Loss, double)} through the given kernel. */
  public static BlockActivations activations(Block block, WeightsAndBias p, Loss loss, double gradientScale, BlockKernel kernel) {
    requireFeatures(block, p);
    int n = block.rows;
    int m = p.outputDim;
    requireTargets(block, loss, m);
    double[] y = new double[n * m];
    kernel.forward(block, p, y);
    double[] g = y.clone();
    kernel.lossSumAndGradient(loss, g, block.targets, n, m);
    Dense.scale(g, n * m, gradientScale);
    double[] dx = new double[n * p.inputDim];
    kernel.backwardInput(g, n, p, dx);
    return new BlockActivations(n, p.inputDim, m, y, dx);
  }

  static void requireFeatures(Block block, WeightsAndBias p) {
    if (block.features != p.inputDim) {
      throw new IllegalArgumentException("X rows have " + block.features + " features but W is ["
          + p.inputDim + "×" + p.outputDim + "]: W must have " + block.features + " rows");
    }
  }

  static void requireTargets(Block block, Loss loss, int m) {
    if (!loss.needsTargets()) {
      return;
    }
    if (block.targets == null) {
      throw new IllegalArgumentException("loss '" + loss.cliName() + "' needs targets but the block has none");
    }
    if (block.targetWidth != loss.targetWidth(m)) {
      throw new IllegalArgumentException("targets have " + block.targetWidth + " columns but W is [?×" + m
          + "]: loss '" + loss.cliName() + "' needs " + loss.targetWidth(m) + " target column(s)");
    }
  }
}
