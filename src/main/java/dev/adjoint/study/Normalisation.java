package dev.adjoint.study;

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
    return new Comparison(a, b, relativeDiff(a, fullMean), relativeDiff(b, fullMean));
  }

  /** max|a − ref| / max|ref| (0 when both are all zero). */
  public static double relativeDiff(double[] a, double[] ref) {
    double err = 0;
    double scale = 0;
    for (int q = 0; q < ref.length; q++) {
      err = Math.max(err, Math.abs(a[q] - ref[q]));
      scale = Math.max(scale, Math.abs(ref[q]));
    }
    return scale > 0 ? err / scale : err;
  }

  /**
   * Two float64 computations of the same n-term sums in different orders (the full-batch pass and
   * sum-then-divide) agree to rounding: each errs by at most γ_h·Σ|terms| with h the additions a term
   * passes through, observed near √h·u ≈ 10⁻¹³ for h up to 10⁶ with O(1) data. 10⁻¹² keeps an order of
   * margin and is still 10⁻⁶ of the smallest bias worth reporting (one row's weight in a million).
   */
  public static final double ROUNDING_AGREEMENT = 1e-12;
}
