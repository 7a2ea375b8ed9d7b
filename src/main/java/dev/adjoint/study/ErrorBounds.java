package dev.adjoint.study;

import dev.adjoint.verify.Tolerances;

/**
 * Rounding-error bounds for one entry dWSum_jc = Σᵢ xᵢⱼ·gᵢ꜀ as each {@link AccumulationMode} computes it,
 * against the exact sum of the float64 data, and the measured errors on the same scale.
 *
 * <p>Notation (Higham, Accuracy and Stability of Numerical Algorithms, ch. 3–4): γₙ(u) = n·u/(1 − n·u);
 * u₃₂ = 2⁻²⁴, u₆₄ = 2⁻⁵³; S1 = Σᵢ |xᵢⱼ·gᵢ꜀|, S2 = Σᵢ |xᵢⱼ|·(Σⱼ' |xᵢⱼ'·wⱼ'꜀| + |b꜀|) (see {@link ExactSum}).
 * A sum whose every term passes through at most h roundings errs by at most γₕ·Σ|terms| whatever the
 * order (a tree of any shape). Here a row's term passes through: the GEMM of its block (B rows: one
 * product and up to B−1 additions), then {@link #depth} more additions (pieces of its batch within a
 * partition, partials across partitions, the k batch sums). G itself carries the forward's error: Y is a
 * length-d dot product plus b (γ_{d+1}), G = Y − T one more rounding, so |ΔG| ≤ γ_{d+2}·A and the
 * sum inherits Σ|x|·|ΔG| ≤ γ_{d+2}·S2. With float32 data X, W, b are rounded first (one more u₃₂ each:
 * γ_{d+3} for Y, u₃₂ for x in the product, u₃₂ for G rounded to float32: γ_{B+2} for the GEMM).
 *
 * <ul>
 *   <li>(i) float32 + float32: γ_{B+2+h}(u₃₂)·S1 + γ_{d+3}(u₃₂)·S2
 *   <li>(ii) float32 + float64: γ_{B+2}(u₃₂)·S1 + γ_h(u₆₄)·S1 + γ_{d+3}(u₃₂)·S2
 *   <li>(iii) float64: γ_{B+h}(u₆₄)·S1 + γ_{d+2}(u₆₄)·S2
 *   <li>(iv) float64 + Neumaier: γ_B(u₆₄)·S1 + 2u₆₄·|s| + γ_h(u₆₄)²·S1 + γ_{d+2}(u₆₄)·S2 — Neumaier's sum of
 *       the block results errs by 2u·|s| + O(h·u²)·Σ|terms| (Higham §4.3); γ_h² ≥ h·u² covers the O(·).
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

  /**
   * Roundings after the GEMM that a term may pass through: ⌈batch rows / B⌉ + 2 block pieces of its
   * batch within a partition (a block cut at the batch's two ends adds two), at most one per partition
   * merged across partitions, and the k batch sums.
   */
  public static double depth(long maxBatchRows, int blockRows, int partitions, int k) {
    return Math.ceil((double) maxBatchRows / blockRows) + 2 + partitions + k;
  }

  /** The bound on |computed − exact| of one entry (see the class comment). */
  public static double bound(AccumulationMode mode, int blockRows, double depth, int d, double exact, double s1,
      double s2) {
    return switch (mode) {
      case F32_F32 -> gamma(blockRows + 2 + depth, U32) * s1 + gamma(d + 3, U32) * s2;
      case F32_F64 -> gamma(blockRows + 2, U32) * s1 + gamma(depth, U64) * s1 + gamma(d + 3, U32) * s2;
      case F64 -> gamma(blockRows + depth, U64) * s1 + gamma(d + 2, U64) * s2;
      case F64_NEUMAIER -> gamma(blockRows, U64) * s1 + 2 * U64 * Math.abs(exact)
          + Math.pow(gamma(depth, U64), 2) * s1 + gamma(d + 2, U64) * s2;
    };
  }

  /** Errors of computed entries against exact ones: normwise relative, the largest in ULPs, and the bound's normwise value. */
  public record Errors(double relative, double maxUlps, double boundRelative) {}

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
   * format ({@link #ulp}); max bound / max|exact|.
   */
  public static Errors errors(AccumulationMode mode, double[] computed, double[] exact, double[] bounds) {
    double maxErr = 0;
    double maxExact = 0;
    double maxUlps = 0;
    double maxBound = 0;
    for (int e = 0; e < exact.length; e++) {
      double err = Math.abs(computed[e] - exact[e]);
      maxErr = Math.max(maxErr, err);
      maxExact = Math.max(maxExact, Math.abs(exact[e]));
      maxUlps = Math.max(maxUlps, err / ulp(mode, exact[e]));
      maxBound = Math.max(maxBound, bounds[e]);
    }
    double scale = maxExact > 0 ? maxExact : 1;
    return new Errors(maxErr / scale, maxUlps, maxBound / scale);
  }
}
