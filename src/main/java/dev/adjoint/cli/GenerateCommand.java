package dev.adjoint.cli;

import dev.adjoint.data.Generator;
import dev.adjoint.data.OutputDir;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint generate}: a synthetic dataset to run the layer on. */
@Command(name = "generate", mixinStandardHelpOptions = true, sortOptions = false,
    customSynopsis = "adjoint generate [-hvV] -n=N -d=D -m=M -o=DIR [OPTIONS]",
    description = {"Writes a synthetic dataset: X ~ N(0, 1) as Parquet in OUT/data, W.npy and b.npy to start from, and "
        + "with --targets T = X·W* + b* + noise from a seeded teacher (W_true.npy, b_true.npy).",
        "The same seed gives the same rows, bit for bit, whatever --files."})
final class GenerateCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @ArgGroup(validate = false, heading = "%nDataset:%n")
  Dataset dataset = new Dataset();

  @ArgGroup(validate = false, heading = StorageOptions.HEADING)
  StorageOptions stored = new StorageOptions();

  @ArgGroup(validate = false, heading = OutputOptions.HEADING)
  OutputOptions output = new OutputOptions();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions spark = new SparkOptions();

  /** What to generate. */
  static final class Dataset {
    @Option(names = {"-n", "--rows"}, paramLabel = "N", required = true, description = "Rows.")
    long rows;

    @Option(names = {"-d", "--dim"}, paramLabel = "D", required = true, description = "Features per row (d).")
    int dim;

    @Option(names = {"-m", "--out-dim"}, paramLabel = "M", required = true, description = "Outputs (m): the width of W and of the targets.")
    int outDim;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "1",
        description = "Seed of everything drawn: X, the W.npy to start from, the teacher and noise of T (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", paramLabel = "float64|float32", defaultValue = "float64", description = "Stored type (default: ${DEFAULT-VALUE}).")
    String dtype;

    @Option(names = "--layout", paramLabel = "columns|array|vector",
        description = "Flat number columns x0… and t0…, one array column each ('features', 'targets'), or an MLlib Vector "
            + "of features (default: the fastest to read here: columns when d + m ≤ 100, else array; docs/read-path.md).")
    Generator.Layout layout;

    @Option(names = "--files", paramLabel = "F", description = "Parquet files (default: one per ~128 MB).")
    int files;

    @Option(names = "--targets", description = "Also write targets T (m values: columns t0…, or the array 'targets') for --loss squared.")
    boolean targets;

    @Option(names = "--no-ids", description = "Write no 'id' column (by default a long 'id' is written).")
    boolean noIds;

    @Option(names = "--noise", paramLabel = "SIGMA", defaultValue = "0.1", description = "Noise of the targets (default: ${DEFAULT-VALUE}).")
    double noise;
  }

  @Override
  public Integer call() throws Exception {
    Usage.requireGiven(spec, "--output");
    Dataset d = dataset;
    if (d.rows < 1 || d.dim < 1 || d.outDim < 1) {
      throw Usage.error(spec, "--rows, --dim and --out-dim must be ≥ 1");
    }
    if ((long) d.dim * d.outDim > Integer.MAX_VALUE - 8) {
      throw Usage.error(spec, "W would be (" + d.dim + ", " + d.outDim + "), " + (long) d.dim * d.outDim
          + " entries: more than one Java array holds (2³¹ − 9)");
    }
    boolean float32 = StorageOptions.float32(spec, d.dtype);
    long bytes = d.rows * (long) d.dim * (float32 ? 4 : 8);
    int fileCount = d.files > 0 ? d.files : (int) Math.max(1, Math.min(100_000, bytes / (128L << 20)));
    Generator.Layout layout = d.layout != null ? d.layout : Generator.Layout.fastest(d.dim, d.targets ? d.outDim : 0);
    Generator.Spec g = new Generator.Spec(d.rows, d.dim, d.outDim, d.seed, float32, layout, fileCount, d.targets, !d.noIds,
        d.noise, stored.storage(spec));
    try (SparkOptions.Spark session = spark.open()) {
      session.requirePaths(output.dir);
      OutputDir out = OutputDir.prepare(session.session().sparkContext().hadoopConfiguration(), output.dir,
          output.overwrite, Generator.OWN_NAMES);
      long t0 = System.nanoTime();
      Generator.write(session.session(), g, out);  // its progress: the session's (SparkOptions --quiet)
      double seconds = (System.nanoTime() - t0) / 1e9;
      System.out.printf(Locale.ROOT, "wrote %d rows × %d features (%s, %s layout, %s, %d files, %.0f MB of values) to %s"
              + " in %.1f s (%.0f rows/s)%n", d.rows, d.dim, float32 ? "float32" : "float64", layout.cliName(),
          g.storage().describe(), fileCount, bytes / 1e6, output.dir, seconds, d.rows / seconds);
      // run finds W.npy and b.npy beside data/, the features in 'features' and the targets in 'targets'; without
      // --output it would compute and save nothing
      System.out.printf(Locale.ROOT, "run it:  scripts/adjoint run --input %s%s%s --output %s%n", out.resolve("data"),
          d.noIds ? "" : " --id-col id", d.targets ? " --loss squared" : "", runFolder(output.dir));
    }
    return ExitCodes.OK;
  }

  /** Where the suggested run writes: beside the dataset, {@code DIR-run} (not inside it, which generate owns). */
  static String runFolder(String dataset) {
    return dataset.replaceAll("(?<=.)/+$", "") + "-run";
  }
}
