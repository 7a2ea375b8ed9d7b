package dev.adjoint.verify;

import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The reference check. Always, from the probes summed over every row: the row count (exact) and L
 * (compensated, through an aggregation of its own), against the gradient pass's. Then L, dW and db
 * recomputed on the driver with plain loops and compensated sums ({@link ReferenceSum}: no BLAS, no
 * kernel) — by default over the seeded sample of whole blocks ({@link BlockSample}) and compared with
 * the partials the pass's own fold computed for exactly those blocks; with {@code fullReference}, over
 * every row streamed to the driver one block at a time and compared with the result. Then Y and dX of
 * sampled rows recomputed from their x ({@link RowReference}). Above 6·rows·d·m = {@code referenceMaxFlops}
 * it recomputes a seeded sample of output columns (and skips L, which needs them all).
 */
final class ReferenceCheck {
  private final ResultUnderTest r;
  private final VerifyOptions options;

  ReferenceCheck(ResultUnderTest r, VerifyOptions options) {
    this.r = r;
    this.options = options;
  }

  /** The all-row invariants, the recomputed sums, then Y and dX of {@code rows}. */
  List<CheckResult> run(ProbeSum sum, List<SampledRow> rows) {
    List<CheckResult> out = new ArrayList<>();
    out.add(rowCount(sum));
    out.add(allRowLoss(sum));
    long t0 = System.nanoTime();
    if (options.fullReference()) {
      int[] columns = columns(r.n);
      ReferenceSum ref = new ReferenceSum(r.d, r.m, columns);
      r.passes.streamBlocks(block -> ref.add(block, r.params, r.loss));
      double seconds = (System.nanoTime() - t0) / 1e9;
      String scope = "every row streamed to the driver";
      out.add(CheckResult.of(VerifyOptions.REFERENCE, "rows streamed", Math.abs(ref.rows() - r.n) / (double) r.n, 0.0,
          seconds, ref.rows() + " rows streamed vs " + r.n + " aggregated"));
      compareSums(out, ref, r.result.dW(), r.result.db(), r.result.loss(), r.s, r.tolerances, scope);
    } else if (options.sampleBlocks() > 0) {
      sampled(out, sum.sample, t0);
    }
    if (!rows.isEmpty()) {
      out.addAll(sampledActivations(rows));
    }
    return out;
  }

  /** Rows counted by the checks' probes against rows aggregated by the gradient: exact, tolerance 0. */
  private CheckResult rowCount(ProbeSum sum) {
    double error = Math.abs(sum.rows() - r.n) / (double) Math.max(1, r.n);
    return CheckResult.of(VerifyOptions.REFERENCE, "row count n", error, 0.0, 0,
        sum.rows() + " rows counted by the checks' probes vs " + r.n + " by the gradient");
  }

  /** L of every row, summed by the probes (compensated, their own aggregation), against the gradient's L. */
  private CheckResult allRowLoss(ProbeSum sum) {
    double l = sum.lossSum() * r.s;
    Comparison c = new Comparison(1);
    c.set(0, r.result.loss(), l, r.tolerances.referenceLossTolerance(sum.absLossSum, sum.absGE, sum.absY, sum.sumE2, l));
    return c.result(VerifyOptions.REFERENCE, "L, every row", 0, "the probes' compensated sum vs the gradient pass's");
  }

  /** The sample's partials (as the pass's fold computed them) against plain loops over the same rows. */
  private void sampled(List<CheckResult> out, BlockSample sample, long t0) {
    if (sample.entries().isEmpty()) {
      out.add(CheckResult.of(VerifyOptions.REFERENCE, "sampled blocks", Double.NaN, 0.0, 0,
          "no block was sampled: nothing recomputed"));
      return;
    }
    GradientPartial kernel = GradientPartial.empty(r.d, r.m);
    long rows = sample.rows();
    int[] columns = columns(rows);
    ReferenceSum ref = new ReferenceSum(r.d, r.m, columns);
    for (BlockSample.Entry e : sample.entries()) {
      kernel.merge(e.partial);
      ref.add(e.block, r.params, r.loss);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    String scope = sample.entries().size() + " seeded block(s), " + rows + " rows";
    out.add(CheckResult.of(VerifyOptions.REFERENCE, "sample rows", Math.abs(kernel.rowCount() - rows) / (double) rows,
        0.0, seconds, kernel.rowCount() + " rows in the pass's partials vs " + rows + " in the sampled blocks"));
    compareSums(out, ref, kernel.dWSum, kernel.dbSum, kernel.lossSum(), 1.0,
        r.tolerances.over(rows, sample.entries().size()), scope);
  }

  /** L (when every column was recomputed), dW and db of {@code ref} against the given sums scaled by s. */
  private void compareSums(List<CheckResult> out, ReferenceSum ref, double[] dW, double[] db, double loss, double s,
      Tolerances t, String scope) {
    String where = ref.allColumns ? scope : scope + ", " + ref.columns.length + " of " + r.m + " output columns (seeded)";
    if (ref.allColumns) {
      double lRef = ref.loss.value(0) * s;
      Comparison l = new Comparison(1);
      l.set(0, loss, lRef, t.referenceLossTolerance(ref.absLossSum, ref.absGE, ref.absY, ref.sumE2, lRef));
      out.add(l.result(VerifyOptions.REFERENCE, "L", 0, "plain loops, " + where));
    }
    int c = ref.columns.length;
    double[] dwRef = ref.dW.values();
    Comparison dw = new Comparison(r.d * c);
    for (int k = 0; k < r.d; k++) {
      for (int jj = 0; jj < c; jj++) {
        int q = k * c + jj;
        double entry = dwRef[q] * s;
        dw.set(q, dW[k * r.m + ref.columns[jj]], entry, t.referenceGradientTolerance(ref.absXG[q], ref.absXE[k], ref.absX[k], entry));
      }
    }
    out.add(dw.result(VerifyOptions.REFERENCE, "dW", 0, where));
    double[] dbRef = ref.db.values();
    Comparison b = new Comparison(c);
    for (int jj = 0; jj < c; jj++) {
      double entry = dbRef[jj] * s;
      b.set(jj, db[ref.columns[jj]], entry, t.referenceGradientTolerance(ref.absG[jj], ref.sumE, ref.rows(), entry));
    }
    out.add(b.result(VerifyOptions.REFERENCE, "db", 0, where));
  }

  /** Every output column, or a seeded sample small enough for {@code referenceMaxFlops} over {@code rows} rows. */
  private int[] columns(long rows) {
    double flops = 6.0 * rows * r.d * r.m;
    if (flops <= options.referenceMaxFlops()) {
      return SeededIndices.range(r.m);
    }
    int c = (int) Math.max(1, Math.min(r.m, Math.floor(options.referenceMaxFlops() / (6.0 * Math.max(1, rows) * r.d))));
    return SeededIndices.sample(r.m, c, new Random(options.seed() ^ 0x5eed));
  }

  /** Y and dX (of the loss sum: G unscaled) of the sampled rows, recomputed from x with plain loops. */
  private List<CheckResult> sampledActivations(List<SampledRow> rows) {
    Comparison y = new Comparison(rows.size() * r.m);
    Comparison dx = new Comparison(rows.size() * r.d);
    double[] g = new double[r.m];
    double[] dg = new double[r.m];
    Tolerances t = r.tolerances.unscaled();
    for (int i = 0; i < rows.size(); i++) {
      sampledOutputs(rows.get(i), i, y, g, dg, t);
      sampledInputGradients(rows.get(i), i, dx, g, dg, t);
    }
    String note = rows.size() + " rows of the sampled blocks (seeded)";
    return List.of(y.result(VerifyOptions.REFERENCE, "Y", 0, note), dx.result(VerifyOptions.REFERENCE, "dX", 0, note));
  }

  /**
   * Row i's Y entries into {@code y}; its G into {@code g} and their rounding bounds δg into {@code dg}
   * (with the row's largest entry magnitude: softmax couples every entry of the row).
   */
  private void sampledOutputs(SampledRow row, int i, Comparison y, double[] g, double[] dg, Tolerances t) {
    double[] ys = RowReference.outputs(row.x(), r.params);
    double eMax = 0;
    for (int j = 0; j < r.m; j++) {
      double e = RowReference.outputMagnitude(row.x(), 0, r.params, j);
      eMax = Math.max(eMax, e);
      y.set(i * r.m + j, row.y()[j], ys[j], t.sampledOutputTolerance(e, ys[j]));
    }
    RowReference.lossAndGradient(ys, row.t(), r.loss, g);
    for (int j = 0; j < r.m; j++) {
      dg[j] = t.lossGradientEntryBound(r.loss.elementwise() ? RowReference.outputMagnitude(row.x(), 0, r.params, j)
          : eMax, g[j]);
    }
  }

  /** Row i's dX entries (dxₖ = Σⱼ gⱼWₖⱼ) into {@code dx}, from its G and δg. */
  private void sampledInputGradients(SampledRow row, int i, Comparison dx, double[] g, double[] dg, Tolerances t) {
    for (int k = 0; k < r.d; k++) {
      double ref = RowReference.inputGradient(g, r.params, k);
      double tol = t.sampledInputGradientTolerance(absProducts(g, r.params, k), weightedBounds(dg, r.params, k), ref);
      dx.set(i * r.d + k, row.dx()[k], ref, tol);
    }
  }

  /** Σⱼ|gⱼ·Wₖⱼ|. */
  private static double absProducts(double[] g, WeightsAndBias p, int k) {
    int m = p.outputDim;
    double abs = 0;
    for (int j = 0; j < m; j++) {
      abs += Math.abs(g[j] * p.weights[k * m + j]);
    }
    return abs;
  }

  /** Σⱼ δgⱼ·|Wₖⱼ|: the G entries' rounding carried into dX entry k. */
  private static double weightedBounds(double[] dg, WeightsAndBias p, int k) {
    int m = p.outputDim;
    double sum = 0;
    for (int j = 0; j < m; j++) {
      sum += dg[j] * Math.abs(p.weights[k * m + j]);
    }
    return sum;
  }
}
