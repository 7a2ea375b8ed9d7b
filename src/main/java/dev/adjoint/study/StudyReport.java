package dev.adjoint.study;

import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The study's text outputs: results.csv and results.json (one row per configuration, the same columns)
 * and summary.md (the setup, a table per part, the plots, and conclusions drawn from this run's numbers).
 */
public final class StudyReport {
  private StudyReport() {}

  /** The files a study writes; the only ones --overwrite removes. */
  public static final String CSV = "results.csv";
  public static final String JSON = "results.json";
  public static final String SUMMARY = "summary.md";
  public static final String PLOT_ERROR_K = "error-vs-k.png";
  public static final String PLOT_ERROR_N = "error-vs-n.png";
  public static final String PLOT_THROUGHPUT = "throughput-vs-block-rows.png";
  public static final String PLOT_SPREAD = "spread-vs-partitions.png";
  public static final List<String> OWN_NAMES = List.of(CSV, JSON, SUMMARY, PLOT_ERROR_K, PLOT_ERROR_N, PLOT_THROUGHPUT,
      PLOT_SPREAD);

  /** Every column of results.csv, in order; a row leaves empty what its part does not measure. */
  public static final List<String> COLUMNS = List.of("part", "mode", "batches", "rows", "k", "partitions", "tree_depth",
      "aggregation", "repeat", "block_rows", "seconds", "partials_to_driver", "bytes_to_driver", "rows_per_s",
      "kernel_rows_per_s", "relative_error", "max_ulps", "bound_relative", "roundings", "entries_over_bound",
      "relative_error_float32_data", "smallest_batch", "largest_batch", "last_batch_share", "sum_then_divide_diff",
      "mean_of_means_bias", "rounding_agreement", "relative_diff", "repeat_diff", "bit_group");

  /** One map per configuration (keys from {@link #COLUMNS}; absent = not measured by that part). */
  public static List<Map<String, Object>> rows(StudyResults r) {
    List<Map<String, Object>> rows = new ArrayList<>();
    long n = r.setup().rows();
    for (StudyResults.NormalisationRow x : r.normalisation()) {
      rows.add(row("part", "normalisation", "mode", AccumulationMode.F64.cliName(), "batches", x.kind(), "rows", n, "k", x.k(),
          "smallest_batch", x.smallestBatch(), "largest_batch", x.largestBatch(), "last_batch_share", x.lastBatchShare(),
          "sum_then_divide_diff", x.sumThenDivideDiff(), "mean_of_means_bias", x.meanOfMeansBias(),
          "rounding_agreement", x.roundingAgreement()));
    }
    for (StudyResults.PrecisionRow x : r.precision()) {
      rows.add(row("part", "precision", "mode", x.mode().cliName(), "batches", "equal", "rows", x.rows(), "k", x.k(),
          "partitions", r.setup().partitions(), "block_rows", r.setup().blockRows(), "seconds", x.seconds(),
          "relative_error", x.relativeError(), "max_ulps", x.maxUlps(), "bound_relative", x.boundRelative(),
          "roundings", x.roundings(), "entries_over_bound", x.overBound(), "relative_error_float32_data",
          Double.isNaN(x.relativeErrorFloat32Data()) ? null : x.relativeErrorFloat32Data()));
    }
    for (StudyResults.PartitionRow x : r.partitioning()) {
      rows.add(row("part", "partitioning", "mode", AccumulationMode.F64.cliName(), "rows", n, "partitions", x.partitions(),
          "tree_depth", x.treeDepth(), "aggregation", x.aggregation(), "repeat", x.repeat(), "block_rows",
          r.setup().blockRows(), "seconds", x.seconds(), "partials_to_driver", x.partialsToDriver(), "bytes_to_driver",
          x.bytesToDriver(), "rows_per_s", n / x.seconds(), "relative_diff", x.relativeDiff(), "repeat_diff", x.repeatDiff(), "bit_group", x.bitGroup()));
    }
    for (StudyResults.ThroughputRow x : r.throughput()) {
      rows.add(row("part", "throughput", "mode", AccumulationMode.F64.cliName(), "rows", n, "block_rows", x.blockRows(),
          "seconds", x.seconds(), "rows_per_s", x.rowsPerSecond(), "kernel_rows_per_s", x.kernelRowsPerSecond()));
    }
    return rows;
  }

  private static Map<String, Object> row(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      if (kv[i + 1] != null) {
        m.put((String) kv[i], kv[i + 1]);
      }
    }
    return m;
  }

  public static void writeCsv(StudyResults r, OutputStream out) {
    PrintWriter w = writer(out);
    w.println(String.join(",", COLUMNS));
    for (Map<String, Object> row : rows(r)) {
      w.println(COLUMNS.stream().map(c -> cell(row.get(c))).collect(Collectors.joining(",")));
    }
    w.flush();
  }

  private static String cell(Object v) {
    if (v == null) {
      return "";
    }
    return v instanceof Double d ? Double.toString(d) : v.toString();
  }

  public static void writeJson(StudyResults r, OutputStream out) throws IOException {
    Map<String, Object> doc = new LinkedHashMap<>();
    doc.put("setup", r.setup());
    doc.put("results", rows(r));
    doc.put("conclusions", conclusions(r));
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new java.io.FilterOutputStream(out) {
      @Override
      public void close() throws IOException {
        flush();  // the caller closes the stream
      }
    }, doc);
  }

  /** Three to five sentences, each quoting this run's numbers. */
  public static List<String> conclusions(StudyResults r) {
    List<String> c = new ArrayList<>();
    r.normalisation().stream().filter(x -> x.kind().equals("short-last") && x.k() > 1)
        .max(Comparator.comparingDouble(StudyResults.NormalisationRow::meanOfMeansBias)).ifPresent(x -> {
          double equalBias = r.normalisation().stream().filter(e -> e.kind().equals("equal"))
              .mapToDouble(StudyResults.NormalisationRow::meanOfMeansBias).max().orElse(0);
          double sumDiff = r.normalisation().stream().mapToDouble(StudyResults.NormalisationRow::sumThenDivideDiff)
              .max().orElse(0);
          long agree = r.normalisation().stream().filter(StudyResults.NormalisationRow::sumThenDivideAgrees).count();
          double minAgreement = r.normalisation().stream().mapToDouble(StudyResults.NormalisationRow::roundingAgreement)
              .min().orElse(0);
          c.add(String.format(Locale.ROOT, "Normalisation: with a short last micro-batch (k = %d, the last batch holds "
              + "%.2f%% of the rows) the mean of per-micro-batch means is off the full-batch gradient by %s (normwise "
              + "relative); summing and dividing once by n agrees with it to %s, within what rounding alone allows in "
              + "%d of %d splits (≥ %s, from this run's γ_h·S1). With equal batches the mean of means is off by at most "
              + "%s.", x.k(), 100 * x.lastBatchShare(), sci(x.meanOfMeansBias()), sci(sumDiff), agree,
              r.normalisation().size(), sci(minAgreement), sci(equalBias)));
        });
    List<StudyResults.PrecisionRow> kSeries = kSeries(r);
    if (!kSeries.isEmpty()) {
      int kMax = kSeries.stream().mapToInt(StudyResults.PrecisionRow::k).max().orElseThrow();
      int kMin = kSeries.stream().mapToInt(StudyResults.PrecisionRow::k).min().orElseThrow();
      StringBuilder s = new StringBuilder(String.format(Locale.ROOT, "Precision at k = %d over all %d rows (normwise "
          + "relative error against the exact sums of the float64 data; largest error in ulps of the data type: "
          + "float32 for the first two, float64 for the others; the bound):", kMax, r.setup().rows()));
      for (AccumulationMode mode : AccumulationMode.values()) {
        StudyResults.PrecisionRow at = precision(r, mode, r.setup().rows(), kMax);
        s.append(String.format(Locale.ROOT, " %s %s, %s ulps (bound %s)%s;", mode.label, sci(at.relativeError()),
            sci(at.maxUlps()), sci(at.boundRelative()), Double.isNaN(at.relativeErrorFloat32Data()) ? ""
                : ", " + sci(at.relativeErrorFloat32Data()) + " against the float32-rounded data's"));
      }
      StudyResults.PrecisionRow f32first = precision(r, AccumulationMode.F32_F32, r.setup().rows(), kMin);
      StudyResults.PrecisionRow f32last = precision(r, AccumulationMode.F32_F32, r.setup().rows(), kMax);
      StudyResults.PrecisionRow f64 = precision(r, AccumulationMode.F64, r.setup().rows(), kMax);
      StudyResults.PrecisionRow neumaier = precision(r, AccumulationMode.F64_NEUMAIER, r.setup().rows(), kMax);
      s.setLength(s.length() - 1);
      long over = r.precision().stream().mapToLong(StudyResults.PrecisionRow::overBound).sum();
      s.append(String.format(Locale.ROOT, ". Float32 accumulation goes from %s at k = %d to %s at k = %d; Neumaier's "
          + "worst entry is %s ulps against plain float64's %s. %s", sci(f32first.relativeError()), kMin,
          sci(f32last.relativeError()), kMax, sci(neumaier.maxUlps()), sci(f64.maxUlps()), over == 0
              ? String.format(Locale.ROOT, "Every entry's error is within its own bound (%d entries × %d configurations).",
                  r.setup().sampledEntries(), r.precision().size())
              : over + " ENTRY ERRORS EXCEED THEIR OWN BOUND (see entries_over_bound in the table)."));
      c.add(s.toString());
    }
    if (!r.partitioning().isEmpty()) {
      c.add(partitionConclusion(r));
    }
    if (!r.throughput().isEmpty()) {
      double best = r.throughput().stream().mapToDouble(StudyResults.ThroughputRow::kernelRowsPerSecond).max().orElse(0);
      StudyResults.ThroughputRow knee = r.throughput().stream().filter(x -> x.kernelRowsPerSecond() >= 0.9 * best)
          .min(Comparator.comparingInt(StudyResults.ThroughputRow::blockRows)).orElseThrow();
      StudyResults.ThroughputRow first = r.throughput().get(0);
      double bestWall = r.throughput().stream().mapToDouble(StudyResults.ThroughputRow::rowsPerSecond).max().orElse(0);
      StudyResults.ThroughputRow last = r.throughput().get(r.throughput().size() - 1);
      String largest = last.blockRows() == knee.blockRows() ? "" : String.format(Locale.ROOT,
          ", and blocks of %d rows at %s", last.blockRows(), sci(last.kernelRowsPerSecond()));
      c.add(String.format(Locale.ROOT, "Throughput: the GEMMs reach 90%% of their best rate (%s rows per task-second) "
          + "at blocks of %d rows; blocks of %d row(s) run at %s rows per task-second, %.1f× slower%s. The whole pass "
          + "(reading the %s input included) peaks at %s rows/s wall clock.", sci(best), knee.blockRows(),
          first.blockRows(), sci(first.kernelRowsPerSecond()), best / first.kernelRowsPerSecond(), largest,
          r.setup().format(), sci(bestWall)));
    }
    return c;
  }

  /** The precision rows of the k series: all n rows, k one of --micro-batches (not the growth series' own k). */
  public static List<StudyResults.PrecisionRow> kSeries(StudyResults r) {
    return r.precision().stream().filter(x -> x.rows() == r.setup().rows() && r.setup().microBatches().contains(x.k()))
        .toList();
  }

  private static String partitionConclusion(StudyResults r) {
    Map<String, List<StudyResults.PartitionRow>> byConfig = r.partitioning().stream().collect(Collectors.groupingBy(
        x -> x.aggregation() + "/" + x.partitions() + "/" + x.treeDepth(), LinkedHashMap::new, Collectors.toList()));
    int[] stable = new int[2];
    int[] total = new int[2];
    for (List<StudyResults.PartitionRow> runs : byConfig.values()) {
      int a = runs.get(0).aggregation().equals("fixed") ? 0 : 1;
      total[a]++;
      if (runs.stream().map(StudyResults.PartitionRow::bitGroup).distinct().count() == 1) {
        stable[a]++;
      }
    }
    Set<Integer> groups = new HashSet<>();
    r.partitioning().forEach(x -> groups.add(x.bitGroup()));
    double spread = r.partitioning().stream().mapToDouble(StudyResults.PartitionRow::relativeDiff).max().orElse(0);
    long maxBytesFixed = max(r, "fixed", StudyResults.PartitionRow::bytesToDriver);
    long maxBytesSpark = max(r, "spark", StudyResults.PartitionRow::bytesToDriver);
    long partialsFixed = max(r, "fixed", StudyResults.PartitionRow::partialsToDriver);
    long partialsSpark = max(r, "spark", StudyResults.PartitionRow::partialsToDriver);
    int repeats = r.partitioning().stream().mapToInt(StudyResults.PartitionRow::repeat).max().orElse(0) + 1;
    return String.format(Locale.ROOT, "Partitioning: %d passes gave %d distinct dW bit patterns; dW differs across "
        + "configurations by at most %s relative (%.1f u). Over %d repeats, %d of %d fixed-tree configurations and %d "
        + "of %d Spark treeAggregate configurations gave bitwise-identical dW every time. The fixed tree sends the "
        + "driver at most %d partial(s) per pass, Spark's treeAggregate up to %d; the tasks' results (Spark's "
        + "resultSize: the partials plus ~4 KB of metrics per task) come to at most %d and %d bytes per pass.",
        r.partitioning().size(), groups.size(), sci(spread), spread / ErrorBounds.U64, repeats, stable[0], total[0],
        stable[1], total[1], partialsFixed, partialsSpark, maxBytesFixed, maxBytesSpark);
  }

  private static long max(StudyResults r, String aggregation,
      java.util.function.ToLongFunction<StudyResults.PartitionRow> value) {
    return r.partitioning().stream().filter(x -> x.aggregation().equals(aggregation)).mapToLong(value).max().orElse(0);
  }

  private static StudyResults.PrecisionRow precision(StudyResults r, AccumulationMode mode, long rows, int k) {
    return r.precision().stream().filter(x -> x.mode() == mode && x.rows() == rows && x.k() == k).findFirst()
        .orElseThrow();
  }

  /** summary.md, with {@code provenance} (the command, date, commit and machine; null: none) under the title. */
  public static void writeSummary(StudyResults r, String provenance, OutputStream out) {
    PrintWriter w = writer(out);
    StudyResults.Setup s = r.setup();
    w.printf(Locale.ROOT, "# Gradient-accumulation study%n%n");
    if (provenance != null) {
      w.printf(Locale.ROOT, "%s%n%n", provenance);
    }
    w.printf(Locale.ROOT, "Input `%s` (%s): n = %d rows, W [%d×%d], loss %s; %d partitions, blocks of %d rows; BLAS %s. "
        + "Exact reference: %s entries of dW (%s) in double-double, %.1f s (and again over the float32-rounded data); "
        + "full-batch pass %.1f s.%n%n", s.input(),
        s.format(), s.rows(), s.inputDim(), s.outputDim(), s.loss(), s.partitions(), s.blockRows(), s.blas(), s.sampledEntries(),
        s.allEntries() ? "all of them" : "a seeded sample", s.referenceSeconds(), s.fullBatchSeconds());
    w.printf(Locale.ROOT, "## Conclusions%n%n");
    for (String c : conclusions(r)) {
      w.printf(Locale.ROOT, "- %s%n", c);
    }
    w.printf(Locale.ROOT, "%n## 1. Normalisation%n%n(a) = Σ per-batch sums / n, (b) = mean of per-batch means; both "
        + "against the full-batch gradient of the mean loss (normwise relative). Short-last: k−1 batches of "
        + "⌈n/(k − 1 + %.2f)⌉ rows and the rest. Rounding allows: how far rounding alone may move (a), and (b) "
        + "with exactly equal batches, from the full batch (`Normalisation.roundingAgreement`, from this run's "
        + "|X|ᵀ|G|).%n%n", MicroBatches.LAST_FRACTION);
    w.printf(Locale.ROOT, "| batches | k | smallest | largest | last batch share | (a) vs full | rounding allows | "
        + "(a) = full to rounding | (b) bias |%n|---|---|---|---|---|---|---|---|---|%n");
    for (StudyResults.NormalisationRow x : r.normalisation()) {
      w.printf(Locale.ROOT, "| %s | %d | %d | %d | %.4f | %s | %s | %s | %s |%n", x.kind(), x.k(), x.smallestBatch(),
          x.largestBatch(), x.lastBatchShare(), sci(x.sumThenDivideDiff()), sci(x.roundingAgreement()),
          x.sumThenDivideAgrees() ? "yes" : "NO", sci(x.meanOfMeansBias()));
    }
    w.printf(Locale.ROOT, "%n## 2. Precision%n%nk equal micro-batches; error = max|dW − exact| / max|exact| over the "
        + "reference's entries, against the exact sums of the float64 data and (float32 modes) of the float32-rounded "
        + "data; ulps of the data type (float32 for the float32-data modes, float64 otherwise); bound from "
        + "`ErrorBounds` (worst case, normwise: its largest entry over max|exact|); h: the most additions a term "
        + "passed through after its GEMM, counted; over bound: entries whose error exceeds their own bound; pass s: "
        + "the one pass that computes every split of the mode.%n%n");
    w.printf(Locale.ROOT, "| mode | n | k | relative error | vs float32 data | max ulps | bound | h | over bound | pass s |"
        + "%n|---|---|---|---|---|---|---|---|---|---|%n");
    for (StudyResults.PrecisionRow x : r.precision()) {
      w.printf(Locale.ROOT, "| %s | %d | %d | %s | %s | %s | %s | %d | %d | %.1f |%n", x.mode().label, x.rows(), x.k(),
          sci(x.relativeError()), Double.isNaN(x.relativeErrorFloat32Data()) ? "" : sci(x.relativeErrorFloat32Data()),
          sci(x.maxUlps()), sci(x.boundRelative()), x.roundings(), x.overBound(), x.seconds());
    }
    w.printf(Locale.ROOT, "%n![error against k](%s)%n%n![error against n](%s)%n", PLOT_ERROR_K, PLOT_ERROR_N);
    w.printf(Locale.ROOT, "%n## 3. Partitioning%n%nEach pass float64 over a real repartition of the input; differences "
        + "(normwise relative) from the very first pass and from repeat 0 of the same configuration; passes with the "
        + "same bit group have bitwise-identical dW. Bytes to driver: Spark's resultSize summed over the pass's "
        + "tasks (the partials plus ~4 KB of task metrics per task).%n%n");
    w.printf(Locale.ROOT, "| partitions | depth | aggregation | repeat | s | partials to driver | bytes to driver | "
        + "diff from first pass | diff from repeat 0 | bit group |%n|---|---|---|---|---|---|---|---|---|---|%n");
    for (StudyResults.PartitionRow x : r.partitioning()) {
      w.printf(Locale.ROOT, "| %d | %d | %s | %d | %.2f | %d | %d | %s | %s | %d |%n", x.partitions(), x.treeDepth(),
          x.aggregation(), x.repeat(), x.seconds(), x.partialsToDriver(), x.bytesToDriver(), sci(x.relativeDiff()),
          sci(x.repeatDiff()), x.bitGroup());
    }
    w.printf(Locale.ROOT, "%n![spread against partitions](%s)%n", PLOT_SPREAD);
    w.printf(Locale.ROOT, "%n## 4. Throughput%n%nfloat64 pass reading the input in blocks of B rows, best of the repeats; kernel = forward + "
        + "backward GEMM time summed over tasks.%n%n| block rows | s | rows/s | kernel s | kernel rows/s |%n|---|---|---|---|---|%n");
    for (StudyResults.ThroughputRow x : r.throughput()) {
      w.printf(Locale.ROOT, "| %d | %.2f | %s | %.2f | %s |%n", x.blockRows(), x.seconds(), sci(x.rowsPerSecond()),
          x.kernelSeconds(), sci(x.kernelRowsPerSecond()));
    }
    w.printf(Locale.ROOT, "%n![throughput against block size](%s)%n", PLOT_THROUGHPUT);
    w.flush();
  }

  private static String sci(double v) {
    return String.format(Locale.ROOT, "%.2e", v);
  }

  private static PrintWriter writer(OutputStream out) {
    return new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8));
  }
}
