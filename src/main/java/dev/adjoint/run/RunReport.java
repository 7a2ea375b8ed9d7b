package dev.adjoint.run;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.VerificationCost;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.sql.SparkSession;

/** report.json: what was computed, on what, how, and how long each phase took. */
public final class RunReport {
  private RunReport() {}

  public static Map<String, Object> of(RunOptions o, RunResult r) {
    Gradients g = r.gradients();
    GradientPartial s = r.sum();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("formula", "Y = X·W + b; dW = Xᵀ·G, db = 1ᵀ·G, dX = G·Wᵀ");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("path", o.input().path());
    input.put("format", o.input().format().name().toLowerCase());
    input.put("features", o.input().features().describe());
    input.put("targets", o.input().targets() == null ? null : o.input().targets().describe());
    input.put("id_column", o.input().idColumn());
    input.put("read_path", r.readPath());
    input.put("weights", o.weightsPath() == null ? "random N(0, 1/d), seed " + o.initSeed() : o.weightsPath());
    input.put("bias", o.weightsPath() == null ? "zeros" : o.biasPath() == null ? "zeros" : o.biasPath());
    report.put("input", input);
    Map<String, Object> shapes = new LinkedHashMap<>();
    shapes.put("n", g.rows());
    shapes.put("skipped_rows", r.metrics().skippedRows());
    shapes.put("d", g.inputDim());
    shapes.put("m", g.outputDim());
    report.put("shapes", shapes);
    report.put("on_invalid", o.skipInvalid() ? "skip" : "fail");
    report.put("loss_function", o.loss().cliName());
    report.put("reduction", o.reduction().cliName());
    report.put("loss", g.loss());
    report.put("loss_sum", s.lossSum());
    Map<String, Object> layout = new LinkedHashMap<>();
    layout.put("partitions", r.partitions());
    layout.put("block_rows", r.blockRows());
    layout.put("blocks", r.metrics().blockCount());
    layout.put("tree_depth", o.treeDepth());
    layout.put("aggregation", o.aggregation().cliName());
    layout.put("cache", o.cache().cliName() + " → " + r.cacheLevel());
    report.put("layout", layout);
    report.put("precision", o.precision().cliName());
    report.put("blas", BlasInfo.current().toMap());
    Map<String, Object> time = new LinkedHashMap<>();
    time.put("note", "read/forward/backward/aggregate are task time summed over all tasks; *_wall are driver wall clock");
    time.put("read_s", r.metrics().readNanos() / 1e9);
    time.put("forward_s", r.metrics().forwardNanos() / 1e9);
    time.put("backward_s", r.metrics().backwardNanos() / 1e9);
    time.put("aggregate_s", r.metrics().mergeNanos() / 1e9);
    time.put("setup_wall_s", r.readSetupNanos() / 1e9);
    time.put("gradient_pass_wall_s", r.gradientPassNanos() / 1e9);
    time.put("activations_wall_s", r.activationsNanos() / 1e9);
    report.put("time", time);
    Map<String, Object> read = new LinkedHashMap<>();
    read.put("rows", g.rows());
    read.put("read_task_s", r.metrics().readNanos() / 1e9);
    read.put("rows_per_task_second", r.metrics().readNanos() == 0 ? null : g.rows() / (r.metrics().readNanos() / 1e9));
    read.put("gradient_pass_rows_per_s", r.gradientPassNanos() == 0 ? null : g.rows() / (r.gradientPassNanos() / 1e9));
    read.put("note", "read = Parquet/CSV decoding into blocks inside the tasks; the pass rate is end to end, wall clock");
    report.put("read", read);
    report.put("driver_memory", driverMemory(r));
    SparkSession spark = SparkSession.active();
    Map<String, Object> sparkInfo = new LinkedHashMap<>();
    sparkInfo.put("version", spark.version());
    sparkInfo.put("master", spark.sparkContext().master());
    sparkInfo.put("application_id", spark.sparkContext().applicationId());
    report.put("spark", sparkInfo);
    List<Map<String, Object>> checks = checkRows(r.checks());
    Map<String, Object> verification = new LinkedHashMap<>();
    verification.put("ran", r.checks().stream().map(CheckResult::check).distinct().toList());
    verification.put("verdict", r.checks().isEmpty() ? "not run" : r.verified() ? "pass" : "fail");
    verification.put("error_definition", "max|distributed - check| / max|check| (normwise relative); tolerance on the "
        + "same scale, derived from rounding bounds (see Tolerances)");
    verification.put("gradient_pass_seconds", r.gradientPassNanos() / 1e9);
    verification.put("checks", checks);
    VerificationCost cost = r.verificationCost();
    if (cost != null) {
      Map<String, Object> c = new LinkedHashMap<>();
      c.put("probes_task_seconds_in_gradient_pass", cost.probeTaskSeconds());
      c.put("driver_seconds", cost.driverSeconds());
      Map<String, Object> bytes = new LinkedHashMap<>();
      bytes.put("sums", cost.sumBytes());
      bytes.put("sampled_blocks", cost.sampleBytes());
      bytes.put("streamed_rows", cost.streamedBytes());
      bytes.put("total", cost.driverBytes());
      c.put("bytes_to_driver", bytes);
      verification.put("cost", c);
    }
    report.put("verification", verification);
    report.put("outputs", r.written());
    return report;
  }

  /** report.json's rows of the verification table, one per compared quantity (a chain's report shares them). */
  static List<Map<String, Object>> checkRows(List<CheckResult> results) {
    List<Map<String, Object>> checks = new ArrayList<>();
    for (CheckResult c : results) {
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("check", c.check());
      row.put("compared", c.compared());
      row.put("error", c.error());
      row.put("tolerance", c.tolerance());
      row.put("verdict", c.passed() ? "pass" : "fail");
      row.put("seconds", c.seconds());
      row.put("note", c.note());
      checks.add(row);
    }
    return checks;
  }

  /**
   * The driver JVM's heap: its limit, and its peak use sampled every 50 ms over the run (in local mode
   * the tasks run in this JVM too).
   */
  static Map<String, Object> driverMemory(RunResult r) {
    return driverMemory(r.heapPeakBytes(), r.heapLiveAfterGcPeakBytes());
  }

  /** {@link #driverMemory(RunResult)} from the two sampled peaks. */
  static Map<String, Object> driverMemory(long peakBytes, long liveAfterGcPeakBytes) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("heap_max_mb", Runtime.getRuntime().maxMemory() / (1 << 20));
    m.put("heap_used_peak_mb", peakBytes / (1 << 20));
    m.put("heap_live_after_gc_peak_mb", liveAfterGcPeakBytes / (1 << 20));
    m.put("note", "used: the largest used heap sampled every 50 ms (garbage included); live: the largest heap in "
        + "use right after a collection, what the run needs");
    return m;
  }

  public static void write(Map<String, Object> report, OutputStream out) throws IOException {
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new NonClosing(out), report);
  }

  /** Jackson closes the stream it writes; the caller owns it. */
  private static final class NonClosing extends java.io.FilterOutputStream {
    NonClosing(OutputStream out) {
      super(out);
    }

    @Override
    public void close() throws IOException {
      flush();
    }
  }
}
