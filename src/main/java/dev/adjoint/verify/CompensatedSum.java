package dev.adjoint.verify;

import dev.adjoint.kernel.NeumaierSum;

/**
 * Neumaier's compensated summation ({@link NeumaierSum}), one running sum per slot: the error of the
 * result is at most u·|Σ| + γ²_k·Σ|terms| instead of γ_{k−1}·Σ|terms|.
 */
public final class CompensatedSum {
  private final double[] sum;
  private final double[] compensation;

  public CompensatedSum(int slots) {
    this.sum = new double[slots];
    this.compensation = new double[slots];
  }

  /** sum[slot] += v, with the rounding error of the addition kept in compensation[slot]. */
  public void add(int slot, double v) {
    double t = sum[slot] + v;
    compensation[slot] += NeumaierSum.roundingError(sum[slot], v, t);
    sum[slot] = t;
  }

  /** The compensated value of a slot. */
  public double value(int slot) {
    return sum[slot] + compensation[slot];
  }

  /** Every slot's compensated value. */
  public double[] values() {
    double[] r = new double[sum.length];
    for (int q = 0; q < r.length; q++) {
      r[q] = value(q);
    }
    return r;
  }
}
