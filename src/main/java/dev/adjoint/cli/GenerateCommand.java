package dev.adjoint.cli;

import dev.adjoint.data.Generator;
import dev.adjoint.data.OutputDir;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint generate}: a synthetic dataset to run the layer on. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Writes a synthetic dataset: X ~ N(0, 1) as Parquet in OUT/data, W.npy and b.npy to start from, and "
        + "with --targets T = X·W* + b* + noise from a seeded teacher (W_true.npy, b_true.npy).",
        "The same seed gives the same rows, bit for bit, whatever --files."})
final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = {"-n", "--rows"}, paramLabel = "N", required = true, description = "Rows.")
  long rows;

  @Option(names = {"-d", "--dim"}, paramLabel = "D", required = true, description = "Features per row (d).")
  int dim;

  @Option(names = {"-m", "--out-dim"}, paramLabel = "M", required = true, description = "Outputs (m): the width of W and of the targets.")
  int outDim;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", required = true, description = "Folder to write (local or hdfs://).")
  String output;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "1", description = "Seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--dtype", paramLabel = "float64|float32", defaultValue = "float64", description = "Stored type (default: ${DEFAULT-VALUE}).")
  String dtype;

  @Option(names = "--layout", paramLabel = "array|vector|columns", defaultValue = "array",
      description = "features as one array column (default, the fastest to read), an MLlib Vector column, or d columns x0…")
  Generator.Layout layout;

  @Option(names = "--files", paramLabel = "F", description = "Parquet files (default: one per ~128 MB).")
  int files;

  @Option(names = "--targets", description = "Also write targets T (m columns, as array 'targets') for --loss squared.")
  boolean targets;

  @Option(names = "--no-ids", negatable = true, defaultValue = "true", fallbackValue = "true", description = "Write a long 'id' column (default: yes).")
  boolean ids;

  @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0.1", description = "Noise of the targets (default: ${DEFAULT-VALUE}).")
  double noise;

  @Option(names = "--overwrite", description = "Replace what an earlier generate wrote in DIR (nothing else).")
  boolean overwrite;

  @CommandLine.Mixin
  MasterOption master;

  @Option(names = {"-v", "--verbose"}, description = "Stack traces with errors.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    if (rows < 1 || dim < 1 || outDim < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--rows, --dim and --out-dim must be ≥ 1");
    }
    if ((long) dim * outDim > Integer.MAX_VALUE - 8) {
      throw new CommandLine.ParameterException(spec.commandLine(), "W would be (" + dim + ", " + outDim + "), "
          + (long) dim * outDim + " entries: more than one Java array holds (2³¹ − 9)");
    }
    boolean float32 = switch (dtype.toLowerCase(Locale.ROOT)) {
      case "float64", "double" -> false;
      case "float32", "float" -> true;
      default -> throw new CommandLine.ParameterException(spec.commandLine(),
          "invalid value for --dtype: '" + dtype + "' (expected float64 or float32)");
    };
    long bytes = rows * (long) dim * (float32 ? 4 : 8);
    int fileCount = files > 0 ? files : (int) Math.max(1, Math.min(100_000, bytes / (128L << 20)));
    Generator.Spec g = new Generator.Spec(rows, dim, outDim, seed, float32, layout, fileCount, targets, ids, noise);
    try (RunCommand.Spark spark = master.open()) {
      OutputDir out = OutputDir.prepare(spark.session().sparkContext().hadoopConfiguration(), output, overwrite,
          Generator.OWN_NAMES);
      AtomicInteger done = new AtomicInteger();
      long t0 = System.nanoTime();
      SparkListener progress = new SparkListener() {
        @Override
        public void onTaskEnd(SparkListenerTaskEnd end) {
          if ("ResultTask".equals(end.taskType()) && end.taskInfo().successful()) {
            int k = done.incrementAndGet();
            double s = (System.nanoTime() - t0) / 1e9;
            System.err.printf(Locale.ROOT, "\rgenerate: %d/%d files, %.0f s", k, fileCount, s);
          }
        }
      };
      spark.session().sparkContext().addSparkListener(progress);
      try {
        Generator.write(spark.session(), g, out);
      } finally {
        spark.session().sparkContext().removeSparkListener(progress);
        System.err.println();
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "wrote %d rows × %d features (%s, %s layout, %d files, %.0f MB of values) to %s in %.1f s"
              + " (%.0f rows/s)%n", rows, dim, float32 ? "float32" : "float64", layout.cliName(), fileCount, bytes / 1e6,
          output, seconds, rows / seconds);
      String features = layout == Generator.Layout.COLUMNS ? "--feature-prefix x" : "--features-col features";
      System.out.printf(Locale.ROOT, "run it:  scripts/adjoint run --input %s %s%s --weights %s --bias %s%s%n",
          out.resolve("data"), features, ids ? " --id-col id" : "", out.resolve("W.npy"), out.resolve("b.npy"),
          targets ? " --target-col targets --loss squared" : "");
    }
    return ExitCodes.OK;
  }
}
