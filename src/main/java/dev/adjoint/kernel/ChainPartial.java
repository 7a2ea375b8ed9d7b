package dev.adjoint.kernel;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A partial of a chain's gradient over some rows: every layer's Σ in_lᵀ·G_l and Σ 1ᵀ·G_l, the loss sum and
 * the row count — a monoid under {@link #merge}, as {@link GradientPartial} is for one layer (and for a
 * chain of one layer the same sums, bit for bit). Sums, never means: {@link #finish} normalises once.
 */
public final class ChainPartial implements Serializable {
  private static final long serialVersionUID = 1L;

  private final int[] widths;
  public final double[][] dWSum;
  public final double[][] dbSum;
  private final NeumaierSum lossSum = new NeumaierSum();
  private long rowCount;

  private transient ChainPass pass;
  private transient double[][] dwBlock;
  private transient double[][] dbBlock;

  private ChainPartial(int[] widths) {
    this.widths = widths.clone();
    int depth = widths.length - 1;
    this.dWSum = new double[depth][];
    this.dbSum = new double[depth][];
    for (int l = 0; l < depth; l++) {
      dWSum[l] = new double[widths[l] * widths[l + 1]];
      dbSum[l] = new double[widths[l + 1]];
    }
  }

  /** The empty partial of a chain of these widths (d, h₁, …, m). */
  public static ChainPartial empty(int[] widths) {
    return new ChainPartial(widths);
  }

  /**
   * Folds one block in: the forward through every layer, the loss, the backward in reverse; each layer's
   * block sums computed on their own and then added (one rounding per entry and block, as one layer does).
   * {@code dx} (≥ rows·d, or null) receives the block's dX = G_0·W_0ᵀ; {@code metrics} (or null) the times.
   * Mutates and returns {@code this}.
   */
  public ChainPartial add(Block block, LayerChain chain, Loss loss, ChainKernel kernel, double[] dx, PassMetrics metrics) {
    if (pass == null || pass.chain() != chain) {
      Shapes.require(Arrays.equals(widths, chain.widths()), "partial vs chain: widths " + Arrays.toString(widths)
          + " but the chain's are " + Arrays.toString(chain.widths()));
      pass = new ChainPass(chain);
    }
    return add(block, pass, loss, kernel, dx, metrics);
  }

  /** {@link #add(Block, LayerChain, Loss, ChainKernel, double[], PassMetrics)} through a caller's pass state. */
  public ChainPartial add(Block block, ChainPass state, Loss loss, ChainKernel kernel, double[] dx, PassMetrics metrics) {
    int n = block.rows;
    if (n == 0) {
      if (metrics != null) {
        metrics.readBlock(block);
      }
      return this;
    }
    long t0 = metrics == null ? 0 : System.nanoTime();
    state.forward(block);
    lossSum.add(state.lossAndGradient(loss));
    long t1 = metrics == null ? 0 : System.nanoTime();
    int depth = dWSum.length;
    if (dwBlock == null) {
      dwBlock = new double[depth][];
      dbBlock = new double[depth][];
      for (int l = 0; l < depth; l++) {
        dwBlock[l] = new double[dWSum[l].length];
        dbBlock[l] = new double[dbSum[l].length];
      }
    }
    for (int l = 0; l < depth; l++) {
      Arrays.fill(dwBlock[l], 0.0);
      Arrays.fill(dbBlock[l], 0.0);
    }
    state.backward(kernel, dwBlock, dbBlock, dx);
    for (int l = 0; l < depth; l++) {
      Dense.addInto(dWSum[l], dwBlock[l]);
      Dense.addInto(dbSum[l], dbBlock[l]);
    }
    if (metrics != null) {
      metrics.addBlock(block, t1 - t0, System.nanoTime() - t1);
    }
    rowCount += n;
    return this;
  }

  /** Adds another partial's sums into this one. Widths must match. Mutates and returns {@code this}. */
  public ChainPartial merge(ChainPartial other) {
    Shapes.require(Arrays.equals(widths, other.widths), "merging chain partials of widths " + Arrays.toString(widths)
        + " and " + Arrays.toString(other.widths));
    for (int l = 0; l < dWSum.length; l++) {
      Dense.addInto(dWSum[l], other.dWSum[l]);
      Dense.addInto(dbSum[l], other.dbSum[l]);
    }
    lossSum.merge(other.lossSum);
    rowCount += other.rowCount;
    return this;
  }

  /** A new partial with the same sums. */
  public ChainPartial copy() {
    return empty(widths).merge(this);
  }

  /** Normalises once: each layer's dW_l and db_l (with the chain's L) under {@code reduction}. */
  public List<Gradients> finish(Reduction reduction) {
    double s = reduction.scale(rowCount);
    List<Gradients> out = new ArrayList<>();
    for (int l = 0; l < dWSum.length; l++) {
      double[] dW = dWSum[l].clone();
      double[] db = dbSum[l].clone();
      Dense.scale(dW, dW.length, s);
      Dense.scale(db, db.length, s);
      out.add(new Gradients(widths[l], widths[l + 1], lossSum.value() * s, dW, db, rowCount, reduction));
    }
    return out;
  }

  public int[] widths() {
    return widths.clone();
  }

  public double lossSum() {
    return lossSum.value();
  }

  public long rowCount() {
    return rowCount;
  }
}
