package dev.adjoint.cli;

import dev.adjoint.bench.PassBenchmark;
import dev.adjoint.blas.BlasInfo;
import dev.adjoint.data.BlockReader;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code adjoint bench-pass}: seconds per forward + backward pass (squared loss, dX included) on a dataset
 * written by {@code adjoint generate --targets}: Adjoint over cached blocks (for each block size and
 * partition count asked), Adjoint from Parquet, and the row-at-a-time Spark baseline. scripts/bench runs it
 * beside NumPy and PyTorch.
 */
@Command(name = "bench-pass", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Times forward + backward passes (squared loss) of Adjoint cached and from Parquet, and of a "
        + "row-at-a-time Spark baseline, on a dataset from 'adjoint generate --targets'.")
final class BenchPassCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @ArgGroup(validate = false, heading = InputOptions.HEADING)
  Input input = new Input();

  /** The dataset: as {@code run --input} takes it, W.npy and b.npy beside it. */
  static final class Input {
    @Option(names = {"-i", "--input"}, paramLabel = "PATH", required = true,
        description = "The data/ table of a folder written by 'adjoint generate --targets', with W.npy and b.npy beside "
            + "it (the folder itself works too).")
    String path;
  }

  @ArgGroup(validate = false, heading = "%nBenchmark:%n")
  Timings timings = new Timings();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions spark = new SparkOptions();

  /** What is timed, and how often. */
  static final class Timings {
    @Option(names = "--passes", paramLabel = "K", defaultValue = "5",
        description = "Timed passes over cached blocks, after one that fills the cache; the median counts (default: ${DEFAULT-VALUE}).")
    int passes;

    @Option(names = "--parquet-repeats", paramLabel = "R", defaultValue = "2",
        description = "Timed passes from Parquet after one warm-up; the best counts; 0 skips (default: ${DEFAULT-VALUE}).")
    int parquetRepeats;

    @Option(names = "--baseline-passes", paramLabel = "K", defaultValue = "1",
        description = "Timed passes of the row-at-a-time baseline after the one that fills its cache; 0 skips (default: ${DEFAULT-VALUE}).")
    int baselinePasses;

    @Option(names = "--block-bytes", paramLabel = "BYTES", split = ",",
        description = "Block sizes to time over cached data, in bytes of X and T per block (default: the job's default, "
            + BlockReader.DEFAULT_BLOCK_BYTES + "). The first is used for the other systems.")
    List<Long> blockBytes;

    @Option(names = "--partitions-sweep", paramLabel = "P", split = ",",
        description = "Partition counts to time over cached data, each a repartition as run --partitions does (0 = as read; "
            + "default: 0). Old spelling: --partitions.")
    List<Integer> partitions;

    @Option(names = "--partitions", hidden = true, paramLabel = "P", split = ",", description = "Old spelling of --partitions-sweep.")
    List<Integer> partitionsAlias;

    @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as a JSON list.")
    File json;
  }

  @Override
  public Integer call() throws Exception {
    Usage.requireGiven(spec);
    Timings t = timings;
    List<Long> sizes = t.blockBytes == null || t.blockBytes.isEmpty() ? List.of(BlockReader.DEFAULT_BLOCK_BYTES) : t.blockBytes;
    List<Integer> asked = Usage.aliasOr(t.partitionsAlias, t.partitions);
    List<Integer> counts = asked == null || asked.isEmpty() ? List.of(0) : asked;
    if (t.passes < 1 || t.parquetRepeats < 0 || t.baselinePasses < 0 || sizes.stream().anyMatch(b -> b < 1)
        || counts.stream().anyMatch(p -> p < 0)) {
      throw Usage.error(spec, "--passes must be ≥ 1; --parquet-repeats, --baseline-passes and --partitions-sweep ≥ 0; "
          + "--block-bytes ≥ 1");
    }
    try (SparkOptions.Spark session = spark.open()) {
      SparkSession s = session.session();
      String data = InputOptions.dataFolder(s.sparkContext().hadoopConfiguration(), input.path);
      Table table = Table.open(s, new TableSpec(data, TableSpec.Format.PARQUET, InputOptions.DEFAULT_FEATURES,
          InputOptions.DEFAULT_TARGETS, null), false);
      String w = LayerOptions.besideInput(data, "W.npy");
      WeightsAndBias params = WeightFiles.load(s.sparkContext().hadoopConfiguration(), w,
          LayerOptions.besideInput(data, "b.npy"));
      WeightFiles.requireInputDim(params, table.features, w);
      long rows = table.rows.count();
      int d = params.inputDim;
      int m = params.outputDim;
      System.out.printf(Locale.ROOT, "forward + backward (squared loss, Y, G, dW, db, dX: 6·n·d·m = %.1f GFLOP per pass)"
          + " on n = %d, d = %d, m = %d (%s layout, read %s); %s, %d cores; BLAS %s%n", 6.0 * rows * d * m / 1e9,
          rows, d, m, table.layout, BlockReader.readPath(table), s.sparkContext().master(), s.sparkContext().defaultParallelism(), BlasInfo.current().describe());
      System.out.printf(Locale.ROOT, "%-42s %10s %9s %10s %6s %16s%n", "system", "s/pass", "GFLOP/s", "block rows",
          "parts", "driver B/pass");
      List<PassBenchmark.Result> results = new ArrayList<>();
      int mainRows = BlockReader.rowsForBytes(sizes.get(0), d, m);
      try (PassBenchmark bench = new PassBenchmark(JavaSparkContext.fromSparkContext(s.sparkContext()), table, params, 2)) {
        for (int p : counts) {
          for (long bytes : sizes) {
            int blockRows = BlockReader.rowsForBytes(bytes, d, m);
            boolean main = results.isEmpty();
            String name = main ? "adjoint-cached" : "adjoint-cached[block=" + blockRows + ",partitions=" + p + "]";
            print(results, bench.cached(name, blockRows, p, t.passes));
          }
        }
        if (t.parquetRepeats > 0) {
          print(results, bench.fromParquet("adjoint-parquet", mainRows, t.parquetRepeats));
        }
        if (t.baselinePasses > 0) {
          PassBenchmark.Result r = bench.rowAtATime("spark-row-at-a-time", t.baselinePasses);
          print(results, r);
          System.out.printf(Locale.ROOT, "row-at-a-time dW vs Adjoint's: max |ΔdW| / max |dW| = %.1e%n",
              r.maxRelDiffToAdjoint());
        }
      }
      if (t.json != null) {
        writeJson(t.json, results, rows, d, m, s.sparkContext().master(), table.layout);
      }
    }
    return ExitCodes.OK;
  }

  private static void print(List<PassBenchmark.Result> results, PassBenchmark.Result r) {
    results.add(r);
    System.out.printf(Locale.ROOT, "%-42s %10.3f %9.1f %10d %6d %16d%n", r.name(), r.secondsPerPass(), r.gflops(),
        r.blockRows(), r.partitions(), r.driverBytesPerPass());
  }

  private static void writeJson(File json, List<PassBenchmark.Result> results, long rows, int d, int m, String sparkMaster,
      String layout) throws java.io.IOException {
    List<Map<String, Object>> list = new ArrayList<>();
    for (PassBenchmark.Result r : results) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("name", r.name());
      o.put("seconds_per_pass", r.secondsPerPass());
      o.put("gflops", r.gflops());
      o.put("rows", rows);
      o.put("dim", d);
      o.put("out_dim", m);
      o.put("block_rows", r.blockRows());
      o.put("partitions", r.partitions());
      o.put("driver_bytes_per_pass", r.driverBytesPerPass());
      o.put("master", sparkMaster);
      o.put("blas", BlasInfo.current().describe());
      o.put("layout", layout);  // how the Parquet table stores the features: array, vector or columns
      list.add(o);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, list);
  }
}
