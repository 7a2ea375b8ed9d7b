package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.List;
import java.util.Random;

/**
 * The finite-difference check: central differences (L(θ + h/2) − L(θ − h/2))/h of the loss in single
 * entries θ of W and b against dW and db (the loss of the one output column j that θ moves, W's column j
 * and bⱼ being a layer of their own: every other column of L is unchanged by θ) — the distributed loss, on the {@link SharedProbePass}: every
 * entry when d·m + m ≤ {@code fdEntries}, else a seeded sample — and, on the driver through the kernel,
 * in entries of x of the sampled rows against their dX.
 */
final class FiniteDifferenceCheck implements SharedProbePass.Check {
  /** At most this many features of each sampled row are differenced. */
  private static final int FEATURES_PER_ROW = 8;

  private final LayerUnderTest layer;
  private final VerifyOptions options;
  /** Flat (W, b) indices of the entries differenced. */
  private int[] entries = new int[0];
  /** The exact step of each entry, θ₊ − θ₋ of the rounded values. */
  private double[] steps = new double[0];
  /** The loss set of each entry's θ₊; θ₋ is the next. */
  private int[] sets = new int[0];
  /** Each entry's pair of sets among the shared pass's central differences. */
  private int[] pairs = new int[0];
  /** How far the midpoint of each entry's rounded θ± lies from θ. */
  private double[] shifts = new double[0];

  FiniteDifferenceCheck(LayerUnderTest layer, VerifyOptions options) {
    this.layer = layer;
    this.options = options;
  }

  // ---- entries of W and b, on the shared pass ------------------------------------------------------

  @Override
  public void plan(SharedProbePass pass, Random rng) {
    entries = entries(rng);
    steps = new double[entries.length];
    sets = new int[entries.length];
    pairs = new int[entries.length];
    shifts = new double[entries.length];
    for (int q = 0; q < entries.length; q++) {
      int e = entries[q];
      double theta = layer.index.get(layer.params, e);
      double half = Tolerances.step(theta, layer.loss) / 2;
      WeightsAndBias plus = layer.index.with(layer.params, e, theta + half);
      WeightsAndBias minus = layer.index.with(layer.params, e, theta - half);
      steps[q] = layer.index.get(plus, e) - layer.index.get(minus, e);
      shifts[q] = midpointShift(layer.index.get(plus, e), layer.index.get(minus, e), theta);
      // θ moves W's column j or bⱼ only, so only column j of Y moves: for an element-wise loss only column j
      // of L moves too, and the loss sets are that column's layer; otherwise (softmax) the whole layer
      int j = layer.index.isWeight(e) ? e % layer.m : e - layer.d * layer.m;
      sets[q] = layer.loss.elementwise() ? pass.addLossSetPair(column(plus, j), column(minus, j), j)
          : pass.addLossSetPair(plus, minus, -1);
      pairs[q] = pass.pairOf(sets[q]);
    }
  }

  /** |(θ₊ + θ₋)/2 − θ|, bounded above: the midpoint computed, plus its own rounding u·|θ|. */
  static double midpointShift(double plus, double minus, double theta) {
    return Math.abs(0.5 * (plus + minus) - theta) + Tolerances.U64 * Math.abs(theta);
  }

  /** The layer of output column j of {@code p}: W's column j [d×1] and bⱼ. */
  private WeightsAndBias column(WeightsAndBias p, int j) {
    double[] w = new double[layer.d];
    for (int k = 0; k < layer.d; k++) {
      w[k] = p.weights[k * layer.m + j];
    }
    return new WeightsAndBias(layer.d, 1, w, new double[] {p.bias[j]});
  }

  /**
   * Every entry, or a seeded sample of max(2, {@code fdSample}) entries: a quarter of them (at least one,
   * at most m) in b, the rest in W.
   */
  private int[] entries(Random rng) {
    int total = layer.index.size();
    if (total <= options.fdEntries()) {
      return SeededIndices.range(total);
    }
    int size = Math.max(2, options.fdSample());
    int bCount = Math.max(1, Math.min(layer.m, size / 4));
    int[] w = SeededIndices.sample(layer.d * layer.m, Math.min(layer.d * layer.m, size - bCount), rng);
    int[] b = SeededIndices.sample(layer.m, bCount, rng);
    int[] all = new int[w.length + b.length];
    System.arraycopy(w, 0, all, 0, w.length);
    for (int q = 0; q < b.length; q++) {
      all[w.length + q] = layer.index.biasEntry(b[q]);
    }
    return all;
  }

  @Override
  public List<CheckResult> results(ResultUnderTest r, ProbeSum sum, double seconds) {
    Comparison c = new Comparison(entries.length);
    long kinks = 0;
    for (int q = 0; q < entries.length; q++) {
      int e = entries[q];
      int plus = sets[q];
      double fd = SharedProbePass.centralDifference(r, sum, plus, plus + 1, steps[q]);
      double got = r.index.get(r.result.dW(), r.result.db(), e);
      double jacobianSq = r.index.isWeight(e) ? sum.xColSq[e / r.m] : r.n;
      double truncation = SharedProbePass.truncation(r, sum, pairs[q], steps[q], shifts[q], jacobianSq, 1.0);
      c.set(q, got, fd, r.tolerances.finiteDifferenceTolerance(SharedProbePass.lossBound(r, sum, plus),
          SharedProbePass.lossBound(r, sum, plus + 1), steps[q], SharedProbePass.entryBound(r, sum, e),
          r.index.get(r.params, e), got, fd, truncation));
      kinks += sum.pairKinks[pairs[q]];
    }
    int wCount = r.index.countWeights(entries);
    String scope = (r.index.size() <= options.fdEntries() ? "every entry: " : "seeded sample: ") + wCount + " of W, "
        + (entries.length - wCount) + " of b" + stepNote(r.loss, kinks) + "; " + SharedProbePass.NOTE;
    return List.of(c.result(VerifyOptions.FINITE_DIFFERENCE, "dW, db entries", seconds, scope));
  }

  /** What the check says about its step: for nonlinear losses the truncation bound, and any kinks crossed. */
  static String stepNote(dev.adjoint.kernel.Loss loss, long kinks) {
    if (loss.thirdDerivativeIsZero()) {
      return "";
    }
    return "; step 2⁻¹⁴·max(1, |θ|), truncation bounded" + (loss.kind() == dev.adjoint.kernel.Loss.Kind.HUBER
        ? ", " + kinks + " entr" + (kinks == 1 ? "y" : "ies") + " crossing ±δ within the step (bounded apart)" : "");
  }

  // ---- entries of x, on the driver ---------------------------------------------------------------

  /** Differences in up to {@value #FEATURES_PER_ROW} seeded features of each sampled row, against its dX. */
  CheckResult inputEntries(ResultUnderTest r, List<SampledRow> rows) {
    long t0 = System.nanoTime();
    int features = Math.min(r.d, FEATURES_PER_ROW);
    Random rng = new Random(options.seed() + 1);
    Comparison c = new Comparison(rows.size() * features);
    int q = 0;
    for (SampledRow row : rows) {
      double gMax = Dense.maxAbs(RowReference.lossGradients(row.x(), row.t(), r.params, r.loss));
      double e = r.rowBound(row.x(), 0);
      for (int k : SeededIndices.sample(r.d, features, rng)) {
        inputEntry(r, row, k, gMax, e, c, q);
        q++;
      }
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    return c.result(VerifyOptions.FINITE_DIFFERENCE, "dX entries", seconds,
        rows.size() + " sampled rows × " + features + " features, losses on the driver through the kernel");
  }

  /**
   * Feature k of one row as entry q of {@code c}: its dX entry against the central difference (the
   * row's magnitudes: max|g| {@code gMax}, eᵢ {@code e}).
   */
  private void inputEntry(ResultUnderTest r, SampledRow row, int k, double gMax, double e, Comparison c, int q) {
    double theta = row.x()[k];
    double half = Tolerances.step(theta, r.loss) / 2;
    double[] xp = row.x().clone();
    double[] xm = row.x().clone();
    xp[k] = theta + half;
    xm[k] = theta - half;
    double h = xp[k] - xm[k];
    double[] etaP = new double[1];
    double[] etaM = new double[1];
    double[] yp = new double[r.m];
    double[] ym = new double[r.m];
    double lp = rowLoss(r, xp, row.t(), etaP, yp);
    double lm = rowLoss(r, xm, row.t(), etaM, ym);
    double fd = (lp - lm) / h;  // the sampled rows' dX is of the loss sum (G unscaled)
    double got = row.dx()[k];
    Tolerances t = r.tolerances.unscaled();
    double wSq = 0;
    for (int j = 0; j < r.m; j++) {
      wSq += r.params.weights[k * r.m + j] * r.params.weights[k * r.m + j];
    }
    double remainder = r.loss.centralDifferenceRemainder(yp, ym, row.t(), 1, r.m, new long[1]);
    double truncation = t.truncation(remainder, h, midpointShift(xp[k], xm[k], theta), wSq, 1.0);
    c.set(q, got, fd, t.inputFiniteDifferenceTolerance(etaP[0], etaM[0], h, e, gMax, absWeightRow(r, k), xp[k], xm[k],
        got, fd, truncation));
  }

  /** ℓ of one row through the kernel under test; its rounding bound η in {@code eta[0]}, its Y in {@code y}. */
  private static double rowLoss(ResultUnderTest r, double[] x, double[] t, double[] eta, double[] y) {
    Block one = Block.of(1, r.d, x, t == null ? 0 : t.length, t);
    double[] yThenG = new double[r.m];
    r.kernel.forward(one, r.params, yThenG);
    System.arraycopy(yThenG, 0, y, 0, r.m);
    double absY = sumAbs(yThenG);
    double l = r.kernel.lossSumAndGradient(r.loss, yThenG, t, 1, r.m);
    double absG = sumAbs(yThenG);
    double e = r.rowBound(x, 0);
    eta[0] = r.tolerances.lossSumBound(1, r.loss.absLossSum(l, absY), absG * e, absY, e * e);
    return l;
  }

  /** Σⱼ|Wₖⱼ|. */
  private static double absWeightRow(ResultUnderTest r, int k) {
    double sum = 0;
    for (int j = 0; j < r.m; j++) {
      sum += Math.abs(r.params.weights[k * r.m + j]);
    }
    return sum;
  }

  private static double sumAbs(double[] a) {
    double sum = 0;
    for (double v : a) {
      sum += Math.abs(v);
    }
    return sum;
  }
}
