package dev.adjoint.cli;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.run.RunOptions;
import dev.adjoint.run.RunResult;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.VerificationCost;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;

/** The short human-readable account of a run. Matrices are printed when small. */
final class Summary {
  private Summary() {}

  /** Print W-sized matrices up to this many entries. */
  private static final int PRINT_ENTRIES = 64;

  static void print(PrintStream out, RunOptions o, RunResult r) {
    Gradients g = r.gradients();
    GradientPartial s = r.sum();
    out.printf(Locale.ROOT, "Adjoint: Y = X·W + b over n=%d rows, d=%d, m=%d; loss %s, reduction %s%n",
        g.rows(), g.inputDim(), g.outputDim(), o.loss().cliName(), o.reduction().cliName());
    printInputAndLayout(out, o, r.readPath(), r.partitions(), r.blockRows(), r.metrics());
    out.printf(Locale.ROOT, "  loss     L = %s%n", num(g.loss()));
    if (!r.shownActivations().isEmpty()) {
      List<Row> rows = r.shownActivations();
      out.printf(Locale.ROOT, "  Y  [%d×%d]  (rows by %s)%n", rows.size(), g.outputDim(), r.idColumn());
      printRows(out, rows, 1);
    }
    matrix(out, "dW", g.dW(), g.inputDim(), g.outputDim());
    if (!r.shownActivations().isEmpty()) {
      out.printf(Locale.ROOT, "  dX [%d×%d]%n", r.shownActivations().size(), g.inputDim());
      printRows(out, r.shownActivations(), 2);
    }
    matrix(out, "db", g.db(), 1, g.outputDim());
    out.printf(Locale.ROOT, "  time     gradient pass %.3f s wall (%.0f rows/s); task time: read %.3f s (%.0f rows/s per task),"
            + " forward %.3f s, backward %.3f s, aggregate %.3f s%n", r.gradientPassNanos() / 1e9,
        g.rows() / Math.max(1e-9, r.gradientPassNanos() / 1e9), r.metrics().readNanos() / 1e9,
        g.rows() / Math.max(1e-9, r.metrics().readNanos() / 1e9), r.metrics().forwardNanos() / 1e9, r.metrics().backwardNanos() / 1e9,
        r.metrics().mergeNanos() / 1e9);
    out.printf(Locale.ROOT, "  BLAS     %s, %s products%n", BlasInfo.current().describe(), o.precision().cliName());
    printChecks(out, r.checks());
    if (r.verificationCost() != null) {
      VerificationCost c = r.verificationCost();
      out.printf(Locale.ROOT, "  checks   cost: probes %.3f s task time inside the gradient pass; driver %.3f s; %s to the "
          + "driver (sums %s, sampled blocks %s%s)%n", c.probeTaskSeconds(), c.driverSeconds(), bytes(c.driverBytes()),
          bytes(c.sumBytes()), bytes(c.sampleBytes()), c.streamedBytes() > 0 ? ", rows streamed " + bytes(c.streamedBytes())
              : "");
    }
    out.printf(Locale.ROOT, "  memory   driver heap: limit %d MB, peak used %d MB, peak live after GC %d MB%n",
        Runtime.getRuntime().maxMemory() >> 20, r.heapPeakBytes() >> 20, r.heapLiveAfterGcPeakBytes() >> 20);
    for (String path : r.written()) {
      out.printf(Locale.ROOT, "  wrote    %s%n", path);
    }
  }

  /** The input, layout and skipped-rows lines, the same for one layer and a chain. */
  static void printInputAndLayout(PrintStream out, RunOptions o, String readPath, int partitions, int blockRows,
      PassMetrics metrics) {
    out.printf(Locale.ROOT, "  input    %s (%s, read as %s), features from %s%s%n", o.input().path(),
        o.input().format().name().toLowerCase(Locale.ROOT), readPath, o.input().features().describe(),
        o.input().targets() == null ? "" : ", targets from " + o.input().targets().describe());
    out.printf(Locale.ROOT, "  layout   %d partition(s), blocks of ≤ %d rows (%d block(s)), %s tree of depth %d%n",
        partitions, blockRows, metrics.blockCount(), o.aggregation().cliName(), o.treeDepth());
    if (metrics.skippedRows() > 0) {
      out.printf(Locale.ROOT, "  skipped  %d row(s) holding NaN or ±Inf (--on-invalid skip)%n", metrics.skippedRows());
    }
  }

  static String bytes(long b) {
    return b >= 10L << 20 ? String.format(Locale.ROOT, "%.1f MB", b / 1048576.0)
        : String.format(Locale.ROOT, "%.1f kB", b / 1024.0);
  }

  /** The verification table: one line per compared quantity, then the verdict. */
  static void printChecks(PrintStream out, List<CheckResult> checks) {
    if (checks.isEmpty()) {
      out.println("  verify   none (--verify none)");
      return;
    }
    out.println("  verification (error = max|distributed − check| / max|check|; tolerance from rounding bounds)");
    out.printf(Locale.ROOT, "    %-18s %-22s %10s %10s  %-4s %8s  %s%n", "check", "compared", "error", "tolerance",
        "", "time", "scope");
    for (CheckResult c : checks) {
      String time = c.seconds() == 0 ? "" : String.format(Locale.ROOT, "%7.2fs", c.seconds());
      out.printf(Locale.ROOT, "    %-18s %-22s %10.2e %10.2e  %-4s %8s  %s%n", c.check(), c.compared(), c.error(),
          c.tolerance(), c.passed() ? "ok" : "FAIL", time, c.note());
    }
    long failed = checks.stream().filter(c -> !c.passed()).count();
    out.println(failed == 0 ? "  verified: every check passed"
        : "  NOT VERIFIED: " + failed + " comparison(s) failed");
  }

  static void matrix(PrintStream out, String name, double[] a, int rows, int cols) {
    String shape = rows == 1 && name.equals("db") ? "[" + cols + "]" : "[" + rows + "×" + cols + "]";
    if (a.length > PRINT_ENTRIES || cols > 16) {
      double norm = 0;
      for (double v : a) {
        norm += v * v;
      }
      out.printf(Locale.ROOT, "  %-2s %s  (not printed: %d entries; ‖%s‖_F = %s)%n", name, shape, a.length, name,
          num(Math.sqrt(norm)));
      return;
    }
    out.printf(Locale.ROOT, "  %-2s %s%n", name, shape);
    for (int i = 0; i < rows; i++) {
      StringBuilder line = new StringBuilder("           ");
      for (int j = 0; j < cols; j++) {
        line.append(String.format(Locale.ROOT, " %12s", num(a[i * cols + j])));
      }
      out.println(line);
    }
  }

  static void printRows(PrintStream out, List<Row> rows, int field) {
    for (Row row : rows) {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "     %-6s", row.get(0)));
      for (double v : values(row.get(field))) {
        line.append(String.format(Locale.ROOT, " %12s", num(v)));
      }
      out.println(line);
    }
  }

  private static double[] values(Object o) {
    return (double[]) o;
  }

  /**
   * A number for reading, to 7 significant digits with trailing zeros dropped ("3", "-0.5",
   * "0.1268184"); the .npy files and report.json carry full precision.
   */
  static String num(double v) {
    if (v == Math.rint(v) && Math.abs(v) < 1e15) {
      return Long.toString((long) v);
    }
    String s = String.format(Locale.ROOT, "%.7g", v);
    if (s.contains("e") || s.contains("E")) {
      return s;
    }
    return s.contains(".") ? s.replaceAll("0+$", "").replaceAll("\\.$", "") : s;
  }
}
