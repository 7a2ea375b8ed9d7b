package dev.adjoint.study;

/**
 * Double-double arithmetic on pairs (hi, lo) with |lo| ≤ ulp(hi)/2, stored in parallel arrays so that a
 * whole vector of exact sums is two {@code double[]}. Error-free transformations: TwoSum (Knuth) gives
 * a + b = s + e exactly; TwoProd with {@link Math#fma} gives a·b = p + e exactly. A double-double sum of
 * n terms errs by O(n·u²)·Σ|terms| with u = 2⁻⁵³, about 10⁻²⁶ relative for n = 10⁶: exact for this study,
 * whose smallest measured errors are of order u·Σ|terms|.
 */
public final class DoubleDouble {
  private DoubleDouble() {}

  /** hi[i] + lo[i] += a (a double), with the rounding error of every step kept. Mutates hi and lo. */
  public static void add(double[] hi, double[] lo, int i, double a) {
    add(hi, lo, i, a, 0.0);
  }

  /** hi[i] + lo[i] += (aHi + aLo), the accurate double-double addition (two TwoSums). Mutates hi and lo. */
  public static void add(double[] hi, double[] lo, int i, double aHi, double aLo) {
    double s = hi[i] + aHi;
    double bb = s - hi[i];
    double e = (hi[i] - (s - bb)) + (aHi - bb);   // TwoSum: hi + aHi = s + e exactly
    double t = lo[i] + aLo;
    double cc = t - lo[i];
    double f = (lo[i] - (t - cc)) + (aLo - cc);   // TwoSum: lo + aLo = t + f exactly
    e += t;
    double s2 = s + e;                            // FastTwoSum (|s| ≥ |e|)
    e = e - (s2 - s) + f;
    hi[i] = s2 + e;
    lo[i] = e - (hi[i] - s2);
  }

  /** The rounding error of a·b: a·b = (a*b) + productError(a, b) exactly (TwoProd by fused multiply-add). */
  public static double productError(double a, double b) {
    return Math.fma(a, b, -(a * b));
  }

  /** hi[i] + lo[i] += a·(bHi + bLo): the product of a double and a double-double, accumulated. */
  public static void addProduct(double[] hi, double[] lo, int i, double a, double bHi, double bLo) {
    double p = a * bHi;
    add(hi, lo, i, p, productError(a, bHi) + a * bLo);
  }
}
