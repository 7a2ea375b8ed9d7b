package dev.adjoint.cli;

import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.TableSpec;
import dev.adjoint.job.Progress;
import dev.adjoint.study.AccumulationStudy;
import dev.adjoint.study.StudyOptions;
import dev.adjoint.kernel.Loss;
import dev.adjoint.study.StudyPlots;
import dev.adjoint.study.StudyReport;
import dev.adjoint.study.StudyResults;
import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
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
      defaultValueProvider = CommandDefaults.Study.class,
      customSynopsis = "adjoint study accumulation [-hvV] -i=PATH -o=DIR [OPTIONS]",
      description = {"How accumulating the gradient over micro-batches compares with the full-batch gradient: "
          + "normalisation (sum then divide vs mean of means), precision (float32/float64, Neumaier) against an exact "
          + "double-double reference, partitioning (spread and bitwise equality over partitions, tree depths, "
          + "repeats), and throughput against block size.",
          "Writes results.csv, results.json, summary.md and PNG plots to --output."},
      footer = {"", "Renamed, so that a flag means what it means in 'run' (old spellings still work where the meaning "
          + "is kept): --seed now seeds the random W (it was --init-seed); the sampled entries' seed, --seed before, is "
          + "--sample-seed; --block-rows now sets the block size of every pass but the throughput sweep (it was "
          + "--study-block-rows); the throughput sweep, --block-rows before, is --block-rows-sweep; --partitions is "
          + "--partitions-sweep."})
  static final class Accumulation implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @ArgGroup(validate = false, heading = InputOptions.HEADING)
    InputOptions input = new InputOptions();

    @ArgGroup(validate = false, heading = LayerOptions.HEADING)
    LayerOptions layer = new LayerOptions();

    @ArgGroup(validate = false, heading = OutputOptions.HEADING)
    OutputOptions output = new OutputOptions();

    @ArgGroup(validate = false, heading = SparkOptions.HEADING)
    SparkOptions.Blocks spark = new SparkOptions.Blocks();

    @ArgGroup(validate = false, heading = "%nStudy:%n")
    Sweeps sweeps = new Sweeps();

    /** What the study varies, and its own sample. */
    static final class Sweeps {
      @Option(names = "--micro-batches", paramLabel = "K", split = ",", defaultValue = "1,2,4,8,16,64",
          description = "Micro-batch counts k (default: ${DEFAULT-VALUE}).")
      List<Integer> microBatches;

      @Option(names = "--partitions-sweep", paramLabel = "P", split = ",", defaultValue = "1,2,4,8,16",
          description = "Partition counts of the partitioning part, each a repartition as run --partitions does "
              + "(default: ${DEFAULT-VALUE}).")
      List<Integer> partitions;

      @Option(names = "--tree-depths", paramLabel = "D", split = ",", defaultValue = "1,2,3",
          description = "Tree depths of the partitioning part (default: ${DEFAULT-VALUE}).")
      List<Integer> treeDepths;

      @Option(names = "--repeats", paramLabel = "R", defaultValue = "3",
          description = "Runs of each partitioning configuration; throughput takes the best of R (default: ${DEFAULT-VALUE}).")
      int repeats;

      @Option(names = "--block-rows-sweep", paramLabel = "B", split = ",", defaultValue = "1,8,64,512,4096,32768",
          description = "Rows per block of the throughput part (default: ${DEFAULT-VALUE}).")
      List<Integer> blockRows;

      @Option(names = "--sample-entries", paramLabel = "N", defaultValue = "256",
          description = "dW entries of the exact reference: all when d·m ≤ N, else whole columns up to N (default: ${DEFAULT-VALUE}).")
      int sampleEntries;

      @Option(names = "--growth-k", paramLabel = "K", defaultValue = "16",
          description = "Micro-batches of the 'as n grows' series (prefixes n/64, n/16, n/4, n; default: ${DEFAULT-VALUE}).")
      int growthK;

      @Option(names = "--sample-seed", paramLabel = "S", defaultValue = "2024",
          description = "Seed of the sampled entries (default: ${DEFAULT-VALUE}; this was --seed, which now seeds W as in run).")
      long sampleSeed;

      @Option(names = "--partitions", hidden = true, paramLabel = "P", split = ",", description = "Old spelling of --partitions-sweep.")
      List<Integer> partitionsAlias;

      @Option(names = "--init-seed", hidden = true, paramLabel = "S", description = "Old spelling of --seed.")
      Long initSeedAlias;

      @Option(names = "--study-block-rows", hidden = true, paramLabel = "B", description = "Old spelling of --block-rows.")
      Integer blockRowsAlias;
    }

    @Override
    public Integer call() throws Exception {
      options(null);  // every usage mistake, before Spark starts
      try (SparkOptions.Spark session = spark.open()) {
        session.requirePaths(output.dir, "--input", input.path, "--weights", layer.weights, "--bias", layer.bias);
        Configuration hadoop = session.session().sparkContext().hadoopConfiguration();
        StudyOptions options = options(hadoop);
        if (spec.commandLine().getParseResult().hasMatchedOption("--seed") && options.weightsPath() != null) {
          System.err.println("adjoint: note: --seed seeds a random W, and W comes from " + options.weightsPath()
              + " here; the sampled entries' seed, --seed before, is --sample-seed");
        }
        OutputDir out = OutputDir.prepare(hadoop, output.dir, output.overwrite, StudyReport.OWN_NAMES);
        System.out.printf(Locale.ROOT, "Gradient-accumulation study of %s (k = %s, partitions %s, depths %s, %d repeats)%n",
            input.path, options.microBatches(), options.partitions(), options.treeDepths(), options.repeats());
        long t0 = System.nanoTime();
        StudyResults results = AccumulationStudy.run(session.session(), options);
        Progress.announce("writing the study's results to " + output.dir);
        write(out, results, Provenance.of(spec, session.session()));
        for (String c : StudyReport.conclusions(results)) {
          System.out.println("- " + c);
        }
        System.out.printf(Locale.ROOT, "wrote %s (%s) in %.0f s%n", output.dir, String.join(", ", StudyReport.OWN_NAMES),
            (System.nanoTime() - t0) / 1e9);
      }
      return ExitCodes.OK;
    }

    /**
     * Writes every file under a temporary name, then swaps the set in ({@link OutputDir#replaceAll}): a
     * failure leaves the old results (or no folder), never a mix.
     */
    private static void write(OutputDir out, StudyResults r, String provenance) throws IOException {
      Map<String, OutputDir.Writer> files = new LinkedHashMap<>();
      files.put(StudyReport.CSV, s -> StudyReport.writeCsv(r, s));
      files.put(StudyReport.JSON, s -> StudyReport.writeJson(r, s));
      files.put(StudyReport.PLOT_ERROR_K, s -> StudyPlots.errorVsK(r, s));
      files.put(StudyReport.PLOT_ERROR_N, s -> StudyPlots.errorVsN(r, s));
      files.put(StudyReport.PLOT_THROUGHPUT, s -> StudyPlots.throughput(r, s));
      files.put(StudyReport.PLOT_SPREAD, s -> StudyPlots.spreadVsPartitions(r, s));
      files.put(StudyReport.SUMMARY, s -> StudyReport.writeSummary(r, provenance, s));
      out.replaceAll(files);
    }

    /**
     * The study asked for. With {@code hadoop} null only the usage is checked; with it, a W.npy beside the
     * input is found (when neither --weights nor --out-dim is given).
     */
    StudyOptions options(Configuration hadoop) {
      Usage.requireGiven(spec, "--input", "--output");
      List<Integer> partitions = Usage.aliasOr(sweeps.partitionsAlias, sweeps.partitions);
      int blockRows = Usage.aliasOr(sweeps.blockRowsAlias, spark.blockRows);
      long initSeed = Usage.aliasOr(sweeps.initSeedAlias, layer.seed);
      Usage.allAtLeast(spec, "--micro-batches", sweeps.microBatches, 1);
      Usage.allAtLeast(spec, "--partitions-sweep", partitions, 1);
      Usage.allAtLeast(spec, "--tree-depths", sweeps.treeDepths, 1);
      Usage.allAtLeast(spec, "--block-rows-sweep", sweeps.blockRows, 1);
      Usage.atLeast(spec, "--repeats", sweeps.repeats, 1);
      Usage.atLeast(spec, "--block-rows", blockRows, 0);
      Usage.atLeast(spec, "--sample-entries", sweeps.sampleEntries, 1);
      Usage.atLeast(spec, "--growth-k", sweeps.growthK, 1);
      Loss loss = layer.loss(spec, input.labels());
      if (layer.bias != null && layer.weights == null) {
        throw Usage.error(spec, "--bias needs --weights");
      }
      if (layer.chain(spec) != null || layer.activation != null) {
        throw Usage.error(spec, "study accumulation studies one layer: a chain (several W files, an .npz, --layers, "
            + "--activation) is for adjoint run");
      }
      if (hadoop != null) {
        input.path = InputOptions.dataFolder(hadoop, input.path);
      }
      TableSpec asked = input.table(spec, null);
      // the study settles --loss auto itself, from whether the targets are there
      ColumnSource targets = loss == Loss.SUM ? null : asked.targets() != null ? asked.targets() : InputOptions.DEFAULT_TARGETS;
      TableSpec table = new TableSpec(asked.path(), asked.format(), asked.features(), targets, null);
      LayerOptions.WeightPaths wb = hadoop == null ? new LayerOptions.WeightPaths(layer.weights, layer.bias, false)
          : layer.paths(hadoop, input.path);
      return new StudyOptions(table, wb.weights(), wb.bias(), layer.outDim, initSeed, loss, List.copyOf(sweeps.microBatches),
          List.copyOf(partitions), List.copyOf(sweeps.treeDepths), sweeps.repeats, List.copyOf(sweeps.blockRows), blockRows,
          sweeps.sampleEntries, sweeps.growthK, sweeps.sampleSeed);
    }
  }
}
