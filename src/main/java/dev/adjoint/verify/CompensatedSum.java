package dev.adjoint.verify;

/**
 * Neumaier's compensated summation (improved Kahan–Babuška), one running sum per slot: the error of
 * the result is at most 2u·|Σ| + O(k·u²)·Σ|terms| instead of (k−1)·u·Σ|terms|.
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
    double s = sum[slot];
    double t = s + v;
    if (Math.abs(s) >= Math.abs(v)) {
      compensation[slot] += (s - t) + v;
    } else {
      compensation[slot] += (v - t) + s;
    }
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
