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
    for (int q = 0; q < entries.length; q++) {
      int e = entries[q];
      double theta = layer.index.get(layer.params, e);
      double half = Tolerances.step(theta, layer.loss) / 2;
      WeightsAndBias plus = layer.index.with(layer.params, e, theta + half);
      WeightsAndBias minus = layer.index.with(layer.params, e, theta - half);
      steps[q] = layer.index.get(plus, e) - layer.index.get(minus, e);
      // θ moves W's column j or bⱼ only, so only column j of Y and of L moves: the loss sets are that column's layer
      int j = layer.index.isWeight(e) ? e % layer.m : e - layer.d * layer.m;
      sets[q] = pass.addColumnLossSet(column(plus, j), j);
      pass.addColumnLossSet(column(minus, j), j);
    }
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
    for (int q = 0; q < entries.length; q++) {
      int e = entries[q];
      int plus = sets[q];
      double fd = SharedProbePass.centralDifference(r, sum, plus, plus + 1, steps[q]);
      double got = r.index.get(r.result.dW(), r.result.db(), e);
      c.set(q, got, fd, r.tolerances.finiteDifferenceTolerance(SharedProbePass.lossBound(r, sum, plus),
          SharedProbePass.lossBound(r, sum, plus + 1), steps[q], SharedProbePass.entryBound(r, sum, e),
          r.index.get(r.params, e), got, fd));
    }
    int wCount = r.index.countWeights(entries);
    String scope = (r.index.size() <= options.fdEntries() ? "every entry: " : "seeded sample: ") + wCount + " of W, "
        + (entries.length - wCount) + " of b; " + SharedProbePass.NOTE;
    return List.of(c.result(VerifyOptions.FINITE_DIFFERENCE, "dW, db entries", seconds, scope));
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
      double gMax = Dense.maxAbs(RowReference.lossGradients(row.x(), row.t(), r.params, r.squared));
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
    double lp = rowLoss(r, xp, row.t(), etaP);
    double lm = rowLoss(r, xm, row.t(), etaM);
    double fd = (lp - lm) / h;  // the sampled rows' dX is of the loss sum (G unscaled)
    double got = row.dx()[k];
    c.set(q, got, fd, r.tolerances.unscaled().inputFiniteDifferenceTolerance(etaP[0], etaM[0], h, e, gMax,
        absWeightRow(r, k), xp[k], xm[k], got, fd));
  }

  /** ℓ of one row through the kernel under test; its rounding bound η in {@code eta[0]}. */
  private static double rowLoss(ResultUnderTest r, double[] x, double[] t, double[] eta) {
    Block one = Block.of(1, r.d, x, t == null ? 0 : r.m, t);
    double[] yThenG = new double[r.m];
    r.kernel.forward(one, r.params, yThenG);
    double absY = sumAbs(yThenG);
    double l = r.kernel.lossSumAndGradient(r.loss, yThenG, t, 1, r.m);
    double absG = sumAbs(yThenG);
    eta[0] = r.tolerances.lossSumBound(1, r.squared ? l : absY, absG * r.rowBound(x, 0));
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
