package dev.adjoint.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.adjoint.bench.PassBenchmark;
import dev.adjoint.data.Blocks;
import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.Weights;
import dev.adjoint.blas.BlasInfo;
import dev.adjoint.kernel.LayerParams;
import java.io.File;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
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

  @Option(names = {"-i", "--input"}, paramLabel = "DIR", required = true,
      description = "A folder written by 'adjoint generate --targets' (data/, W.npy, b.npy).")
  String input;

  @Option(names = "--passes", paramLabel = "K", defaultValue = "5",
      description = "Timed passes over cached blocks, after one that fills the cache; the median counts (default: ${DEFAULT-VALUE}).")
  int passes;

  @Option(names = "--parquet-repeats", paramLabel = "R", defaultValue = "2",
      description = "Timed passes from Parquet after one warm-up; the best counts; 0 skips (default: ${DEFAULT-VALUE}).")
  int parquetRepeats;

  @Option(names = "--baseline-passes", paramLabel = "K", defaultValue = "1",
      description = "Timed passes of the row-at-a-time baseline after the one that fills its cache; 0 skips (default: ${DEFAULT-VALUE}).")
  int baselinePasses;

  @Option(names = "--block-bytes", paramLabel = "LIST", split = ",",
      description = "Block sizes to time over cached data, in bytes of X and T per block (default: the job's default, "
          + Blocks.DEFAULT_BLOCK_BYTES + "). The first is used for the other systems.")
  List<Long> blockBytes;

  @Option(names = "--partitions", paramLabel = "LIST", split = ",",
      description = "Partition counts to time over cached data (0 = as read; default: 0).")
  List<Integer> partitions;

  @Option(names = "--json", paramLabel = "FILE", description = "Also write the results as a JSON list.")
  File json;

  @CommandLine.Mixin
  MasterOption master;

  @Override
  public Integer call() throws Exception {
    List<Long> sizes = blockBytes == null || blockBytes.isEmpty() ? List.of(Blocks.DEFAULT_BLOCK_BYTES) : blockBytes;
    List<Integer> counts = partitions == null || partitions.isEmpty() ? List.of(0) : partitions;
    if (passes < 1 || parquetRepeats < 0 || baselinePasses < 0 || sizes.stream().anyMatch(b -> b < 1)
        || counts.stream().anyMatch(p -> p < 0)) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--passes must be ≥ 1; --parquet-repeats, --baseline-passes and --partitions ≥ 0; --block-bytes ≥ 1");
    }
    try (RunCommand.Spark spark = master.open()) {
      SparkSession s = spark.session();
      String dir = input.replaceAll("/+$", "");
      Table table = Table.open(s, new TableSpec(dir + "/data", TableSpec.Format.PARQUET,
          new ColumnSource.Single("features"), new ColumnSource.Single("targets"), null), false);
      LayerParams params = Weights.load(s.sparkContext().hadoopConfiguration(), dir + "/W.npy", dir + "/b.npy");
      Weights.requireInputDim(params, table.features, dir + "/W.npy");
      long rows = table.rows.count();
      int d = params.inputDim;
      int m = params.outputDim;
      System.out.printf(Locale.ROOT, "forward + backward (squared loss, Y, G, dW, db, dX: 6·n·d·m = %.1f GFLOP per pass)"
          + " on n = %d, d = %d, m = %d; %s, %d cores; BLAS %s%n", 6.0 * rows * d * m / 1e9,
          rows, d, m, s.sparkContext().master(), s.sparkContext().defaultParallelism(), BlasInfo.current().describe());
      System.out.printf(Locale.ROOT, "%-42s %10s %9s %10s %6s %16s%n", "system", "s/pass", "GFLOP/s", "block rows",
          "parts", "driver B/pass");
      List<PassBenchmark.Result> results = new ArrayList<>();
      int mainRows = Blocks.rowsForBytes(sizes.get(0), d, m);
      try (PassBenchmark bench = new PassBenchmark(JavaSparkContext.fromSparkContext(s.sparkContext()), table, params, 2)) {
        for (int p : counts) {
          for (long bytes : sizes) {
            int blockRows = Blocks.rowsForBytes(bytes, d, m);
            boolean main = results.isEmpty();
            String name = main ? "adjoint-cached" : "adjoint-cached[block=" + blockRows + ",partitions=" + p + "]";
            print(results, bench.cached(name, blockRows, p, passes));
          }
        }
        if (parquetRepeats > 0) {
          print(results, bench.fromParquet("adjoint-parquet", mainRows, parquetRepeats));
        }
        if (baselinePasses > 0) {
          PassBenchmark.Result r = bench.rowAtATime("spark-row-at-a-time", baselinePasses);
          print(results, r);
          System.out.printf(Locale.ROOT, "row-at-a-time dW vs Adjoint's: max |ΔdW| / max |dW| = %.1e%n",
              r.maxRelDiffToAdjoint());
        }
      }
      if (json != null) {
        writeJson(results, rows, d, m, s.sparkContext().master());
      }
    }
    return ExitCodes.OK;
  }

  private static void print(List<PassBenchmark.Result> results, PassBenchmark.Result r) {
    results.add(r);
    System.out.printf(Locale.ROOT, "%-42s %10.3f %9.1f %10d %6d %16d%n", r.name(), r.secondsPerPass(), r.gflops(),
        r.blockRows(), r.partitions(), r.driverBytesPerPass());
  }

  private void writeJson(List<PassBenchmark.Result> results, long rows, int d, int m, String sparkMaster)
      throws java.io.IOException {
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
      list.add(o);
    }
    new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(json, list);
  }
}
