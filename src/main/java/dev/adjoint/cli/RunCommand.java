package dev.adjoint.cli;

import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.SchemaPeek;
import dev.adjoint.data.TableSpec;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.run.ChainResult;
import dev.adjoint.run.ChainSteps;
import dev.adjoint.run.ChainSpec;
import dev.adjoint.run.RunOptions;
import dev.adjoint.run.RunResult;
import dev.adjoint.run.RunSteps;
import dev.adjoint.verify.VerifyOptions;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint run}: the forward and backward pass over a table, distributed. */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false, abbreviateSynopsis = true,
    defaultValueProvider = CommandDefaults.Run.class,
    description = {"Computes Y = X·W + b and, for the loss L, dW = Xᵀ·G, db = 1ᵀ·G (and dX = G·Wᵀ with "
        + "--write-activations), where G = ∂L/∂Y.",
        "With --output DIR it writes dW.npy, db.npy and report.json there (and W.npy, b.npy of a random W; "
            + "activations/ with --write-activations).",
        "With no --input it runs the golden case in data/golden and prints Y, dW, dX and db."})
final class RunCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @ArgGroup(validate = false, heading = InputOptions.HEADING)
  Input input = new Input();

  @ArgGroup(validate = false, heading = LayerOptions.HEADING)
  Layer layer = new Layer();

  @ArgGroup(validate = false, heading = OutputOptions.HEADING)
  Output output = new Output();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions.Layout spark = new SparkOptions.Layout();

  @ArgGroup(validate = false, heading = VerificationOptions.HEADING)
  VerificationOptions verification = new VerificationOptions();

  /** {@link InputOptions} and what only {@code run} reads: the id column, and what a NaN row does. */
  static final class Input extends InputOptions {
    @Option(names = "--id-col", paramLabel = "NAME", description = "Key column carried to the Y/dX output (default: a generated row_id).")
    String idCol;

    @Option(names = "--on-invalid", paramLabel = "fail|skip", defaultValue = "fail",
        description = "A row with NaN or ±Inf in its features or targets: fail (default, naming the row) or skip it "
            + "(counted in the summary and report.json).")
    String onInvalid;

    boolean skipInvalid(CommandLine.Model.CommandSpec spec) {
      return Usage.parse(spec, "--on-invalid", onInvalid, "fail or skip", s -> switch (s) {
        case "fail" -> false;
        case "skip" -> true;
        default -> throw new IllegalArgumentException(s);
      });
    }
  }

  /** {@link LayerOptions} and the arithmetic only {@code run} chooses: reduction and precision. */
  static final class Layer extends LayerOptions {
    @Option(names = "--reduction", paramLabel = "sum|mean", defaultValue = "sum",
        description = "mean divides L, dW, db and dX once by the total row count n. Default: ${DEFAULT-VALUE}.")
    String reduction;

    @Option(names = "--precision", paramLabel = "float64|float32", defaultValue = "float64",
        description = "Arithmetic of the GEMMs: float64 (default), or float32 (sgemm per block, float64 across blocks).")
    Precision precision;
  }

  /** {@link OutputOptions} and what else a run writes or prints. */
  static final class Output extends OutputOptions {
    @Option(names = "--write-activations", description = "Write Y and dX per row to DIR/activations (Parquet, keyed by id).")
    boolean writeActivations;

    @Option(names = "--show-rows", paramLabel = "N", defaultValue = "20", description = "Print Y and dX when n ≤ N (default: ${DEFAULT-VALUE}; 0: never).")
    int showRows;
  }

  @Override
  public Integer call() throws Exception {
    validate();
    try (SparkOptions.Spark session = spark.open()) {
      session.requirePaths(output.dir, "--input", input.path, "--weights", firstOf(layer.weights), "--bias", firstOf(layer.bias));
      RunOptions options = options(session.session());
      if (options.isChain()) {
        ChainResult result = ChainSteps.run(session.session(), options);
        ChainSummary.print(System.out, options, result);
        return result.verified() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
      }
      RunResult result = RunSteps.run(session.session(), options);
      Summary.print(System.out, options, result);
      return result.verified() ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    }
  }

  /** Every usage mistake, found before Spark starts. */
  private void validate() {
    if (input.path == null && input.featuresGiven()) {
      throw Usage.error(spec, "feature options need --input");
    }
    TableSpec table = table();
    Loss loss = layer.loss(spec, input.labels());
    if (input.path == null && loss != null && loss.needsTargets() && table.targets() == null) {
      throw Usage.error(spec, "--loss " + loss.cliName() + " needs targets, and the golden case (no --input) has none: "
          + "give --input with --target-cols, --target-prefix or --target-col");
    }
    if (input.path != null && loss != null && loss.needsTargets() && table.targets() == null) {
      requireDefaultTargets(loss, table);
    }
    reduction();
    input.skipInvalid(spec);
    Usage.atLeast(spec, "--tree-depth", spark.treeDepth, 1);
    Usage.atLeast(spec, "--partitions", spark.partitions, 0);
    Usage.atLeast(spec, "--block-rows", spark.blockRows, 0);
    if (spark.blockMb <= 0) {
      throw Usage.error(spec, "--block-mb must be > 0, got " + spark.blockMb);
    }
    if (output.writeActivations && output.dir == null) {
      throw Usage.error(spec, "--write-activations needs --output DIR");
    }
    VerifyOptions checks = verification.options(spec);
    if (layer.chain(spec) != null) {
      if (layer.precision != Precision.FLOAT64) {
        throw Usage.error(spec, "--precision float32 is for one layer; a chain computes in float64");
      }
      if (checks != null && checks.fullReference()) {
        throw Usage.error(spec, "the full (streamed) reference is for one layer; a chain's reference samples rows");
      }
      if (input.path == null) {
        throw Usage.error(spec, "a chain needs --input (the golden case is one layer)");
      }
    }
  }

  /**
   * The run asked for. Reads the input's schema when the loss may need targets and none are named (to
   * default them to 'targets', or settle --loss auto), and looks for W.npy beside the input when neither
   * --weights nor --out-dim is given.
   */
  RunOptions options(SparkSession session) {
    input.path = InputOptions.dataFolder(session.sparkContext().hadoopConfiguration(), input.path);
    TableSpec asked = table();
    InputOptions.Settled in = InputOptions.settle(session, asked, layer.loss(spec, input.labels()));
    LayerOptions.WeightPaths wb = layer.paths(session.sparkContext().hadoopConfiguration(), asked.path());
    if (wb.besideInput() && input.path != null) {
      System.err.println("adjoint: W from " + wb.weights() + ", b from " + (wb.bias() != null ? wb.bias() : "zeros")
          + " (beside the input; --weights or --out-dim choose another)");
    }
    ChainSpec chain = layer.chain(spec);
    if (chain == null && layer.activation != null) {
      System.err.println("adjoint: --activation " + layer.activation + " has no effect on a single layer (it applies "
          + "between layers; give W0.npy,W1.npy,… or --layers for a chain)");
    }
    return new RunOptions(in.table(), wb.weights(), wb.bias(), layer.seed, layer.outDim, in.loss(), reduction(),
        spark.partitions, spark.treeDepth, spark.blockRows, blockBytes(chain != null), output.dir,
        output.overwrite, output.writeActivations, output.showRows, layer.precision, spark.cache, spark.aggregation,
        input.skipInvalid(spec), verification.options(spec), chain);
  }

  /**
   * The default targets column, looked for in the CSV header or Parquet footer before Spark starts (a local path
   * with java.nio alone: a Hadoop Configuration starts the logging framework, half a second). When the columns
   * cannot be read that cheaply, Spark's reader decides later, with the same message.
   */
  private void requireDefaultTargets(Loss loss, TableSpec table) {
    boolean remote = input.path.contains("://") && !input.path.startsWith("file:");
    org.apache.hadoop.conf.Configuration conf = remote ? new org.apache.hadoop.conf.Configuration() : null;
    String path = remote ? InputOptions.dataFolder(conf, input.path)
        : java.nio.file.Files.isDirectory(java.nio.file.Path.of(input.path.replaceFirst("^file:", ""), "data"))
            ? input.path + "/data" : input.path;
    TableSpec peeked = new TableSpec(path, table.format(), table.features(), null, table.idColumn());
    SchemaPeek.columns(conf, peeked).ifPresent(names -> {
      if (!SchemaPeek.hasDefaultTargets(names)) {
        throw Usage.error(spec, RunSteps.missingTargets(loss) + " (" + path + " has no 'targets' column)");
      }
    });
  }

  /** A chain's block holds its forward and backward state beside X: its default budget is larger. */
  static final double CHAIN_BLOCK_MB = 32;

  /**
   * Bytes per block: --block-mb as given; without it, 4 MB of X for one layer and {@value #CHAIN_BLOCK_MB} MB of X
   * and state for a chain (a 512 → 256 → 256 → 10 chain then gets about 1600 rows per block, enough for full-speed
   * GEMMs; a 4 MB budget gave it 203).
   */
  private long blockBytes(boolean chain) {
    boolean given = spec.commandLine() != null && spec.commandLine().getParseResult() != null
        && spec.commandLine().getParseResult().hasMatchedOption("--block-mb");
    return (long) ((chain && !given ? CHAIN_BLOCK_MB : spark.blockMb) * (1 << 20));
  }

  /** The first path of a comma-separated list (a chain's W files share a file system), or null. */
  private static String firstOf(String paths) {
    return paths == null ? null : paths.split(",")[0].trim();
  }

  private Reduction reduction() {
    return Usage.parse(spec, "--reduction", layer.reduction, "sum or mean", Reduction::parse);
  }

  /** The table at --input, or the golden case (its X.csv, W.npy and b.npy in data/golden) without one. */
  private TableSpec table() {
    if (input.path != null) {
      return input.table(spec, input.idCol);
    }
    Path golden = Path.of(System.getProperty("adjoint.home", ".")).resolve("data").resolve("golden");
    return new TableSpec(golden.resolve("X.csv").toString(), TableSpec.Format.CSV, new ColumnSource.Prefix("x"),
        input.targets(spec), input.idCol != null ? input.idCol : "id");
  }
}
