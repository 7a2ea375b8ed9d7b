package dev.adjoint.study;

import dev.adjoint.verify.Tolerances;

/**
 * Rounding-error bounds for one entry dWSum_jc = Σᵢ xᵢⱼ·gᵢ꜀ as each {@link AccumulationMode} computes it,
 * against the exact sum of the float64 data, and the measured errors on the same scale.
 *
 * <p>Notation (Higham, Accuracy and Stability of Numerical Algorithms, ch. 3–4): γₙ(u) = n·u/(1 − n·u);
 * u₃₂ = 2⁻²⁴, u₆₄ = 2⁻⁵³; S1 = Σᵢ |xᵢⱼ·gᵢ꜀| (the terms' magnitude), S2 = Σᵢ |xᵢⱼ|·Aᵢ꜀ with
 * Aᵢ꜀ = Σⱼ' |xᵢⱼ'·wⱼ'꜀| + |b꜀| (the forward's magnitude; see {@link ExactSum}). A sum whose every term
 * passes through at most n roundings errs by at most γₙ·Σ|terms| whatever the order (a tree of any shape).
 *
 * <p>A row's term xᵢⱼ·ĝᵢ꜀ passes through: its piece's GEMM (≤ B rows: one product and up to B − 1
 * additions: γ_B), then h more additions, counted as they happen ({@link AccumulationSum#roundings}: the
 * pieces of its batch within its partition — every split's cut makes one —, the merges across
 * partitions, the k batch sums). The computed ĝ itself errs: Ŷ is a length-d dot product plus b,
 * |Ŷ − Y| ≤ γ_{d+1}·A, and Ĝ = fl(Ŷ − T) = (Ŷ − T)(1 + δ) adds u·|Ĝ|; so |Ĝ − G| ≤ γ_{d+1}·A + u·|G| to first
 * order, and Σ|x|·|Ĝ − G| ≤ γ_{d+1}·S2 + u·S1: G's own rounding is charged to S1, the forward's to S2.
 * With float32 data, x, W and b are rounded to float32 first (x·w then carries two more u₃₂ and b one:
 * γ_{d+3}(u₃₂) for Ŷ), Ĝ = Ŷ − T is formed in float64 (u₆₄ ≤ u₃₂) and rounded to float32 (u₃₂), and the
 * product uses the rounded x (u₃₂): three more u₃₂ on S1, γ_{B+3}(u₃₂) with the GEMM.
 *
 * <ul>
 *   <li>(i) float32 + float32: γ_{B+3+h}(u₃₂)·S1 + γ_{d+3}(u₃₂)·S2
 *   <li>(ii) float32 + float64: γ_{B+3}(u₃₂)·S1 + γ_h(u₆₄)·S1 + γ_{d+3}(u₃₂)·S2
 *   <li>(iii) float64: γ_{B+1+h}(u₆₄)·S1 + γ_{d+1}(u₆₄)·S2
 *   <li>(iv) float64 + Neumaier: γ_{B+1}(u₆₄)·S1 + 2u₆₄·|s| + γ_{2h}(u₆₄)·γ_h(u₆₄)·S1 + γ_{d+1}(u₆₄)·S2 — the
 *       running sums' rounding errors e (Σ|e| ≤ γ_h·S1: each addition's error is at most u times its
 *       result) are themselves summed in float64 in the compensation, up to two additions per merge
 *       (γ_{2h}), and s + c is rounded once (u·|s|; 2u·|s| leaves room for s being the computed terms' sum).
 * </ul>
 * First-order bounds (products of (1 + γ) factors dropped), worst case over every order of rounding;
 * observed errors sit orders of magnitude below them, growing like √h·u rather than h·u.
 */
public final class ErrorBounds {
  private ErrorBounds() {}

  public static final double U32 = Tolerances.U32;
  public static final double U64 = Tolerances.U64;

  /** γₙ(u) = n·u / (1 − n·u); +∞ when n·u ≥ 1 (no bound); the verification's. */
  public static double gamma(double n, double u) {
    return Tolerances.gamma(n, u);
  }

  /** The bound on |computed − exact| of one entry (see the class comment). */
  public static double bound(AccumulationMode mode, int blockRows, int h, int d, double exact, double s1,
      double s2) {
    return switch (mode) {
      case F32_F32 -> gamma(blockRows + 3 + h, U32) * s1 + gamma(d + 3, U32) * s2;
      case F32_F64 -> gamma(blockRows + 3, U32) * s1 + gamma(h, U64) * s1 + gamma(d + 3, U32) * s2;
      case F64 -> gamma(blockRows + 1 + h, U64) * s1 + gamma(d + 1, U64) * s2;
      case F64_NEUMAIER -> gamma(blockRows + 1, U64) * s1 + 2 * U64 * Math.abs(exact)
          + gamma(2.0 * h, U64) * gamma(h, U64) * s1 + gamma(d + 1, U64) * s2;
    };
  }

  /**
   * Errors of computed entries against exact ones: normwise relative, the largest in ULPs, the bound's
   * normwise value, and how many entries exceed their own bound (|computed − exact| > bound, entry by entry).
   */
  public record Errors(double relative, double maxUlps, double boundRelative, int overBound) {}

  /**
   * The unit in the last place of {@code exact} in the format of the mode's data: float32 for (i) and
   * (ii), float64 for (iii) and (iv); at least the smallest normal's ulp, so an exact zero does not divide by 0.
   */
  public static double ulp(AccumulationMode mode, double exact) {
    return mode.gemm == dev.adjoint.kernel.Precision.FLOAT32 ? Math.ulp(Math.max(Math.abs((float) exact), Float.MIN_NORMAL))
        : Math.ulp(Math.max(Math.abs(exact), Double.MIN_NORMAL));
  }

  /**
   * max|computed − exact| / max|exact| over the entries; max |computed − exact| / ulp(exact) in the mode's
   * format ({@link #ulp}); max bound / max|exact|; the entries e with |computed − exact| > bound_e.
   */
  public static Errors errors(AccumulationMode mode, double[] computed, double[] exact, double[] bounds) {
    double maxErr = 0;
    double maxExact = 0;
    double maxUlps = 0;
    double maxBound = 0;
    int over = 0;
    for (int e = 0; e < exact.length; e++) {
      double err = Math.abs(computed[e] - exact[e]);
      maxErr = Math.max(maxErr, err);
      maxExact = Math.max(maxExact, Math.abs(exact[e]));
      maxUlps = Math.max(maxUlps, err / ulp(mode, exact[e]));
      maxBound = Math.max(maxBound, bounds[e]);
      if (!(err <= bounds[e])) {  // NaN counts as over
        over++;
      }
    }
    double scale = maxExact > 0 ? maxExact : 1;
    return new Errors(maxErr / scale, maxUlps, maxBound / scale, over);
  }
}
