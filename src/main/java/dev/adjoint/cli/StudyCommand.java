package dev.adjoint.cli;

import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.TableSpec;
import dev.adjoint.study.AccumulationStudy;
import dev.adjoint.study.StudyOptions;
import dev.adjoint.kernel.Loss;
import dev.adjoint.study.StudyPlots;
import dev.adjoint.study.StudyReport;
import dev.adjoint.study.StudyResults;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint study …}: studies built on the layer's passes. */
@Command(name = "study", mixinStandardHelpOptions = true, subcommands = StudyCommand.Accumulation.class,
    description = "Studies of the layer's gradient: 'accumulation' (micro-batches, precision, partitioning, throughput).")
final class StudyCommand implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  /** {@code adjoint study accumulation}: parse, validate, run the study's passes, write its report. */
  @Command(name = "accumulation", mixinStandardHelpOptions = true, sortOptions = false,
      description = {"How accumulating the gradient over micro-batches compares with the full-batch gradient: "
          + "normalisation (sum then divide vs mean of means), precision (float32/float64, Neumaier) against an exact "
          + "double-double reference, partitioning (spread and bitwise equality over partitions, tree depths, "
          + "repeats), and throughput against block size.",
          "Writes results.csv, results.json, summary.md and PNG plots to --output."})
  static final class Accumulation implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = {"-i", "--input"}, required = true, paramLabel = "PATH",
        description = "Parquet dataset as 'adjoint generate' writes it (DIR/data), local or hdfs://.")
    String input;

    @Option(names = "--features-col", paramLabel = "NAME", defaultValue = "features",
        description = "array<double|float> or Vector column of the features (default: ${DEFAULT-VALUE}).")
    String featuresCol;

    @Option(names = "--target-col", paramLabel = "NAME", defaultValue = "targets",
        description = "Column of the targets, used by the squared loss (default: ${DEFAULT-VALUE}).")
    String targetCol;

    @Option(names = "--loss", paramLabel = "auto|sum|squared", defaultValue = "auto",
        description = "auto (default): squared when the input has the target column, else sum.")
    String loss;

    @Option(names = {"-w", "--weights"}, paramLabel = "W.npy",
        description = "W as (d, m) .npy (default: W.npy beside a generated DIR/data, else random, see --out-dim).")
    String weights;

    @Option(names = {"-b", "--bias"}, paramLabel = "b.npy", description = "b as (m,) .npy (default: b.npy beside W.npy, else zeros).")
    String bias;

    @Option(names = "--out-dim", paramLabel = "M", description = "Random W ~ N(0, 1/d) of width M when there is no W.npy and no targets.")
    int outDim;

    @Option(names = "--init-seed", paramLabel = "S", defaultValue = "42", description = "Seed of a random W (default: ${DEFAULT-VALUE}).")
    long initSeed;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "DIR", description = "Folder for the results.")
    String output;

    @Option(names = "--overwrite", description = "Replace the study's files in an existing --output folder.")
    boolean overwrite;

    @Option(names = "--micro-batches", paramLabel = "K", split = ",", defaultValue = "1,2,4,8,16,64",
        description = "Micro-batch counts k (default: ${DEFAULT-VALUE}).")
    List<Integer> microBatches;

    @Option(names = "--partitions", paramLabel = "P", split = ",", defaultValue = "1,2,4,8,16",
        description = "Partition counts of the partitioning part (default: ${DEFAULT-VALUE}).")
    List<Integer> partitions;

    @Option(names = "--tree-depths", paramLabel = "D", split = ",", defaultValue = "1,2,3",
        description = "Tree depths of the partitioning part (default: ${DEFAULT-VALUE}).")
    List<Integer> treeDepths;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "3",
        description = "Runs of each partitioning configuration; throughput takes the best of R (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--block-rows", paramLabel = "B", split = ",", defaultValue = "1,8,64,512,4096,32768",
        description = "Rows per block of the throughput part (default: ${DEFAULT-VALUE}).")
    List<Integer> blockRows;

    @Option(names = "--study-block-rows", paramLabel = "B", defaultValue = "0",
        description = "Rows per block of the other parts (default: 0, about 4 MB of X).")
    int studyBlockRows;

    @Option(names = "--sample-entries", paramLabel = "N", defaultValue = "256",
        description = "dW entries of the exact reference: all when d·m ≤ N, else whole columns up to N (default: ${DEFAULT-VALUE}).")
    int sampleEntries;

    @Option(names = "--growth-k", paramLabel = "K", defaultValue = "16",
        description = "Micro-batches of the 'as n grows' series (prefixes n/64, n/16, n/4, n; default: ${DEFAULT-VALUE}).")
    int growthK;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "2024", description = "Seed of the sampled entries (default: ${DEFAULT-VALUE}).")
    long seed;

    @CommandLine.Mixin
    MasterOption master;

    @Option(names = {"-v", "--verbose"}, description = "Stack traces with errors.")
    boolean verbose;

    @Override
    public Integer call() throws Exception {
      StudyOptions options = options();
      try (RunCommand.Spark spark = master.open()) {
        OutputDir out = OutputDir.prepare(spark.session().sparkContext().hadoopConfiguration(), output, overwrite,
            StudyReport.OWN_NAMES);
        System.out.printf(Locale.ROOT, "Gradient-accumulation study of %s (k = %s, partitions %s, depths %s, %d repeats)%n",
            input, microBatches, partitions, treeDepths, repeats);
        long t0 = System.nanoTime();
        StudyResults results = AccumulationStudy.run(spark.session(), options);
        write(out, results);
        for (String c : StudyReport.conclusions(results)) {
          System.out.println("- " + c);
        }
        System.out.printf(Locale.ROOT, "wrote %s (%s) in %.0f s%n", output, String.join(", ", StudyReport.OWN_NAMES),
            (System.nanoTime() - t0) / 1e9);
      }
      return ExitCodes.OK;
    }

    /**
     * Writes every file under a temporary name, then swaps the set in ({@link OutputDir#replaceAll}): a
     * failure leaves the old results (or no folder), never a mix.
     */
    private static void write(OutputDir out, StudyResults r) throws IOException {
      Map<String, OutputDir.Writer> files = new LinkedHashMap<>();
      files.put(StudyReport.CSV, s -> StudyReport.writeCsv(r, s));
      files.put(StudyReport.JSON, s -> StudyReport.writeJson(r, s));
      files.put(StudyReport.PLOT_ERROR_K, s -> StudyPlots.errorVsK(r, s));
      files.put(StudyReport.PLOT_ERROR_N, s -> StudyPlots.errorVsN(r, s));
      files.put(StudyReport.PLOT_THROUGHPUT, s -> StudyPlots.throughput(r, s));
      files.put(StudyReport.PLOT_SPREAD, s -> StudyPlots.spreadVsPartitions(r, s));
      files.put(StudyReport.SUMMARY, s -> StudyReport.writeSummary(r, s));
      out.replaceAll(files);
    }

    StudyOptions options() {
      requireAll("--micro-batches", microBatches, 1);
      requireAll("--partitions", partitions, 1);
      requireAll("--tree-depths", treeDepths, 1);
      requireAll("--block-rows", blockRows, 1);
      require("--repeats", repeats, 1);
      require("--study-block-rows", studyBlockRows, 0);
      require("--sample-entries", sampleEntries, 1);
      require("--growth-k", growthK, 1);
      Loss lossFn = switch (loss.trim().toLowerCase(Locale.ROOT)) {
        case "auto" -> null;
        case "sum" -> Loss.SUM;
        case "squared" -> Loss.SQUARED;
        default -> throw usage("invalid value for --loss: '" + loss + "' (expected auto, sum or squared)");
      };
      if (bias != null && weights == null) {
        throw usage("--bias needs --weights");
      }
      String w = weights;
      String b = bias;
      Path beside = Path.of(input.replaceFirst("^file:", "")).getParent();
      if (w == null && !input.contains("://") && beside != null && Files.isRegularFile(beside.resolve("W.npy"))) {
        w = beside.resolve("W.npy").toString();
        b = Files.isRegularFile(beside.resolve("b.npy")) ? beside.resolve("b.npy").toString() : null;
      }
      TableSpec table = new TableSpec(input, TableSpec.Format.guess(input), new ColumnSource.Single(featuresCol),
          lossFn == Loss.SUM ? null : new ColumnSource.Single(targetCol), null);
      return new StudyOptions(table, w, b, outDim, initSeed, lossFn, List.copyOf(microBatches), List.copyOf(partitions),
          List.copyOf(treeDepths), repeats, List.copyOf(blockRows), studyBlockRows, sampleEntries, growthK, seed);
    }

    private void requireAll(String option, List<Integer> values, int min) {
      if (values.isEmpty()) {
        throw usage(option + " needs at least one value");
      }
      for (int v : values) {
        if (v < min) {
          throw usage(option + " values must be ≥ " + min + ", got " + v + " in " + values);
        }
      }
    }

    private void require(String option, int value, int min) {
      if (value < min) {
        throw usage(option + " must be ≥ " + min + ", got " + value);
      }
    }

    private CommandLine.ParameterException usage(String message) {
      return new CommandLine.ParameterException(spec.commandLine(), message);
    }
  }
}
