package dev.adjoint.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.LayerParams;
import dev.adjoint.kernel.Loss;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The study's math without Spark: micro-batch cuts, the normalisation, the modes, the exact reference. */
class StudyMathTest {
  /**
   * Two float64 computations of the same sums of ≤ 200 O(1) terms in different orders: each errs by at
   * most γ₂₀₀·Σ|terms| ≈ 2.2e-14·Σ|terms| (u = 2⁻⁵³); Σ|terms| is within a factor ~10 of max|sum| for
   * these data, so 1e-12 relative has margin and still fails on a wrong or missing term.
   */
  private static final double SAME_SUMS = 1e-12;

  @Test
  void shortLastBatchesAreEqualButTheLastWhichHoldsAboutAQuarter() {
    MicroBatches s = MicroBatches.shortLast(1000, 4);
    // B = ⌈1000 / 3.25⌉ = 308; last = 1000 − 3·308 = 76
    assertArrayEquals(new long[] {0, 308, 616, 924, 1000}, s.bounds());
    assertEquals(3, s.batchOf(999));
    assertEquals(1, s.batchOf(308));
    assertEquals(0, s.batchOf(307));
    assertArrayEquals(new long[] {0, 2, 5, 7, 10}, MicroBatches.equal(10, 4).bounds());
    assertArrayEquals(new long[] {0, 2, 4, 6, 7}, MicroBatches.shortLast(7, 4).bounds(), "tiny inputs keep a last row");
    assertArrayEquals(new long[] {0, 2, 4, 5, 6, 7, 10}, MicroBatches.cuts(List.of(MicroBatches.equal(10, 2),
        MicroBatches.shortLast(7, 4), MicroBatches.equal(6, 3))));
  }

  @Test
  void meanOfMeansIsBiasedByHandAndSumThenDivideIsNot() {
    // batch sums S = (6, 4) over (3, 1) rows: ∇L = 10/4 = 2.5; mean of means = (6/3 + 4/1)/2 = 3; bias 0.5/2.5
    Normalisation.Comparison c = Normalisation.compare(new double[][] {{6}, {4}}, new long[] {3, 1}, new double[] {2.5});
    assertEquals(2.5, c.sumThenDivide()[0]);
    assertEquals(3.0, c.meanOfMeans()[0]);
    assertEquals(0.2, c.meanOfMeansBias(), 1e-16);
    assertEquals(0.0, c.sumThenDivideDiff());
    // equal batches: both are the full mean
    Normalisation.Comparison e = Normalisation.compare(new double[][] {{6}, {2}}, new long[] {2, 2}, new double[] {2});
    assertEquals(0.0, e.meanOfMeansBias());
  }

  @Test
  void eachBatchSumIsItsRowsGradientAndEmptyIsTheIdentity() {
    int n = 200;
    int d = 3;
    int m = 2;
    Random rng = new Random(7);
    double[] x = gaussian(rng, n * d);
    double[] t = gaussian(rng, n * m);
    LayerParams p = new LayerParams(d, m, gaussian(rng, d * m), gaussian(rng, m));
    List<MicroBatches> splits = List.of(MicroBatches.shortLast(n, 3), MicroBatches.equal(n, 7), MicroBatches.equal(90, 4));
    for (AccumulationMode mode : AccumulationMode.values()) {
      // blocks of 17 rows, so blocks straddle batch bounds; then merged into an empty partial
      AccumulationSum sum = AccumulationSum.empty(mode, d, m, splits);
      for (int from = 0; from < n; from += 17) {
        int to = Math.min(n, from + 17);
        sum.add(AccumulationSum.slice(Block.of(n, d, x, m, t), from, to), from, p, Loss.SQUARED);
      }
      AccumulationSum merged = AccumulationSum.empty(mode, d, m, splits).merge(sum);
      for (int s = 0; s < splits.size(); s++) {
        MicroBatches split = splits.get(s);
        double[][] batches = merged.batchSums(s);
        double tol = mode.gemm == dev.adjoint.kernel.Precision.FLOAT32 ? 1e-5 : SAME_SUMS;  // float32: u = 6e-8, × 200 terms
        for (int b = 0; b < split.k(); b++) {
          assertEquals(split.size(b), merged.batchRows(s)[b]);
          double[] hand = handGradientSum(x, t, p, split.bounds()[b], split.bounds()[b + 1]);
          assertClose(hand, batches[b], tol, mode + " " + split + " batch " + b);
        }
        assertClose(handGradientSum(x, t, p, 0, split.rows()), merged.accumulated(s), tol, mode + " " + split);
      }
    }
  }

  @Test
  void theExactReferenceMatchesBigDecimal() {
    int n = 60;
    int d = 4;
    int m = 3;
    Random rng = new Random(11);
    double[] x = gaussian(rng, n * d);
    double[] t = gaussian(rng, n * m);
    LayerParams p = new LayerParams(d, m, gaussian(rng, d * m), gaussian(rng, m));
    SampledEntries all = SampledEntries.choose(d, m, 100, 1);
    assertTrue(all.all());
    ExactSum exact = ExactSum.empty(all, new long[] {25, n});
    exact.add(AccumulationSum.slice(Block.of(n, d, x, m, t), 0, 30), 0, p, Loss.SQUARED);
    ExactSum rest = ExactSum.empty(all, new long[] {25, n}).add(AccumulationSum.slice(Block.of(n, d, x, m, t), 30, n),
        30, p, Loss.SQUARED);
    exact.merge(rest);
    for (int[] prefix : new int[][] {{0, 25}, {1, n}}) {
      double[] got = exact.exact(prefix[0]);
      for (int e = 0; e < all.size(); e++) {
        double want = bigDecimalEntry(x, t, p, all.row(e), all.col(e), prefix[1]);
        // double-double carries ~106 bits; rounded once to float64 it is the correctly rounded value or its neighbour
        assertTrue(Math.abs(got[e] - want) <= Math.ulp(want), "entry " + e + ": " + got[e] + " vs " + want);
      }
    }
    SampledEntries sample = SampledEntries.choose(10, 8, 25, 3);
    assertEquals(20, sample.size(), "⌊25/10⌋ = 2 whole columns of 10 entries");
    assertEquals(2, sample.columns().length);
  }

  @Test
  void float32AccumulationErrsMoreThanFloat64() {
    int n = 4000;
    int d = 2;
    int m = 2;
    Random rng = new Random(5);
    double[] x = gaussian(rng, n * d);
    double[] t = gaussian(rng, n * m);
    LayerParams p = new LayerParams(d, m, gaussian(rng, d * m), new double[m]);
    double[] errors = errorsOf(Block.of(n, d, x, m, t), p, Loss.SQUARED, 50);
    assertTrue(errors[AccumulationMode.F32_F32.ordinal()] > errors[AccumulationMode.F64.ordinal()],
        "float32 " + errors[0] + " vs float64 " + errors[2]);
    assertTrue(errors[AccumulationMode.F32_F32.ordinal()] >= errors[AccumulationMode.F32_F64.ordinal()],
        "float32 accumulation " + errors[0] + " vs float64 accumulation " + errors[1]);
  }

  @Test
  void neumaierWinsOnLargeCancellingTerms() {
    // dW = Σ xᵢ (sum loss, G = 1, d = m = 1) over 1e16, 1, −1e16, 1, … in blocks of one row (each GEMM exact):
    // plain float64 loses every 1 added to ±1e16 (ulp(1e16) = 2); Neumaier keeps them; the exact sum is 2 per group
    int groups = 50;
    double[] x = new double[4 * groups];
    for (int g = 0; g < groups; g++) {
      x[4 * g] = 1e16;
      x[4 * g + 1] = 1;
      x[4 * g + 2] = -1e16;
      x[4 * g + 3] = 1;
    }
    LayerParams p = new LayerParams(1, 1, new double[] {0.5}, new double[] {0});
    double[] errors = errorsOf(Block.of(x.length, 1, x), p, Loss.SUM, 1);
    assertEquals(0.0, errors[AccumulationMode.F64_NEUMAIER.ordinal()], "Neumaier is exact here");
    assertTrue(errors[AccumulationMode.F64.ordinal()] > 0, "plain float64 loses the ones");
    assertTrue(errors[AccumulationMode.F64_NEUMAIER.ordinal()] <= errors[AccumulationMode.F64.ordinal()]);
  }

  /** Each mode's |dW − exact| (largest entry) over the block cut in blocks of {@code blockRows}, one batch. */
  private static double[] errorsOf(Block all, LayerParams p, Loss loss, int blockRows) {
    List<MicroBatches> one = List.of(MicroBatches.equal(all.rows, 1));
    SampledEntries entries = SampledEntries.choose(p.inputDim, p.outputDim, 1000, 1);
    ExactSum exact = ExactSum.empty(entries, new long[] {all.rows}).add(all, 0, p, loss);
    double[] ex = exact.exact(0);
    if (loss == Loss.SUM && p.inputDim == 1) {
      double hand = 0;  // the independent value: 2 per group of four
      for (int i = 1; i < all.rows; i += 2) {
        hand += all.x[i];
      }
      assertEquals(hand, ex[0], "exact reference of the cancelling sum");
    }
    double[] errors = new double[AccumulationMode.values().length];
    for (AccumulationMode mode : AccumulationMode.values()) {
      AccumulationSum sum = AccumulationSum.empty(mode, p.inputDim, p.outputDim, one);
      for (int from = 0; from < all.rows; from += blockRows) {
        sum.add(AccumulationSum.slice(all, from, Math.min(all.rows, from + blockRows)), from, p, loss);
      }
      double[] dW = sum.accumulated(0);
      for (int e = 0; e < entries.size(); e++) {
        errors[mode.ordinal()] = Math.max(errors[mode.ordinal()], Math.abs(entries.of(dW, e) - ex[e]));
      }
    }
    return errors;
  }

  /** Σ_{from ≤ i < to} xᵢᵀ·(xᵢ·W + b − tᵢ) with plain loops. */
  private static double[] handGradientSum(double[] x, double[] t, LayerParams p, long from, long to) {
    int d = p.inputDim;
    int m = p.outputDim;
    double[] dW = new double[d * m];
    for (int i = (int) from; i < to; i++) {
      for (int c = 0; c < m; c++) {
        double y = p.bias[c];
        for (int j = 0; j < d; j++) {
          y += x[i * d + j] * p.weights[j * m + c];
        }
        double g = y - t[i * m + c];
        for (int j = 0; j < d; j++) {
          dW[j * m + c] += x[i * d + j] * g;
        }
      }
    }
    return dW;
  }

  private static double bigDecimalEntry(double[] x, double[] t, LayerParams p, int j, int c, int rows) {
    int d = p.inputDim;
    int m = p.outputDim;
    BigDecimal sum = BigDecimal.ZERO;
    for (int i = 0; i < rows; i++) {
      BigDecimal y = new BigDecimal(p.bias[c]);
      for (int q = 0; q < d; q++) {
        y = y.add(new BigDecimal(x[i * d + q]).multiply(new BigDecimal(p.weights[q * m + c])));
      }
      BigDecimal g = y.subtract(new BigDecimal(t[i * m + c]));
      sum = sum.add(new BigDecimal(x[i * d + j]).multiply(g));
    }
    return sum.round(MathContext.DECIMAL128).doubleValue();
  }

  private static void assertClose(double[] want, double[] got, double tol, String what) {
    double err = 0;
    double scale = 0;
    for (int q = 0; q < want.length; q++) {
      err = Math.max(err, Math.abs(want[q] - got[q]));
      scale = Math.max(scale, Math.abs(want[q]));
    }
    assertTrue(err <= tol * Math.max(scale, 1e-300), what + ": relative error " + err / scale);
  }

  private static double[] gaussian(Random rng, int len) {
    double[] a = new double[len];
    for (int q = 0; q < len; q++) {
      a[q] = rng.nextGaussian();
    }
    return a;
  }
}
