package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The reference check: L, dW and db recomputed on the driver from every row, streamed one block at a
 * time ({@link ReferenceSum}: plain loops, compensated sums); the row count; and Y and dX of the sampled
 * rows recomputed from their x with {@link RowReference}. Above 6·n·d·m = {@code referenceMaxFlops} it
 * recomputes a seeded sample of output columns (and skips L, which needs them all).
 */
final class ReferenceCheck {
  private final ResultUnderTest r;
  private final VerifyOptions options;

  ReferenceCheck(ResultUnderTest r, VerifyOptions options) {
    this.r = r;
    this.options = options;
  }

  /** The row count, L, dW, db, then Y and dX of {@code rows} (sampled in {@code sampleSeconds}). */
  List<CheckResult> run(List<SampledRow> rows, double sampleSeconds) {
    long t0 = System.nanoTime();
    int[] columns = columns();
    ReferenceSum ref = new ReferenceSum(r.d, r.m, columns);
    r.passes.streamBlocks(block -> ref.add(block, r.params, r.loss));
    double seconds = (System.nanoTime() - t0) / 1e9;
    String scope = columns.length == r.m ? "all rows"
        : "all rows, " + columns.length + " of " + r.m + " output columns (seeded)";
    List<CheckResult> out = new ArrayList<>();
    out.add(rowCount(ref, seconds));
    if (ref.allColumns) {
      out.add(loss(ref, scope));
    }
    out.add(weights(ref, scope));
    out.add(bias(ref, scope));
    if (!rows.isEmpty()) {
      out.addAll(sampledActivations(rows, sampleSeconds));
    }
    return out;
  }

  /** Rows streamed against rows aggregated: exact, tolerance 0 (a lost or doubled partition shows first here). */
  private CheckResult rowCount(ReferenceSum ref, double seconds) {
    double error = Math.abs(ref.rows() - r.n) / (double) Math.max(1, r.n);
    String note = ref.rows() + " rows streamed to the driver vs " + r.n + " aggregated";
    return CheckResult.of(VerifyOptions.REFERENCE, "row count n", error, 0.0, seconds, note);
  }

  /** Every output column, or a seeded sample small enough for {@code referenceMaxFlops}. */
  private int[] columns() {
    double flops = 6.0 * r.n * r.d * r.m;
    if (flops <= options.referenceMaxFlops()) {
      return SeededIndices.range(r.m);
    }
    int c = (int) Math.max(1, Math.min(r.m, Math.floor(options.referenceMaxFlops() / (6.0 * Math.max(1, r.n) * r.d))));
    return SeededIndices.sample(r.m, c, new Random(options.seed() ^ 0x5eed));
  }

  private CheckResult loss(ReferenceSum ref, String scope) {
    double lRef = ref.loss.value(0) * r.s;
    Comparison l = new Comparison(1);
    l.set(0, r.result.loss(), lRef, r.tolerances.referenceLossTolerance(ref.absLossSum, ref.absGE, lRef));
    return l.result(VerifyOptions.REFERENCE, "L", 0, "compensated sum, " + scope);
  }

  private CheckResult weights(ReferenceSum ref, String scope) {
    int c = ref.columns.length;
    double[] dwRef = ref.dW.values();
    Comparison dw = new Comparison(r.d * c);
    for (int k = 0; k < r.d; k++) {
      for (int jj = 0; jj < c; jj++) {
        int q = k * c + jj;
        double entry = dwRef[q] * r.s;
        dw.set(q, r.result.dW()[k * r.m + ref.columns[jj]], entry,
            r.tolerances.referenceGradientTolerance(ref.absXG[q], ref.absXE[k], entry));
      }
    }
    return dw.result(VerifyOptions.REFERENCE, "dW", 0, scope);
  }

  private CheckResult bias(ReferenceSum ref, String scope) {
    int c = ref.columns.length;
    double[] dbRef = ref.db.values();
    Comparison db = new Comparison(c);
    for (int jj = 0; jj < c; jj++) {
      double entry = dbRef[jj] * r.s;
      db.set(jj, r.result.db()[ref.columns[jj]], entry,
          r.tolerances.referenceGradientTolerance(ref.absG[jj], ref.sumE, entry));
    }
    return db.result(VerifyOptions.REFERENCE, "db", 0, scope);
  }

  /** Y and dX of the sampled rows, recomputed from x with plain loops. */
  private List<CheckResult> sampledActivations(List<SampledRow> rows, double seconds) {
    Comparison y = new Comparison(rows.size() * r.m);
    Comparison dx = new Comparison(rows.size() * r.d);
    double[] g = new double[r.m];
    double[] dg = new double[r.m];
    for (int i = 0; i < rows.size(); i++) {
      sampledOutputs(rows.get(i), i, y, g, dg);
      sampledInputGradients(rows.get(i), i, dx, g, dg);
    }
    String note = rows.size() + " sampled rows (seeded)";
    return List.of(y.result(VerifyOptions.REFERENCE, "Y", seconds, note),
        dx.result(VerifyOptions.REFERENCE, "dX", 0, note));
  }

  /** Row i's Y entries into {@code y}; its G into {@code g} and their rounding bounds δg into {@code dg}. */
  private void sampledOutputs(SampledRow row, int i, Comparison y, double[] g, double[] dg) {
    for (int j = 0; j < r.m; j++) {
      double ref = RowReference.output(row.x(), 0, r.params, j);
      double e = RowReference.outputMagnitude(row.x(), 0, r.params, j);
      y.set(i * r.m + j, row.y()[j], ref, r.tolerances.sampledOutputTolerance(e, ref));
      g[j] = RowReference.lossGradient(ref, r.squared ? row.t()[j] : 0.0, r.squared);
      dg[j] = r.tolerances.lossGradientEntryBound(e, g[j]);
    }
  }

  /** Row i's dX entries (dxₖ = Σⱼ gⱼWₖⱼ, scaled by s) into {@code dx}, from its G and δg. */
  private void sampledInputGradients(SampledRow row, int i, Comparison dx, double[] g, double[] dg) {
    for (int k = 0; k < r.d; k++) {
      double ref = RowReference.inputGradient(g, r.params, k) * r.s;
      double tol = r.tolerances.sampledInputGradientTolerance(absProducts(g, r.params, k),
          weightedBounds(dg, r.params, k), ref);
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
