package dev.adjoint.verify;

/**
 * Every tolerance of every check, derived here from the standard rounding model (Higham, <i>Accuracy and
 * Stability of Numerical Algorithms</i>, §2–3): fl(a ∘ b) = (a ∘ b)(1 + δ), |δ| ≤ u, and a sum or dot
 * product of k terms, in any order, has error at most γ_k·Σ|terms| with γ_k = k·u / (1 − k·u). Blocked
 * GEMM, tree merges and Neumaier's compensated sums all fit that bound (a compensated sum is better:
 * 2u·|sum| + O(k·u²)·Σ|terms|).
 *
 * <p>Notation, per row i: xᵢ the features, eᵢ = ‖xᵢ‖₁·max|W| + max|b| (bounds Σₖ|xᵢₖ||Wₖⱼ| + |bⱼ| for
 * every j), gᵢ the row of G. Computing yᵢⱼ = Σₖ xᵢₖWₖⱼ + bⱼ errs by at most γ_{d+1}·eᵢ, and by γ_{d+3}·eᵢ
 * when x and W are first rounded to the working precision (float32 products: two more roundings per
 * term); G = Y − T adds u·|gᵢⱼ| (squared loss) and G = 1 is exact (sum loss). So δgᵢⱼ ≤ γ_{d+3}·eᵢ +
 * u|gᵢⱼ| for squared, 0 for sum.
 *
 * <p>u is the unit roundoff of the products' arithmetic: 2⁻⁵³ for float64, 2⁻²⁴ for float32 (the
 * float32 kernel sums within a block in float32 and across blocks in float64, so u = 2⁻²⁴ over all n
 * terms is an upper bound). Each comparison is between two computations that each obey the bound: the tolerance is
 * twice the bound, plus u|value| for the final scaling by 1/n of the mean reduction.
 *
 * <p>Finite differences. L is linear (sum loss) or quadratic (squared loss) in W, b and X, so the
 * central difference (L(θ+h/2) − L(θ−h/2))/h equals the derivative exactly in exact arithmetic: the
 * third derivative is zero and there is no truncation term. What remains is rounding: each L(θ±)
 * errs by at most ηL (the loss bound below), so the quotient errs by at most (η₊ + η₋)/h, plus the
 * rounding of the analytic gradient it is compared with. The step h is the difference of the two
 * rounded parameter values, which is exact (both are within a factor 2 of each other, Sterbenz), so
 * the step itself adds no error.
 */
public final class Tolerances {
  private Tolerances() {}

  /** Unit roundoff of float64, 2⁻⁵³. */
  public static final double U64 = 0x1p-53;

  /** Unit roundoff of float32, 2⁻²⁴. */
  public static final double U32 = 0x1p-24;

  /** γ_k = k·u / (1 − k·u); infinite when k·u ≥ 1 (no bound). */
  public static double gamma(double k, double u) {
    double ku = k * u;
    return ku >= 1 ? Double.POSITIVE_INFINITY : ku / (1 - ku);
  }

  /**
   * γ for a sum of n terms as the kernel accumulates it: in the products' precision u throughout, or —
   * for float32 products — in float32 within each block of at most {@code blockRows} rows and in float64
   * across the ⌈n/blockRows⌉ block sums: γ_{min(n,B)+1}(u) + γ_{⌈n/B⌉+1}(2⁻⁵³).
   */
  public static double sumGamma(long n, int blockRows, double u) {
    if (u <= U64 || n <= blockRows) {
      return gamma(n + 1, u);
    }
    return gamma(blockRows + 1, u) + gamma(Math.ceil((double) n / blockRows) + 1, U64);
  }

  /**
   * Bound on the rounding error of one computed loss sum L over n rows, m outputs, d features:
   * γ_{nm+3}·Σ|ℓᵢⱼ| in float64, where every kernel sums the loss (the sum itself, and up to 3 roundings
   * inside each ℓ), plus Σᵢⱼ|gᵢⱼ|·δyᵢⱼ (the error of Y in the products' precision u carried through
   * ∂L/∂Y = G), with δyᵢⱼ ≤ γ_{d+3}(u)·eᵢ. {@code absGE} is Σᵢ ‖gᵢ‖₁·eᵢ.
   */
  public static double lossSum(long n, int m, int d, double absLossSum, double absGE, double u) {
    return gamma((double) n * m + 3, U64) * absLossSum + gamma(d + 3, u) * absGE;
  }

  /**
   * Bound on the rounding error of one computed Σ over n rows of xᵢₖ·gᵢⱼ (a dW entry) or gᵢⱼ (db):
   * {@link #sumGamma}·Σ|terms| (n − 1 additions, one product, and for float32 the rounding of G) plus
   * the terms' error from G, Σᵢ|xᵢₖ|·δgᵢⱼ. {@code absTerms} is Σ|terms|; {@code absXE} is Σᵢ|xᵢₖ|·eᵢ
   * (for db: Σᵢ eᵢ); {@code squared} says whether G carries Y's error.
   */
  public static double gradientSum(long n, int blockRows, int d, double absTerms, double absXE, boolean squared,
      double u) {
    double fromG = squared ? gamma(d + 3, u) * absXE + u * absTerms : 0.0;
    return sumGamma(n, blockRows, u) * absTerms + fromG;
  }

  /** Two computations each within {@code bound}, compared after a final scaling by s (1 or 1/n). */
  public static double comparison(double bound, double scale, double magnitude, double u) {
    return 2 * bound * scale + 2 * u * magnitude;
  }

  /** Central difference of two losses each within ηL, over step h. */
  public static double centralDifference(double eta1, double eta2, double h) {
    return (eta1 + eta2) / h;
  }

  /**
   * Default step for a parameter θ: 2⁻¹⁰·max(1, |θ|). Large, because with no truncation term the only
   * error is rounding over h; a power of two so θ ± h/2 is exact when θ is a small multiple of it.
   */
  public static double step(double theta) {
    return 0x1p-10 * Math.max(1.0, Math.abs(theta));
  }
}
