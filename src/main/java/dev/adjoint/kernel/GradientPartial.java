package dev.adjoint.kernel;

import java.io.Serializable;
import java.util.Arrays;

/**
 * A partial of the layer's gradient over some rows: a monoid under {@link #merge}.
 *
 * <p>Holds sums, never means, and nothing but what the math sums: dWSum = Σ Xᵢᵀ·Gᵢ [d×m],
 * dbSum = Σ 1ᵀ·Gᵢ [m], lossSum (compensated, {@link NeumaierSum}) and rowCount over every block added; each block's Xᵢᵀ·Gᵢ and 1ᵀ·Gᵢ is
 * computed on its own and then added, one rounding per entry and block. {@link #add} folds a block in,
 * {@link #merge} another partial; both mutate and return {@code this} (as Spark's aggregate allows). The
 * empty partial is the identity of merge, and merge reads nothing but its two arguments. Normalisation
 * happens once, in {@link #finish}, with the total row count. Timings travel apart, in {@link PassMetrics}.
 */
public final class GradientPartial implements Serializable {
  private static final long serialVersionUID = 2L;

  public final int inputDim;
  public final int outputDim;
  public final double[] dWSum;
  public final double[] dbSum;
  private final NeumaierSum lossSum = new NeumaierSum();
  private long rowCount;

  /** Reused Y/G buffer of the largest block seen; never shipped. */
  private transient double[] scratch;
  /** One block's Xᵀ·G and 1ᵀ·G before they are added into the sums; never shipped. */
  private transient double[] dwBlock;
  private transient double[] dbBlock;

  private GradientPartial(int inputDim, int outputDim) {
    Shapes.require(inputDim > 0 && outputDim > 0, "a gradient needs d ≥ 1 and m ≥ 1, got d=" + inputDim + ", m=" + outputDim);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.dWSum = new double[inputDim * outputDim];
    this.dbSum = new double[outputDim];
  }

  /** The empty partial for W [d×m]: zero sums, zero rows. */
  public static GradientPartial empty(int inputDim, int outputDim) {
    return new GradientPartial(inputDim, outputDim);
  }

  /**
   * Folds one block in: Y = X·W + 1·bᵀ, G = ∂L/∂Y, dWSum += Xᵀ·G, dbSum += 1ᵀ·G, lossSum += L_block.
   * Mutates and returns {@code this}.
   */
  public GradientPartial add(Block block, WeightsAndBias p, Loss loss) {
    return add(block, p, loss, BlockKernel.CORRECT, null, null);
  }

  /** {@link #add(Block, WeightsAndBias, Loss)} through the given kernel. */
  public GradientPartial add(Block block, WeightsAndBias p, Loss loss, BlockKernel kernel) {
    return add(block, p, loss, kernel, null, null);
  }

  /** {@link #add(Block, WeightsAndBias, Loss, BlockKernel, double[], PassMetrics)} without metrics. */
  public GradientPartial add(Block block, WeightsAndBias p, Loss loss, BlockKernel kernel, double[] dx) {
    return add(block, p, loss, kernel, dx, null);
  }

  /**
   * The whole backward of a block: {@link #add(Block, WeightsAndBias, Loss, BlockKernel)}, then also the
   * input gradient dX_block = G_block·Wᵀ [rows×d] of the loss sum into {@code dx} (≥ rows·d entries,
   * overwritten; skipped when null), as a layer below would consume it. When {@code metrics} is not null
   * the block's read time, skipped rows and the forward and backward times are recorded there (never here).
   * Mutates and returns {@code this}.
   */
  public GradientPartial add(Block block, WeightsAndBias p, Loss loss, BlockKernel kernel, double[] dx,
      PassMetrics metrics) {
    Shapes.requireEqual("partial vs layer", "partial's W", inputDim, outputDim, "W", p.inputDim, p.outputDim);
    LinearLayer.requireFeatures(block, p);
    LinearLayer.requireTargets(block, loss, outputDim);
    int n = block.rows;
    if (n == 0) {
      if (metrics != null) {
        metrics.readBlock(block);
      }
      return this;
    }
    double[] yThenG = scratch(n * outputDim);
    long t0 = metrics == null ? 0 : System.nanoTime();
    kernel.forward(block, p, yThenG);
    lossSum.add(kernel.lossSumAndGradient(loss, yThenG, block.targets, n, outputDim));
    long t1 = metrics == null ? 0 : System.nanoTime();
    // the block's Xᵀ·G and 1ᵀ·G into zeroed buffers, then one addition per entry into the running sums: each
    // entry is then a sum of ≤ B products (any order) plus one sum over blocks, whose rounding bound is
    // γ_{B+1} + γ_{blocks+1} (verify.Tolerances#sumGamma) rather than γ_n of one n-long accumulation
    if (dwBlock == null) {
      dwBlock = new double[inputDim * outputDim];
      dbBlock = new double[outputDim];
    }
    Arrays.fill(dwBlock, 0.0);
    Arrays.fill(dbBlock, 0.0);
    kernel.backwardParams(block, yThenG, outputDim, dwBlock, dbBlock);
    Dense.addInto(dWSum, dwBlock);
    Dense.addInto(dbSum, dbBlock);
    if (dx != null) {
      kernel.backwardInput(yThenG, n, p, dx);
    }
    if (metrics != null) {
      metrics.addBlock(block, t1 - t0, System.nanoTime() - t1);
    }
    rowCount += n;
    return this;
  }

  /** Adds another partial's sums into this one. Shapes must match. Mutates and returns {@code this}. */
  public GradientPartial merge(GradientPartial other) {
    Shapes.requireEqual("merging gradient partials", "this dW", inputDim, outputDim, "other dW", other.inputDim, other.outputDim);
    Dense.addInto(dWSum, other.dWSum);
    Dense.addInto(dbSum, other.dbSum);
    lossSum.merge(other.lossSum);
    rowCount += other.rowCount;
    return this;
  }

  /** A new partial with the same sums (for tests and the self-test's planted double count). */
  public GradientPartial copy() {
    return empty(inputDim, outputDim).merge(this);
  }

  /** Normalises once: the loss, dW and db of the whole input under {@code reduction}. */
  public Gradients finish(Reduction reduction) {
    double s = reduction.scale(rowCount);
    double[] dW = dWSum.clone();
    double[] db = dbSum.clone();
    Dense.scale(dW, dW.length, s);
    Dense.scale(db, db.length, s);
    return new Gradients(inputDim, outputDim, lossSum.value() * s, dW, db, rowCount, reduction);
  }

  public double lossSum() {
    return lossSum.value();
  }

  public long rowCount() {
    return rowCount;
  }

  private double[] scratch(int len) {
    if (scratch == null || scratch.length < len) {
      scratch = new double[len];
    }
    return scratch;
  }
}
