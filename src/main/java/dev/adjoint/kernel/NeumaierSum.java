package dev.adjoint.kernel;

import java.io.Serializable;

/**
 * A running sum with Neumaier's compensation (Kahan–Babuška): the rounding error of every addition is
 * kept exactly (Fast2Sum on the larger and the smaller operand) and summed apart. For k terms xᵢ the
 * value errs by at most u·|Σxᵢ| + γ²_k·Σ|xᵢ| (Ogita, Rump and Oishi 2005, Sum2, which computes the same
 * error terms), whatever the order in which the terms and partial sums are added — so partials summed
 * by a tree and {@link #merge}d keep the bound, with k the total number of terms.
 * A monoid: {@link #add} and {@link #merge} mutate and return {@code this}; the new sum is the identity.
 */
public final class NeumaierSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private double sum;
  private double compensation;

  /** sum += v; the addition's rounding error joins the compensation. Mutates and returns {@code this}. */
  public NeumaierSum add(double v) {
    double t = sum + v;
    compensation += roundingError(sum, v, t);
    sum = t;
    return this;
  }

  /** Adds another running sum: both sums (with the error of that addition) and both compensations. */
  public NeumaierSum merge(NeumaierSum other) {
    add(other.sum);
    compensation += other.compensation;
    return this;
  }

  /** The compensated value: sum + compensation, rounded once. */
  public double value() {
    return sum + compensation;
  }

  /** The exact error (a + b) − t of t = fl(a + b) (Fast2Sum, with the larger operand first). */
  public static double roundingError(double a, double b, double t) {
    return Math.abs(a) >= Math.abs(b) ? (a - t) + b : (b - t) + a;
  }
}
