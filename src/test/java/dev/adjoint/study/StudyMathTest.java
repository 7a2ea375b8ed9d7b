package dev.adjoint.study;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.WeightsAndBias;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The study's math without Spark: micro-batch cuts, the normalisation, the modes, the exact reference. */
class StudyMathTest {
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
    WeightsAndBias p = new WeightsAndBias(d, m, gaussian(rng, d * m), gaussian(rng, m));
    List<MicroBatches> splits = List.of(MicroBatches.shortLast(n, 3), MicroBatches.equal(n, 7), MicroBatches.equal(90, 4));
    for (AccumulationMode mode : AccumulationMode.values()) {
      // blocks of 17 rows, so blocks straddle batch bounds; then merged into an empty partial
      AccumulationSum sum = AccumulationSum.empty(mode, d, m, splits);
      for (int from = 0; from < n; from += 17) {
        int to = Math.min(n, from + 17);
        sum.add(AccumulationSum.slice(Block.of(n, d, x, m, t), from, to), from, p, Loss.SQUARED);
      }
      AccumulationSum merged = AccumulationSum.empty(mode, d, m, splits).merge(sum);
      // Every term passes through ≤ n = 200 roundings after its product (≤ 16 in its block's GEMM, ≤ 12
      // pieces, the k ≤ 7 batch sums), G's forward d + 1 and G's own: the mode's and the hand's float64
      // sums each err by ≤ γ_{n+d+4}(u)·(S1 + S2) per entry, u = u₃₂ for float32 data (its X, W, b, G
      // roundings are among the d + 4), u₆₄ otherwise; the hand's own float64 error is under that too.
      double u = mode.gemm == Precision.FLOAT32 ? ErrorBounds.U32 : ErrorBounds.U64;
      double tol = 2 * ErrorBounds.gamma(n + d + 4, u);
      for (int s = 0; s < splits.size(); s++) {
        MicroBatches split = splits.get(s);
        double[][] batches = merged.batchSums(s);
        for (int b = 0; b < split.k(); b++) {
          assertEquals(split.size(b), merged.batchRows(s)[b]);
          long from = split.bounds()[b];
          long to = split.bounds()[b + 1];
          assertClose(handGradientSum(x, t, p, from, to), batches[b], handMagnitude(x, t, p, from, to), tol,
              mode + " " + split + " batch " + b);
        }
        assertClose(handGradientSum(x, t, p, 0, split.rows()), merged.accumulated(s), handMagnitude(x, t, p, 0,
            split.rows()), tol, mode + " " + split);
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
    WeightsAndBias p = new WeightsAndBias(d, m, gaussian(rng, d * m), gaussian(rng, m));
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
    WeightsAndBias p = new WeightsAndBias(d, m, gaussian(rng, d * m), new double[m]);
    double[] errors = errorsOf(Block.of(n, d, x, m, t), p, Loss.SQUARED, 50);
    assertTrue(errors[AccumulationMode.F32_F32.ordinal()] > errors[AccumulationMode.F64.ordinal()],
        "float32 " + errors[0] + " vs float64 " + errors[2]);
  }

  @Test
  void float32AccumulationErrsMoreThanFloat32DataWithFloat64Accumulation() {
    // BlockReader of one row, so each GEMM is one float32 product and the rest is accumulation; x = 1 + 0.1·N(0,1)
    // and the sum loss (G = 1), so the sums grow to ~n without cancelling. (ii) errs only by rounding x to
    // float32: Σ|x|·u₃₂ ≤ 4400·6e-8 ≈ 2.6e-4 at worst, ~√n·u₃₂ ≈ 4e-6 as observed. (i) also rounds each of
    // the n running sums to float32: ~u₃₂·|s| ≈ 2.4e-4 each near s = 4000, ≈ 1e-2 after 4000 of them. A
    // factor of 10 between them fails if (i) stops rounding its sums (then (i) = (ii) exactly).
    int n = 4000;
    int d = 2;
    Random rng = new Random(5);
    double[] x = new double[n * d];
    for (int q = 0; q < x.length; q++) {
      x[q] = 1 + 0.1 * rng.nextGaussian();
    }
    WeightsAndBias p = new WeightsAndBias(d, 1, gaussian(rng, d), new double[1]);
    double[] errors = errorsOf(Block.of(n, d, x), p, Loss.SUM, 1);
    assertTrue(errors[AccumulationMode.F32_F32.ordinal()] > 10 * errors[AccumulationMode.F32_F64.ordinal()],
        "float32 accumulation " + errors[0] + " vs float64 accumulation " + errors[1]);
  }

  @Test
  void theMeasuredErrorsAreThoseOfPlainLoops() {
    // d = m = 1, b = 0, blocks of one row: Y = x·w is one product, each GEMM one product, so plain loops
    // replay every mode's arithmetic exactly, in the same order (rows, then the k batch sums in order).
    int n = 300;
    int k = 3;
    Random rng = new Random(13);
    double[] x = new double[n];
    double[] t = new double[n];
    for (int i = 0; i < n; i++) {
      x[i] = 1 + rng.nextGaussian();
      t[i] = 3 + rng.nextGaussian();
    }
    WeightsAndBias p = new WeightsAndBias(1, 1, new double[] {0.7}, new double[] {0});
    Block all = Block.of(n, 1, x, 1, t);
    MicroBatches split = MicroBatches.equal(n, k);
    SampledEntries entries = SampledEntries.choose(1, 1, 1, 1);
    ExactSum exact = ExactSum.empty(entries, new long[] {n}).add(all, 0, p, Loss.SQUARED);
    double want = bigDecimalEntry(x, t, p, 0, 0, n);
    assertTrue(Math.abs(exact.exact(0)[0] - want) <= Math.ulp(want), "the reference is BigDecimal's");
    float w32 = (float) p.weights[0];
    for (AccumulationMode mode : AccumulationMode.values()) {
      AccumulationSum sum = AccumulationSum.empty(mode, 1, 1, List.of(split));
      for (int i = 0; i < n; i++) {
        sum.add(AccumulationSum.slice(all, i, i + 1), i, p, Loss.SQUARED);
      }
      double[] batch = new double[k];
      double[] comp = new double[k];
      for (int b = 0; b < k; b++) {
        for (long i = split.bounds()[b]; i < split.bounds()[b + 1]; i++) {
          double term;
          if (mode.gemm == Precision.FLOAT32) {
            float x32 = (float) x[(int) i];
            float g32 = (float) ((double) (x32 * w32) - t[(int) i]);
            term = x32 * g32;
          } else {
            term = x[(int) i] * (x[(int) i] * p.weights[0] - t[(int) i]);
          }
          double[] sc = plainAdd(mode, batch[b], comp[b], term);
          batch[b] = sc[0];
          comp[b] = sc[1];
        }
      }
      double acc = 0;
      double accComp = 0;
      for (int b = 0; b < k; b++) {
        double[] sc = plainAdd(mode, acc, accComp, batch[b]);
        acc = sc[0];
        accComp = sc[1] + comp[b];
      }
      double hand = acc + accComp;
      assertEquals(hand, sum.accumulated(0)[0], mode + ": the same arithmetic, the same bits");
      double bound = ErrorBounds.bound(mode, 1, sum.roundings(0), 1, exact.exact(0)[0], exact.termMagnitude(0)[0],
          exact.forwardMagnitude(0)[0]);
      ErrorBounds.Errors err = ErrorBounds.errors(mode, sum.accumulated(0), exact.exact(0), new double[] {bound});
      // |hand − want| / |want| against the same from the double-double reference: the two exact values
      // differ by ≤ ulp(want), so the two quotients by ≤ 2·ulp(want)/|want| ≤ 2⁻⁵¹ plus their own rounding
      assertEquals(Math.abs(hand - want) / Math.abs(want), err.relative(), 2 * Math.ulp(want) / Math.abs(want)
          + Math.ulp(err.relative()), mode + " relative error");
      assertEquals(0, err.overBound(), mode + ": " + Math.abs(hand - want) + " within " + bound);
    }
  }

  /** (s, c) + v in the mode's arithmetic, written out: float32 rounding, float64, or Neumaier's step. */
  private static double[] plainAdd(AccumulationMode mode, double s, double c, double v) {
    return switch (mode) {
      case F32_F32 -> new double[] {(float) s + (float) v, c};
      case F32_F64, F64 -> new double[] {s + v, c};
      case F64_NEUMAIER -> {
        double sum = s + v;
        double err = Math.abs(s) >= Math.abs(v) ? (s - sum) + v : (v - sum) + s;
        yield new double[] {sum, c + err};
      }
    };
  }

  @Test
  void theRoundingsCountEveryPieceAndEveryMerge() {
    // 10 rows, splits k = 2 and k = 5: cuts at 0, 2, 4, 5, 6, 8, 10, so each half of k = 2 is 3 pieces
    int n = 10;
    double[] x = new double[n];
    java.util.Arrays.fill(x, 1.0);
    WeightsAndBias p = new WeightsAndBias(1, 1, new double[] {1}, new double[] {0});
    List<MicroBatches> splits = List.of(MicroBatches.equal(n, 2), MicroBatches.equal(n, 5), MicroBatches.equal(n, 1));
    AccumulationSum whole = AccumulationSum.empty(AccumulationMode.F64, 1, 1, splits).add(Block.of(n, 1, x), 0, p,
        Loss.SUM);
    assertEquals(4, whole.roundings(0), "k = 2: 3 pieces a batch, then 1 + the second batch sum");
    // k = 5: batches of 1, 1, 2, 1, 1 pieces (rows 4–5 are cut at 5), summed in order: 1, 2, 3, 4, 5
    assertEquals(5, whole.roundings(1));
    assertEquals(6, whole.roundings(2), "k = 1: all 6 pieces");
    AccumulationSum left = AccumulationSum.empty(AccumulationMode.F64, 1, 1, splits).add(
        AccumulationSum.slice(Block.of(n, 1, x), 0, 5), 0, p, Loss.SUM);
    AccumulationSum right = AccumulationSum.empty(AccumulationMode.F64, 1, 1, splits).add(
        AccumulationSum.slice(Block.of(n, 1, x), 5, n), 5, p, Loss.SUM);
    AccumulationSum merged = AccumulationSum.empty(AccumulationMode.F64, 1, 1, splits).merge(left).merge(right);
    assertEquals(4, merged.roundings(0), "k = 2: each batch in one partition, as before");
    assertEquals(4, merged.roundings(2), "k = 1: 3 pieces in each partition, then one merge");
    assertEquals(whole.accumulated(2)[0], merged.accumulated(2)[0]);
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
    WeightsAndBias p = new WeightsAndBias(1, 1, new double[] {0.5}, new double[] {0});
    double[] errors = errorsOf(Block.of(x.length, 1, x), p, Loss.SUM, 1);
    assertEquals(0.0, errors[AccumulationMode.F64_NEUMAIER.ordinal()], "Neumaier is exact here");
    assertTrue(errors[AccumulationMode.F64.ordinal()] > 0, "plain float64 loses the ones");
    assertTrue(errors[AccumulationMode.F64_NEUMAIER.ordinal()] <= errors[AccumulationMode.F64.ordinal()]);
  }

  /** Each mode's |dW − exact| (largest entry) over the block cut in blocks of {@code blockRows}, one batch. */
  private static double[] errorsOf(Block all, WeightsAndBias p, Loss loss, int blockRows) {
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
  private static double[] handGradientSum(double[] x, double[] t, WeightsAndBias p, long from, long to) {
    return hand(x, t, p, from, to)[0];
  }

  /** S1 + S2 per entry: Σ_{from ≤ i < to} |xᵢⱼ|·(|gᵢ꜀| + Σⱼ' |xᵢⱼ'·wⱼ'꜀| + |b꜀|), plain loops. */
  private static double[] handMagnitude(double[] x, double[] t, WeightsAndBias p, long from, long to) {
    return hand(x, t, p, from, to)[1];
  }

  /** The gradient sum and S1 + S2 over rows [from, to), plain loops. */
  private static double[][] hand(double[] x, double[] t, WeightsAndBias p, long from, long to) {
    int d = p.inputDim;
    int m = p.outputDim;
    double[] dW = new double[d * m];
    double[] mag = new double[d * m];
    for (int i = (int) from; i < to; i++) {
      for (int c = 0; c < m; c++) {
        double y = p.bias[c];
        double a = Math.abs(p.bias[c]);
        for (int j = 0; j < d; j++) {
          y += x[i * d + j] * p.weights[j * m + c];
          a += Math.abs(x[i * d + j] * p.weights[j * m + c]);
        }
        double g = y - t[i * m + c];
        for (int j = 0; j < d; j++) {
          dW[j * m + c] += x[i * d + j] * g;
          mag[j * m + c] += Math.abs(x[i * d + j]) * (Math.abs(g) + a);
        }
      }
    }
    return new double[][] {dW, mag};
  }

  private static double bigDecimalEntry(double[] x, double[] t, WeightsAndBias p, int j, int c, int rows) {
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

  /** |want − got| ≤ tol·magnitude, entry by entry. */
  private static void assertClose(double[] want, double[] got, double[] magnitude, double tol, String what) {
    for (int q = 0; q < want.length; q++) {
      assertTrue(Math.abs(want[q] - got[q]) <= tol * magnitude[q], what + " entry " + q + ": " + got[q] + " vs "
          + want[q] + ", allowed " + tol * magnitude[q]);
    }
  }


  private static double[] gaussian(Random rng, int len) {
    double[] a = new double[len];
    for (int q = 0; q < len; q++) {
      a[q] = rng.nextGaussian();
    }
    return a;
  }
}
