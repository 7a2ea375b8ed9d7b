package dev.adjoint.study;

import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Shapes;

/**
 * The gradient of the mean loss L = (1/n)·Σᵢ ℓᵢ from k micro-batches b of nᵦ rows with sums Sᵦ = Σ_{i∈b} ∇ℓᵢ:
 *
 * <pre>
 *   (a) sum, then divide once:  (Σᵦ Sᵦ) / n              = ∇L exactly (up to rounding)
 *   (b) mean of means:          (1/k)·Σᵦ (Sᵦ / nᵦ)       = Σᵦ (1/k)·(Sᵦ/nᵦ), weights 1/k instead of nᵦ/n
 * </pre>
 * (b) is what accumulating a per-micro-batch mean loss and dividing by the number of steps gives; it
 * weighs each row by 1/(k·nᵦ) instead of 1/n, so rows of a short batch count more: biased unless every
 * nᵦ = n/k. (The 2024 gradient-accumulation bug in Hugging Face transformers, with tokens for rows.)
 */
public final class Normalisation {
  private Normalisation() {}

  /** The two gradients and their normwise relative differences from the full-batch one. */
  public record Comparison(double[] sumThenDivide, double[] meanOfMeans, double sumThenDivideDiff, double meanOfMeansBias) {}

  /** Forms (a) and (b) from the batch sums and row counts; compares them with {@code fullMean} = ∇L. */
  public static Comparison compare(double[][] batchSums, long[] batchRows, double[] fullMean) {
    int k = batchSums.length;
    Shapes.require(k == batchRows.length && k > 0, k + " batch sums but " + batchRows.length + " row counts");
    long n = 0;
    for (long r : batchRows) {
      n += r;
    }
    int len = fullMean.length;
    double[] a = new double[len];
    double[] b = new double[len];
    for (int i = 0; i < k; i++) {
      for (int q = 0; q < len; q++) {
        a[q] += batchSums[i][q];
        b[q] += batchSums[i][q] / batchRows[i];
      }
    }
    for (int q = 0; q < len; q++) {
      a[q] /= n;   // normalise once, by the total
      b[q] /= k;   // the mean of the k means
    }
    return new Comparison(a, b, Dense.normwiseRelError(a, fullMean), Dense.normwiseRelError(b, fullMean));
  }

  /**
   * How far, normwise relative to max|∇L|, (a) may differ from the full-batch ∇L by rounding alone, and
   * (b) too when the k batches are exactly equal. Both are float64 sums of the same terms xᵢⱼ·gᵢ꜀, so
   * per entry |Σ Sᵦ − n·∇L| ≤ bound_a + bound_full, each {@link ErrorBounds#bound} for float64 with its
   * own h ({@code splitRoundings}, {@code fullRoundings}); dividing by n rounds once for (a) and twice for
   * the full pass (1/n, then the product): 3u·|∇L|. (b) adds, per batch, Sᵦ/nᵦ and /k (two roundings) and
   * k − 1 additions: γ_{k+1}·Σᵦ|Sᵦ|/n ≤ γ_{k+1}·S1/n. The largest of these over the entries, over
   * max|∇L|: it scales with this run's data, so a tiny gradient does not turn rounding into a "NO".
   */
  public static double roundingAgreement(Magnitudes mag, int blockRows, int splitRoundings, int fullRoundings, int k,
      long n, double[] fullMean) {
    double worst = 0;
    double scale = 0;
    for (int q = 0; q < fullMean.length; q++) {
      double s1 = mag.termMagnitude[q];
      double s2 = mag.forwardMagnitude[q];
      double sums = ErrorBounds.bound(AccumulationMode.F64, blockRows, splitRoundings, mag.inputDim, 0, s1, s2)
          + ErrorBounds.bound(AccumulationMode.F64, blockRows, fullRoundings, mag.inputDim, 0, s1, s2)
          + ErrorBounds.gamma(k + 1, ErrorBounds.U64) * s1;
      worst = Math.max(worst, sums / n + 3 * ErrorBounds.U64 * Math.abs(fullMean[q]));
      scale = Math.max(scale, Math.abs(fullMean[q]));
    }
    return scale > 0 ? worst / scale : worst;
  }
}
