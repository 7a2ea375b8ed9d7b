package dev.adjoint.study;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Shapes;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.Arrays;

/**
 * The exact dWSum_jc = Σᵢ xᵢⱼ·gᵢ꜀ of chosen entries (j, c) of dW, in double-double ({@link DoubleDouble}),
 * for the rows below each of several prefix lengths: a monoid under {@link #merge}.
 *
 * <p>Everything is recomputed from the float64 data: Y's column c as Σⱼ xᵢⱼ·wⱼ꜀ + b꜀ in double-double,
 * G = Y − T (squared) or 1 (sum), then the products. No BLAS, no kernel code. For the nonlinear losses
 * G cannot be exact: Y's row is computed exactly, rounded once to float64, and the loss's G taken from it
 * in float64 (within a few u of the exact G's entries: a reference to the summation errors the study
 * measures, which are orders larger). Beside each exact sum it
 * keeps, for the error bounds, S1 = Σᵢ |xᵢⱼ·gᵢ꜀| (the terms' magnitude) and S2 = Σᵢ |xᵢⱼ|·Aᵢ꜀ with
 * Aᵢ꜀ = Σⱼ' |xᵢⱼ'·wⱼ'꜀| + |b꜀| (the forward's magnitude, which bounds the error G carries in).
 *
 * <p>{@link #overFloat32Data} computes the same sums exactly over X, W and b rounded to float32 (T stays
 * float64, as the float32 kernel leaves it): against it, the float32 modes' errors are their arithmetic's
 * alone, without the rounding of the data.
 */
public final class ExactSum implements Serializable {
  private static final long serialVersionUID = 1L;

  private final SampledEntries entries;
  /** Segment s holds rows [prefixes[s−1], prefixes[s]) (prefixes[−1] = 0), prefixes increasing. */
  private final long[] prefixes;
  private final double[][] hi;
  private final double[][] lo;
  private final double[][] s1;
  private final double[][] s2;
  /** X, W and b rounded to float32 before the exact arithmetic. */
  private final boolean float32Data;

  private ExactSum(SampledEntries entries, long[] prefixes, boolean float32Data) {
    this.entries = entries;
    this.float32Data = float32Data;
    this.prefixes = prefixes.clone();
    int e = entries.size();
    hi = new double[prefixes.length][e];
    lo = new double[prefixes.length][e];
    s1 = new double[prefixes.length][e];
    s2 = new double[prefixes.length][e];
  }

  /** Zero sums for the entries, for prefixes of the given lengths (increasing). The identity of merge. */
  public static ExactSum empty(SampledEntries entries, long[] prefixes) {
    return empty(entries, prefixes, false);
  }

  /** {@link #empty}, over X, W and b rounded to float32 (see the class comment). */
  public static ExactSum overFloat32Data(SampledEntries entries, long[] prefixes) {
    return empty(entries, prefixes, true);
  }

  private static ExactSum empty(SampledEntries entries, long[] prefixes, boolean float32Data) {
    for (int s = 1; s < prefixes.length; s++) {
      Shapes.require(prefixes[s] > prefixes[s - 1], "prefix lengths must increase: " + Arrays.toString(prefixes));
    }
    return new ExactSum(entries, prefixes, float32Data);
  }

  /** An empty sum of the same entries, prefixes and data as this one. */
  public ExactSum copyOfEmpty() {
    return new ExactSum(entries, prefixes, float32Data);
  }

  /** v, or v rounded to float32 when this sums over float32 data. */
  private double data(double v) {
    return float32Data ? (float) v : v;
  }

  /** Folds in a block whose first row is global row {@code firstRow}. Mutates and returns {@code this}. */
  public ExactSum add(Block block, long firstRow, WeightsAndBias p, Loss loss) {
    int d = block.features;
    int m = p.outputDim;
    int[] cols = entries.columns();
    double[] gHi = new double[cols.length];
    double[] gLo = new double[cols.length];
    double[] forward = new double[cols.length];
    int seg = 0;
    for (int i = 0; i < block.rows; i++) {
      long row = firstRow + i;
      while (seg < prefixes.length && row >= prefixes[seg]) {
        seg++;
      }
      if (seg == prefixes.length) {
        break;
      }
      Arrays.fill(gHi, 0.0);
      Arrays.fill(gLo, 0.0);
      for (int q = 0; q < cols.length; q++) {
        int c = cols[q];
        double bias = data(p.bias[c]);
        double a = Math.abs(bias);
        for (int j = 0; j < d; j++) {
          double x = data(block.x[i * d + j]);
          double w = data(p.weights[j * m + c]);
          DoubleDouble.addProduct(gHi, gLo, q, x, w, 0.0);   // y = Σ x·w, exactly
          a += Math.abs(x * w);
        }
        DoubleDouble.add(gHi, gLo, q, bias);                 // y += b
        if (loss == Loss.SQUARED) {
          DoubleDouble.add(gHi, gLo, q, -block.targets[i * m + c]);  // g = y − t
        } else {
          gHi[q] = 1.0;                                      // g = ∂(ΣY)/∂Y = 1
          gLo[q] = 0.0;
        }
        forward[q] = a;
      }
      if (loss.kind() != Loss.Kind.SUM && loss.kind() != Loss.Kind.SQUARED) {
        nonlinearGradient(block, i, p, loss, cols, gHi, gLo);
      }
      for (int e = 0; e < entries.size(); e++) {
        int q = entries.columnSlot(e);
        double x = data(block.x[i * d + entries.row(e)]);
        DoubleDouble.addProduct(hi[seg], lo[seg], e, x, gHi[q], gLo[q]);
        s1[seg][e] += Math.abs(x * gHi[q]);
        s2[seg][e] += Math.abs(x) * forward[q];
      }
    }
    return this;
  }

  /**
   * G's columns {@code cols} of row i under a nonlinear loss into {@code gHi} (with {@code gLo} zero): the
   * row's every Y entry exactly (softmax needs them all), rounded to float64, then the loss's G.
   */
  private void nonlinearGradient(Block block, int i, WeightsAndBias p, Loss loss, int[] cols, double[] gHi,
      double[] gLo) {
    int d = block.features;
    int m = p.outputDim;
    double[] yHi = new double[m];
    double[] yLo = new double[m];
    for (int c = 0; c < m; c++) {
      for (int j = 0; j < d; j++) {
        DoubleDouble.addProduct(yHi, yLo, c, data(block.x[i * d + j]), data(p.weights[j * m + c]), 0.0);
      }
      DoubleDouble.add(yHi, yLo, c, data(p.bias[c]));
      yHi[c] += yLo[c];
    }
    int w = block.targetWidth;
    double[] t = Arrays.copyOfRange(block.targets, i * w, (i + 1) * w);
    loss.lossSumAndGradientInPlace(yHi, t, 1, m);
    for (int q = 0; q < cols.length; q++) {
      gHi[q] = yHi[cols[q]];
      gLo[q] = 0.0;
    }
  }

  /** Adds another partial's sums. Mutates and returns {@code this}. */
  public ExactSum merge(ExactSum other) {
    Shapes.require(Arrays.equals(prefixes, other.prefixes) && other.entries.size() == entries.size()
        && other.float32Data == float32Data,
        "merging exact sums of different prefixes or entries");
    for (int s = 0; s < prefixes.length; s++) {
      for (int e = 0; e < entries.size(); e++) {
        DoubleDouble.add(hi[s], lo[s], e, other.hi[s][e], other.lo[s][e]);
        s1[s][e] += other.s1[s][e];
        s2[s][e] += other.s2[s][e];
      }
    }
    return this;
  }

  /** The exact sums over the first prefixes[p] rows, rounded once to float64, one per entry. */
  public double[] exact(int p) {
    double[] h = new double[entries.size()];
    double[] l = new double[entries.size()];
    for (int s = 0; s <= p; s++) {
      for (int e = 0; e < h.length; e++) {
        DoubleDouble.add(h, l, e, hi[s][e], lo[s][e]);
      }
    }
    for (int e = 0; e < h.length; e++) {
      h[e] += l[e];
    }
    return h;
  }

  /** S1 = Σ |x·g| over the first prefixes[p] rows, per entry. */
  public double[] termMagnitude(int p) {
    return prefixSum(s1, p);
  }

  /** S2 = Σ |x|·(|x||W| + |b|) over the first prefixes[p] rows, per entry. */
  public double[] forwardMagnitude(int p) {
    return prefixSum(s2, p);
  }

  public SampledEntries entries() {
    return entries;
  }

  private static double[] prefixSum(double[][] a, int p) {
    double[] r = new double[a[0].length];
    for (int s = 0; s <= p; s++) {
      for (int e = 0; e < r.length; e++) {
        r[e] += a[s][e];
      }
    }
    return r;
  }
}
