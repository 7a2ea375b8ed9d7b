package dev.adjoint.cli;

import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.TableSpec;
import dev.adjoint.job.CachePolicy;
import dev.adjoint.job.Aggregation;
import dev.adjoint.run.RunSteps;
import dev.adjoint.run.RunOptions;
import dev.adjoint.run.RunResult;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.verify.VerifyOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint run}: the forward and backward pass over a table, distributed. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Computes Y = X·W + b and, for the loss L, dW = Xᵀ·G, db = 1ᵀ·G (and dX = G·Wᵀ with "
        + "--write-activations), where G = ∂L/∂Y.",
        "With no --input it runs the golden case in data/golden and prints Y, dW, dX and db."})
final class RunCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @Option(names = {"-i", "--input"}, paramLabel = "PATH", description = "Parquet or CSV (with header) table: a file, folder or glob; hdfs:// works.")
  String input;

  @Option(names = "--format", paramLabel = "parquet|csv", description = "Input format (default: csv when PATH ends in .csv, else parquet).")
  TableSpec.Format format;

  @Option(names = "--features-col", paramLabel = "NAME", description = "Column holding each row's features: array<double>, array<float> or an MLlib Vector (default: 'features').")
  String featuresCol;

  @Option(names = "--feature-cols", paramLabel = "A,B,…", split = ",", description = "Numeric columns that make the features, in order.")
  List<String> featureCols;

  @Option(names = "--feature-prefix", paramLabel = "P", description = "Features are the numeric columns P0, P1, … in numeric order.")
  String featurePrefix;

  @Option(names = "--target-col", paramLabel = "NAME", description = "Column holding each row's targets (array or Vector), for --loss squared.")
  String targetCol;

  @Option(names = "--target-cols", paramLabel = "A,B,…", split = ",", description = "Numeric target columns, in order.")
  List<String> targetCols;

  @Option(names = "--target-prefix", paramLabel = "P", description = "Targets are the numeric columns P0, P1, ….")
  String targetPrefix;

  @Option(names = "--id-col", paramLabel = "NAME", description = "Key column carried to the Y/dX output (default: a generated row_id).")
  String idCol;

  @Option(names = {"-w", "--weights"}, paramLabel = "W.npy", description = "W as a (d, m) float64/float32 .npy file (default: random, see --out-dim).")
  String weights;

  @Option(names = {"-b", "--bias"}, paramLabel = "b.npy", description = "b as an (m,) .npy file (default: zeros).")
  String bias;

  @Option(names = "--out-dim", paramLabel = "M", description = "Without --weights: output width m of a random W ~ N(0, 1/d).")
  int outDim;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the random W (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--loss", paramLabel = "sum|squared", defaultValue = "sum",
      description = "sum: L = ΣY (G = 1); squared: L = ½‖Y − T‖² (G = Y − T). Default: ${DEFAULT-VALUE}.")
  String loss;

  @Option(names = "--reduction", paramLabel = "sum|mean", defaultValue = "sum",
      description = "mean divides L, dW, db and dX once by the total row count n. Default: ${DEFAULT-VALUE}.")
  String reduction;

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Folder for dW.npy, db.npy, report.json (and activations/); hdfs:// works.")
  String output;

  @Option(names = "--overwrite", description = "Replace this job's results in an existing --output folder (nothing else there is touched).")
  boolean overwrite;

  @CommandLine.Mixin
  MasterOption master;

  @Option(names = "--partitions", paramLabel = "N", description = "Repartition the input into N partitions (default: as read).")
  int partitions;

  @Option(names = "--tree-depth", paramLabel = "K", defaultValue = "2", description = "Depth of treeAggregate (default: ${DEFAULT-VALUE}).")
  int treeDepth;

  @Option(names = "--aggregation", paramLabel = "fixed|spark", defaultValue = "fixed",
      description = "fixed (default): partials merged in a tree fixed by partition index, the same bits on every run; "
          + "spark: Spark's treeAggregate, which merges in the order tasks finish.")
  Aggregation aggregation;

  @Option(names = "--on-invalid", paramLabel = "fail|skip", defaultValue = "fail",
      description = "A row with NaN or ±Inf in its features or targets: fail (default, naming the row) or skip it "
          + "(counted in the summary and report.json).")
  String onInvalid;

  @Option(names = "--block-rows", paramLabel = "R", description = "Rows per block (default: from --block-mb).")
  int blockRows;

  @Option(names = "--block-mb", paramLabel = "MB", defaultValue = "4", description = "Target MB per block of X (default: ${DEFAULT-VALUE}).")
  double blockMb;

  @Option(names = "--write-activations", description = "Write Y and dX per row to DIR/activations (Parquet, keyed by id).")
  boolean writeActivations;

  @Option(names = "--show-rows", paramLabel = "N", defaultValue = "20", description = "Print Y and dX when n ≤ N (default: ${DEFAULT-VALUE}; 0: never).")
  int showRows;

  @Option(names = "--precision", paramLabel = "float64|float32", defaultValue = "float64",
      description = "Arithmetic of the GEMMs: float64 (default), or float32 (sgemm per block, float64 across blocks).")
  Precision precision;

  @Option(names = "--cache", paramLabel = "auto|memory|disk|none", defaultValue = "auto",
      description = "Where the checks find the blocks again: auto (default: memory if the input takes under a quarter of "
          + "the executors' heap, else local disk), memory (spilling to disk), disk, or none (read the input again).")
  CachePolicy cache;

  @Option(names = "--verify", paramLabel = "CHECKS", defaultValue = "all",
      description = "Checks the driver runs after the pass: all (default), none, or a comma list of reference, "
          + "finite-difference, directional, freivalds.")
  String verify;

  @Option(names = "--fd-entries", paramLabel = "N", defaultValue = "16",
      description = "Elementwise finite differences: every entry of W and b when d·m + m ≤ N (default: ${DEFAULT-VALUE}) ...")
  int fdEntries;

  @Option(names = "--fd-sample", paramLabel = "K", defaultValue = "4",
      description = "... else a seeded sample of K entries, each two forward GEMMs per block (default: ${DEFAULT-VALUE}).")
  int fdSample;

  @Option(names = "--directions", paramLabel = "K", defaultValue = "2", description = "Random directions of the directional check (default: ${DEFAULT-VALUE}).")
  int directions;

  @Option(names = "--freivalds-probes", paramLabel = "K", defaultValue = "2", description = "Random ±1 vectors of the Freivalds check (default: ${DEFAULT-VALUE}).")
  int probes;

  @Option(names = "--sample-rows", paramLabel = "N", defaultValue = "8", description = "Rows whose Y and dX are checked (default: ${DEFAULT-VALUE}).")
  int sampleRows;

  @Option(names = "--reference-max-flops", paramLabel = "F", defaultValue = "2e10",
      description = "Above 6·n·d·m flops the reference recomputes a seeded sample of output columns (default: ${DEFAULT-VALUE}).")
  double referenceMaxFlops;

  @Option(names = "--verify-seed", paramLabel = "S", defaultValue = "2024", description = "Seed of every sample and direction of the checks.")
  long verifySeed;

  @Option(names = {"-v", "--verbose"}, description = "Stack traces with errors.")
  boolean verbose;

  @Override
  public Integer call() throws Exception {
    RunOptions options = options();
    try (Spark spark = master.open()) {
      RunResult result = RunSteps.run(spark.session(), options);
      Summary.print(System.out, options, result);
      return result.verified() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    }
  }

  RunOptions options() {
    TableSpec table = input == null ? golden() : new TableSpec(input, format != null ? format : TableSpec.Format.guess(input),
        features(), targets(), idCol);
    if (input == null && (featuresCol != null || featureCols != null || featurePrefix != null)) {
      throw usage("feature options need --input");
    }
    boolean goldenWeights = input == null && weights == null && outDim <= 0;
    Path golden = home().resolve("data").resolve("golden");
    String w = goldenWeights ? golden.resolve("W.npy").toString() : weights;
    String b = goldenWeights ? golden.resolve("b.npy").toString() : bias;
    requirePositive("--tree-depth", treeDepth, 1);
    requirePositive("--partitions", partitions, 0);
    requirePositive("--block-rows", blockRows, 0);
    if (blockMb <= 0) {
      throw usage("--block-mb must be > 0, got " + blockMb);
    }
    if (writeActivations && output == null) {
      throw usage("--write-activations needs --output DIR");
    }
    return new RunOptions(table, w, b, seed, outDim, parse("--loss", loss, Loss::parse), parse("--reduction", reduction,
        Reduction::parse), partitions, treeDepth, blockRows, (long) (blockMb * (1 << 20)), output, overwrite,
        writeActivations, showRows, precision, cache, aggregation, skipInvalid(), verifyOptions());
  }

  private boolean skipInvalid() {
    return switch (onInvalid.trim().toLowerCase(java.util.Locale.ROOT)) {
      case "fail" -> false;
      case "skip" -> true;
      default -> throw usage("invalid value for --on-invalid: '" + onInvalid + "' (expected fail or skip)");
    };
  }

  private VerifyOptions verifyOptions() {
    String v = verify.trim().toLowerCase(java.util.Locale.ROOT);
    if (v.equals("none")) {
      return null;
    }
    java.util.Set<String> checks = new java.util.TreeSet<>();
    for (String name : v.split(",")) {
      String c = name.trim();
      if (c.equals("all")) {
        checks.addAll(VerifyOptions.ALL);
      } else if (VerifyOptions.ALL.contains(c)) {
        checks.add(c);
      } else {
        throw usage("unknown check '" + c + "' in --verify; expected all, none, or some of " + new java.util.TreeSet<>(VerifyOptions.ALL));
      }
    }
    requirePositive("--fd-entries", fdEntries, 1);
    requirePositive("--directions", directions, 0);
    requirePositive("--freivalds-probes", probes, 0);
    requirePositive("--sample-rows", sampleRows, 0);
    requirePositive("--fd-sample", fdSample, 1);
    return new VerifyOptions(checks, fdEntries, fdSample, directions, probes, sampleRows, referenceMaxFlops, verifySeed);
  }

  private TableSpec golden() {
    Path dir = home().resolve("data").resolve("golden");
    return new TableSpec(dir.resolve("X.csv").toString(), TableSpec.Format.CSV, new ColumnSource.Prefix("x"),
        targets(), idCol != null ? idCol : "id");
  }

  private ColumnSource features() {
    ColumnSource s = oneOf("features", "--features-col", featuresCol, "--feature-cols", featureCols, "--feature-prefix",
        featurePrefix);
    return s != null ? s : new ColumnSource.Single("features");
  }

  private ColumnSource targets() {
    return oneOf("targets", "--target-col", targetCol, "--target-cols", targetCols, "--target-prefix", targetPrefix);
  }

  private ColumnSource oneOf(String role, String singleName, String single, String listName, List<String> list,
      String prefixName, String prefix) {
    int given = (single != null ? 1 : 0) + (list != null ? 1 : 0) + (prefix != null ? 1 : 0);
    if (given > 1) {
      throw usage("give the " + role + " one way: " + singleName + ", " + listName + " and " + prefixName
          + " exclude each other");
    }
    if (single != null) {
      return new ColumnSource.Single(single);
    }
    if (list != null) {
      return new ColumnSource.Columns(List.copyOf(list));
    }
    return prefix != null ? new ColumnSource.Prefix(prefix) : null;
  }

  private <T> T parse(String option, String value, java.util.function.Function<String, T> parser) {
    try {
      return parser.apply(value);
    } catch (IllegalArgumentException e) {
      throw usage("invalid value for " + option + ": '" + value + "'");
    }
  }

  private void requirePositive(String option, int value, int min) {
    if (value < min) {
      throw usage(option + " must be ≥ " + min + ", got " + value);
    }
  }

  private CommandLine.ParameterException usage(String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  private static Path home() {
    return Path.of(System.getProperty("adjoint.home", "."));
  }

  /** The Spark session of a run: created (and stopped) here unless one is already active. */
  record Spark(SparkSession session, boolean owned) implements AutoCloseable {
    static Spark open(String master) {
      boolean existing = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
      SparkSession.Builder b = SparkSession.builder().appName("adjoint");
      if (master != null) {
        b.master(master);
      } else if (!existing && System.getProperty("spark.master") == null) {
        b.master("local[*]");
      }
      return new Spark(b.getOrCreate(), !existing);
    }

    @Override
    public void close() {
      if (owned) {
        session.stop();
      }
    }
  }
}
