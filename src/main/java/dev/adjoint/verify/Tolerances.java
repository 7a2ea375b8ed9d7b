package dev.adjoint.verify;

import dev.adjoint.kernel.Loss;

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
 * term). G carries Y's error through the loss's curvature c₂ and adds its own rounding
 * ({@link dev.adjoint.kernel.Loss.Bounds}: c₂ = 1 and u·|gᵢⱼ| for G = Y − T, 0 and 0 for G = 1): so
 * δgᵢⱼ ≤ c₂·γ_{d+3}·eᵢ + u·(g_rel·|gᵢⱼ|) + u₆₄·g_abs.
 *
 * <p>u is the unit roundoff of the products' arithmetic: 2⁻⁵³ for float64, 2⁻²⁴ for float32 (the
 * float32 kernel sums within a block of at most B rows in float32 and across blocks in float64: see
 * {@link #sumGamma}). Each comparison is between two computations that each obey a bound β, after the
 * final scaling s (1, or 1/n for the mean reduction): the tolerance is 2·β·s + 2u·|value|
 * ({@link #comparison}).
 *
 * <p>Finite differences. L is linear (sum loss) or quadratic (squared loss) in W, b and X, so the
 * central difference (L(θ+h/2) − L(θ−h/2))/h equals the derivative exactly in exact arithmetic: the
 * third derivative is zero and there is no truncation term. For the other losses the probes bound
 * the remainder from the two perturbed Y's ({@link dev.adjoint.kernel.Loss#centralDifferenceRemainder}:
 * the Taylor term h³/24·max|L‴|, and at Huber's kinks a term of their own), and the difference is taken
 * at the midpoint of the rounded θ±, which may lie off θ by up to u·|θ|: that shift moves ∂L/∂θ by at
 * most c₂·|mid − θ|·‖∂Y/∂θ‖·‖ΔY‖/h (Cauchy–Schwarz over the rows). What remains is rounding: each L(θ±)
 * errs by at most η (the loss bound {@link #lossSumBound}), so the quotient errs by at most
 * (η₊ + η₋)/h, plus the rounding of the analytic gradient it is compared with. In single entries the
 * step h is the difference of the two rounded parameter values, which is exact (both are within a
 * factor 2 of each other, Sterbenz), so the step itself adds no error.
 *
 * <p>The static methods are the building blocks (γ, the comparison, the step). An instance is one run:
 * n rows, d features, m outputs, the kernel summing at most {@code blockRows} (B) rows in its own
 * precision, products with unit roundoff u, results scaled by {@code scale} (s: 1, or 1/n for the mean
 * reduction), and the loss's constants ({@code loss}: how G and ℓ carry Y's error and round); it names one bound or tolerance per
 * method: {@code …Bound} for the rounding bound of one computed quantity, {@code …Tolerance} for the
 * tolerance of one compared entry. Every printed tolerance is one of the {@code …Tolerance} methods.
 */
public record Tolerances(long n, long blocks, int d, int m, int blockRows, double u, double scale, Loss.Bounds loss) {
  /** Unit roundoff of float64, 2⁻⁵³. */
  public static final double U64 = 0x1p-53;

  /** Unit roundoff of float32, 2⁻²⁴. */
  public static final double U32 = 0x1p-24;

  /** The same run's bounds with no final scaling (s = 1): for sums compared before the mean's 1/n. */
  public Tolerances unscaled() {
    return new Tolerances(n, blocks, d, m, blockRows, u, 1.0, loss);
  }

  /** The bounds of sums over {@code rows} rows in {@code blocks} blocks, unscaled: the reference's sample. */
  public Tolerances over(long rows, long blocks) {
    return new Tolerances(rows, blocks, d, m, blockRows, u, 1.0, loss);
  }

  // ---- building blocks ---------------------------------------------------------------------------

  /** γ_k = k·u / (1 − k·u); infinite when k·u ≥ 1 (no bound). */
  public static double gamma(double k, double u) {
    double ku = k * u;
    return ku >= 1 ? Double.POSITIVE_INFINITY : ku / (1 - ku);
  }

  /**
   * γ for a sum of n terms as the kernel accumulates it: each block's at most B = {@code blockRows} rows
   * summed on their own in the products' precision u (any order: the BLAS chooses), then the {@code
   * blocks} block sums added in float64 (one rounding per block and entry, in any tree):
   * γ_{min(n,B)+1}(u) + γ_{blocks+1}(2⁻⁵³). For n = 2·10⁶ rows in blocks of 6553 this is 7.6·10⁻¹³, where
   * one n-long accumulation would be γ_n = 2.2·10⁻¹⁰.
   */
  public static double sumGamma(long n, int blockRows, long blocks, double u) {
    return gamma(Math.min(n, blockRows) + 1, u) + gamma(Math.max(1, blocks) + 1, U64);
  }

  /**
   * The rounding of a compensated sum (Neumaier, {@link dev.adjoint.kernel.NeumaierSum}) of k terms, as a
   * multiple of Σ|terms|: u·|Σ| + γ²_k·Σ|terms| ≤ (u + γ²_k)·Σ|terms| for one sum; the pass sums each
   * block's terms so, then the block sums so (across blocks and partitions), which at most doubles it
   * with k the total count: (2u + 3γ²_k)·Σ|terms| (γ² of 2·10⁶·16 terms is 1.3·10⁻¹⁷: the bound is 2u).
   */
  public static double compensatedGamma(double k) {
    double g = gamma(k, U64);
    return 2 * U64 + 3 * g * g;
  }

  /** Two computations each within {@code bound}, compared after a final scaling: 2·bound·scale + 2u·|magnitude|. */
  public static double comparison(double bound, double scale, double magnitude, double u) {
    return 2 * bound * scale + 2 * u * magnitude;
  }

  /** Central difference of two losses each within η₊ and η₋, over step h: (η₊ + η₋)/h. */
  public static double centralDifference(double eta1, double eta2, double h) {
    return (eta1 + eta2) / h;
  }

  /**
   * The step h of a central difference in θ for {@code loss}. For the sum and squared losses, L is a
   * polynomial of degree ≤ 2 in every parameter and input, so the central difference has no truncation
   * error for any h, and the rounding error it carries falls as 1/h: h is the power of two ≥ max(1, |θ|).
   * For the other losses, 2⁻¹⁴·max(1, |θ|): the rounding term (η₊ + η₋)/h ~ u·Σ|ℓ|/h and the truncation
   * term h²/24·Σ|ℓ‴|·|x|³ both grow with n, so the h that balances them does not; for features of order
   * one it lies near 2⁻¹⁴ (docs/losses.md). Both terms are in the tolerance whatever h is.
   */
  public static double step(double theta, Loss loss) {
    double scale = Math.max(1.0, Math.abs(theta));
    if (loss.thirdDerivativeIsZero()) {
      return Math.scalb(1.0, Math.getExponent(scale) + (scale == Math.scalb(1.0, Math.getExponent(scale)) ? 0 : 1));
    }
    return 0x1p-14 * scale;
  }

  // ---- bounds on one computed quantity -----------------------------------------------------------

  /**
   * δy: bound on the rounding of any entry of a row's output yᵢⱼ = Σₖ xᵢₖWₖⱼ + bⱼ whose terms have
   * magnitude at most {@code magnitude} (eᵢ, or the entry's own Σₖ|xᵢₖWₖⱼ| + |bⱼ|): γ_{d+3}(u)·magnitude.
   * d products and the bias make d + 1 terms; rounding x and W to float32 first adds two roundings per
   * term, so d + 3 at both precisions (a little loose in float64).
   */
  public double forwardRowBound(double magnitude) {
    return gamma(d + 3, u) * magnitude;
  }

  /**
   * δg: bound on the rounding of a loss gradient entry gᵢⱼ, given its row's magnitude e and |g|: Y's error
   * through the loss's curvature and G's own rounding, c₂·γ_{d+3}(u)·e + u·g_rel·|g| + u₆₄·g_abs (squared:
   * γ_{d+3}(u)·e + u·|g|; sum: 0, G = 1 is exact).
   */
  public double lossGradientEntryBound(double e, double g) {
    return loss.curvature() * gamma(d + 3, u) * e + u * loss.gRel() * Math.abs(g) + U64 * loss.gAbs();
  }

  /**
   * η: bound on one computed loss sum over {@code rows} rows and m outputs. Every kernel sums the loss in
   * float64 with compensation within each block and across blocks and partitions ({@link #compensatedGamma}
   * of rows·m terms), and each ℓ has its own roundings (squared: ½(y − t)², γ₃; sum: none beyond y's): so
   * (compensated + γ₃)·Σ|ℓᵢⱼ|; plus Y's error carried through ∂L/∂Y = G, Σᵢⱼ|gᵢⱼ|·δyᵢⱼ ≤
   * γ_{d+3}(u)·Σᵢ ‖gᵢ‖₁·eᵢ ({@code absGE}), and its second-order term ½c₂·m·Σᵢ(γ_{d+3}(u)·eᵢ)²
   * ({@code sumE2} = Σᵢeᵢ²); each ℓ's own rounding is γ_{ℓ_rel}·Σ|ℓ| + u·(ℓ_y·Σ|y| + ℓ_row·rows) (squared:
   * γ₃·Σ|ℓ|; sum: none). Before compensation the first term was γ_{rows·m}·Σ|ℓ|, which grows with n; now
   * only the per-row terms do, and only as Σᵢ.
   */
  public double lossSumBound(long rows, double absLossSum, double absGE, double absY, double sumE2) {
    double perTerm = gamma(loss.lossRel(), U64);
    double own = U64 * (loss.lossY() * absY + loss.lossRowAbs() * rows);
    double g = gamma(d + 3, u);
    double secondOrder = 0.5 * loss.curvature() * m * g * g * sumE2;
    return (compensatedGamma((double) rows * m) + perTerm) * absLossSum + forwardRowBound(absGE) + own + secondOrder;
  }

  /**
   * β: bound on one computed Σ over the n rows of xᵢₖ·gᵢⱼ (a dW entry) or gᵢⱼ (a db entry):
   * γ_sum·Σ|terms| ({@link #sumGamma}: n − 1 additions, one product, and for float32 the rounding of
   * G) plus the terms' error from G, Σᵢ|xᵢₖ|·δgᵢⱼ ≤ c₂·γ_{d+3}(u)·Σᵢ|xᵢₖ|·eᵢ + u·g_rel·Σ|terms| +
   * u₆₄·g_abs·Σᵢ|xᵢₖ| ({@link #lossGradientEntryBound}). {@code absTerms} is Σ|terms|; {@code absXE} is
   * Σᵢ|xᵢₖ|·eᵢ (for db: Σᵢ eᵢ); {@code absX} is Σᵢ|xᵢₖ| (for db: the row count).
   */
  public double gradientSumBound(double absTerms, double absXE, double absX) {
    double fromG = loss.curvature() * gamma(d + 3, u) * absXE + u * loss.gRel() * absTerms + U64 * loss.gAbs() * absX;
    return sumGamma(n, blockRows, blocks, u) * absTerms + fromG;
  }

  /**
   * τ: the rounding of any one analytic dW (or db) entry as the finite-difference checks see it,
   * 2·s·{@link #gradientSumBound}, given scalars that bound every entry's magnitudes: for dW,
   * Σᵢ‖xᵢ‖₁‖gᵢ‖₁ (≥ every entry of |X|ᵀ|G|), Σᵢ‖xᵢ‖₁·eᵢ and Σᵢ|xᵢₖ|; for db, Σ|G|, Σᵢ eᵢ and n.
   */
  public double analyticGradientBound(double absTerms, double absXE, double absX) {
    return 2 * gradientSumBound(absTerms, absXE, absX) * scale;
  }

  // ---- tolerances of compared entries ------------------------------------------------------------

  /** Reference L against the distributed L: 2·η·s + 2u·|L|, with η = {@link #lossSumBound} over n rows. */
  public double referenceLossTolerance(double absLossSum, double absGE, double absY, double sumE2, double loss) {
    return comparison(lossSumBound(n, absLossSum, absGE, absY, sumE2), scale, Math.abs(loss), u);
  }

  /** A reference dW or db entry against the distributed one: 2·β·s + 2u·|entry|, β = {@link #gradientSumBound}. */
  public double referenceGradientTolerance(double absTerms, double absXE, double absX, double entry) {
    return comparison(gradientSumBound(absTerms, absXE, absX), scale, Math.abs(entry), u);
  }

  /**
   * A sampled row's yᵢⱼ recomputed with plain loops against the distributed one, unscaled: 2·δy + 2u·|y|,
   * δy = {@link #forwardRowBound} with the entry's own magnitude Σₖ|xᵢₖWₖⱼ| + |bⱼ|.
   */
  public double sampledOutputTolerance(double magnitude, double y) {
    return comparison(forwardRowBound(magnitude), 1.0, Math.abs(y), u);
  }

  /**
   * A sampled row's dX entry k, Σⱼ gᵢⱼWₖⱼ recomputed with plain loops, against the distributed one:
   * β = γ_{m+1}(u)·Σⱼ|gᵢⱼWₖⱼ| + Σⱼ δgᵢⱼ·|Wₖⱼ|, compared as 2·β·s + 2u·|dx·s|. {@code absGW} is Σⱼ|gᵢⱼWₖⱼ|,
   * {@code fromG} is Σⱼ δgᵢⱼ·|Wₖⱼ| ({@link #lossGradientEntryBound}), {@code scaledDx} is dx·s.
   */
  public double sampledInputGradientTolerance(double absGW, double fromG, double scaledDx) {
    return comparison(gamma(m + 1, u) * absGW + fromG, scale, Math.abs(scaledDx), u);
  }

  /**
   * A central difference in one entry θ of W or b against ∂L/∂θ: (η₊ + η₋)/h·s + τ (the analytic
   * entry's rounding, {@link #analyticGradientBound}) + u·(2|θ| + h)·|∂L/∂θ|/h (the kernel may round θ±
   * again, float32: u·(|θ₊| + |θ₋|) through ∂L/∂θ, over h) + 3u·|fd| (the quotient's rounding, and h =
   * θ₊ − θ₋ itself rounded once when θ₊ and θ₋ are not within a factor 2 of each other) + the truncation
   * ({@link #truncation}, unscaled; 0 for polynomial losses)·s.
   */
  public double finiteDifferenceTolerance(double etaPlus, double etaMinus, double h, double tau, double theta,
      double gradient, double fd, double truncation) {
    double eta = centralDifference(etaPlus, etaMinus, h) * scale;
    double rounding = u * (2 * Math.abs(theta) + h) * Math.abs(gradient) / h;
    return eta + tau + rounding + 3 * U64 * Math.abs(fd) + truncation * scale;
  }

  /**
   * The truncation of a central difference, unscaled: the loss's remainder over the step
   * ({@link dev.adjoint.kernel.Loss#centralDifferenceRemainder}, summed over the rows), remainder/h, plus the
   * shift of the midpoint of the rounded θ± off θ: c₂·√(Σᵢ‖Jᵢ·Δc‖²)·√(Σᵢ‖Δyᵢ‖²)/h (Cauchy–Schwarz), with
   * Δc the shift (each entry ≤ {@code shift}) and Δyᵢ = Jᵢ·(θ₊ − θ₋) (each entry of θ₊ − θ₋ ≤ stepScale·h):
   * ≤ c₂·shift·jacobianSq·stepScale, where {@code jacobianSq} bounds Σᵢ‖Jᵢ·u‖² for every u with entries ≤ 1
   * along the step (Σᵢxᵢₖ² for Wₖⱼ, n for bⱼ, Σⱼ Wₖⱼ² for xᵢₖ, m·Σᵢ(‖xᵢ‖₁ + 1)² for a direction).
   */
  public double truncation(double remainder, double h, double shift, double jacobianSq, double stepScale) {
    return remainder / h + loss.curvature() * shift * jacobianSq * stepScale;
  }

  /**
   * A central difference along a unit direction (V, v) of (W, b), step h, against ⟨dW, V⟩ + ⟨db, v⟩:
   * (η₊ + η₋)/h·s + τ_V (the analytic gradient's rounding along the direction, Σ|Vₖⱼ|·τₖⱼ + Σ|vⱼ|·τⱼ
   * with each entry's own τ, {@link #analyticGradientBound}) + u·Σ|∇θ|·(|θ₊| + |θ₋|)/h (the rounding of
   * the perturbed parameters, through ∂L/∂θ) + γ_{dm+m}(2⁻⁵³)·Σ|∇θ·vθ| (the inner product's own rounding)
   * + 3u·|fd| + the truncation ({@link #truncation}, unscaled)·s. {@code perturbed} is Σ|∇θ|·(|θ₊| + |θ₋|),
   * {@code absDot} is Σ|∇θ·vθ|.
   */
  public double directionalTolerance(double etaPlus, double etaMinus, double h, double tauAlong, double perturbed,
      double absDot, double fd, double truncation) {
    return centralDifference(etaPlus, etaMinus, h) * scale + tauAlong + u * perturbed / h
        + gamma(d * m + m, U64) * absDot + 3 * U64 * Math.abs(fd) + truncation * scale;
  }

  /**
   * Row c of dW·r against (Xᵀ·(G·r))_c for a ±1 vector r (‖r‖₁ = m). Both sides sum the same n·m
   * products x·g·r: dW as the kernel summed it ({@link #sumGamma}) and Xᵀ(G·r) summed by the probe pass
   * the same blocked way, G·r first (γ_{min(n,B)+m+1}(2⁻⁵³) + γ_{blocks+1}(2⁻⁵³)), so β = (both γ)·(|X|ᵀ|G||r|)_c
   * + G's own error c₂·γ_{d+3}(u)·(|X|ᵀe)_c·m + u·g_rel·(|X|ᵀ|G||r|)_c + u₆₄·g_abs·(|X|ᵀ1)_c·m; compared as 2·β·s +
   * 2u·|dW·r|, plus the driver's product dW·r, γ_m(2⁻⁵³)·Σⱼ|dW_cj|. {@code absXtGR} bounds (|X|ᵀ|G||r|)_c,
   * {@code absXtE} bounds (|X|ᵀe)_c (the probes give Cauchy–Schwarz bounds of both), {@code absDwRow} is
   * Σⱼ|dW_cj|, {@code dwr} is (dW·r)_c, {@code absX} bounds Σᵢ|xᵢc|.
   */
  public double freivaldsRowTolerance(double absXtGR, double absXtE, double absX, double absDwRow, double dwr) {
    double fromG = loss.curvature() * gamma(d + 3, u) * absXtE * m + u * loss.gRel() * absXtGR
        + U64 * loss.gAbs() * absX * m;
    double probe = gamma(Math.min(n, blockRows) + m + 1, U64) + gamma(Math.max(1, blocks) + 1, U64);
    double sums = sumGamma(n, blockRows, blocks, u) + probe;
    return comparison(sums * absXtGR + fromG, scale, Math.abs(dwr), u) + gamma(m, U64) * absDwRow;
  }

  /**
   * Σⱼ dbⱼ against 1ᵀG1: the kernel summed db blocked ({@link #sumGamma}·Σ|G|), the probe summed every
   * entry of G with compensation ({@link #compensatedGamma}·Σ|G|), and G's own error
   * c₂·γ_{d+3}(u)·Σᵢeᵢ·m + u·g_rel·Σ|G| + u₆₄·g_abs·n·m; compared as 2·β·s + 2u·|Σ db|, plus the driver's
   * sum of db, γ_m(2⁻⁵³)·Σ|db|.
   */
  public double freivaldsBiasTolerance(double absSumG, double sumE, double absDb, double dbSum) {
    double fromG = loss.curvature() * gamma(d + 3, u) * sumE * m + u * loss.gRel() * absSumG
        + U64 * loss.gAbs() * n * m;
    double sums = sumGamma(n, blockRows, blocks, u) + compensatedGamma(n * (double) m);
    return comparison(sums * absSumG + fromG, scale, Math.abs(dbSum), u) + gamma(m, U64) * absDb;
  }

  /**
   * A central difference in feature k of one sampled row x (on the driver, with the row's own loss
   * bounds η±) against its dX entry: (η₊ + η₋)/h·s + τ_dx + u·(|x₊| + |x₋|)·|dx|/h + 2u·|fd|, where the
   * analytic entry's rounding, bounded by the row's magnitudes (e its row bound, max|g| its largest G
   * entry, Σⱼ|Wₖⱼ| = {@code absWRow}), is τ_dx = 2·(γ_{m+1}(u)·max|g|·Σⱼ|Wₖⱼ| + δg·Σⱼ|Wₖⱼ|)·s with δg
   * = {@link #lossGradientEntryBound}(e, max|g|); 3u·|fd| and the truncation as in
   * {@link #finiteDifferenceTolerance}.
   */
  public double inputFiniteDifferenceTolerance(double etaPlus, double etaMinus, double h, double e, double gMax,
      double absWRow, double xPlus, double xMinus, double dx, double fd, double truncation) {
    double fromG = lossGradientEntryBound(e, gMax) * absWRow;
    double tauDx = 2 * (gamma(m + 1, u) * gMax * absWRow + fromG) * scale;
    double rounding = u * (Math.abs(xPlus) + Math.abs(xMinus)) * Math.abs(dx) / h;
    return centralDifference(etaPlus, etaMinus, h) * scale + tauDx + rounding + 3 * U64 * Math.abs(fd)
        + truncation * scale;
  }
}
