package dev.adjoint.cli;

import dev.adjoint.data.BlockReader;
import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.Generator;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.function.DoubleSupplier;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code adjoint bench-read}: how fast each Parquet layout becomes row blocks, next to a plain
 * {@code spark.read.parquet} scan that touches every value, in rows/s and MB/s of float64 values.
 */
@Command(name = "bench-read", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Measures Parquet → row blocks for each feature layout, next to a plain spark.read.parquet scan of every value.")
final class BenchReadCommand implements Callable<Integer> {
  @ArgGroup(validate = false, heading = "%nBenchmark:%n")
  Sizes sizes = new Sizes();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions spark = new SparkOptions();

  /** The datasets to time, and how often. */
  static final class Sizes {
    @Option(names = "--rows", paramLabel = "N", defaultValue = "1000000", description = "Rows (default: ${DEFAULT-VALUE}).")
    long rows;

    @Option(names = "--dim", paramLabel = "D", defaultValue = "256", description = "Features per row (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--repeats", paramLabel = "R", defaultValue = "3", description = "Timed repetitions; the best is shown (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--work", paramLabel = "DIR", description = "Where the datasets go (default: a temporary folder, deleted after).")
    String work;
  }

  @Override
  public Integer call() throws Exception {
    Path dir = sizes.work != null ? Path.of(sizes.work) : Files.createTempDirectory("adjoint-bench-read");
    try (SparkOptions.Spark session = spark.open()) {
      SparkSession s = session.session();
      int files = (int) Math.max(2, sizes.rows * (long) sizes.dim * 8 / (128L << 20));
      record Case(String name, Generator.Layout layout, boolean float32) {}
      List<Case> cases = List.of(new Case("array<double>", Generator.Layout.ARRAY, false),
          new Case("array<float>", Generator.Layout.ARRAY, true), new Case("MLlib Vector", Generator.Layout.VECTOR, false),
          new Case(sizes.dim + " double columns", Generator.Layout.COLUMNS, false));
      double mb = sizes.rows * (double) sizes.dim * 8 / 1e6;
      System.out.printf(Locale.ROOT, "Parquet → row blocks: %d rows × %d features (%.0f MB as float64), %s, best of %d%n",
          sizes.rows, sizes.dim, mb, s.sparkContext().master(), sizes.repeats);
      System.out.printf(Locale.ROOT, "%-20s %-44s %10s %10s %8s%n", "layout", "reader", "rows/s", "MB/s", "seconds");
      for (Case c : cases) {
        String path = dir.resolve(c.name().replaceAll("[^a-zA-Z0-9]", "_")).toString();
        OutputDir out = OutputDir.prepare(s.sparkContext().hadoopConfiguration(), path, true, Generator.OWN_NAMES);
        Generator.write(s, new Generator.Spec(sizes.rows, sizes.dim, 1, 1, c.float32(), c.layout(), files, false, false, 0), out);
        ColumnSource features = c.layout() == Generator.Layout.COLUMNS ? new ColumnSource.Prefix("x")
            : new ColumnSource.Single("features");
        Table table = Table.open(s, new TableSpec(path + "/data", TableSpec.Format.PARQUET, features, null, null), false);
        int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, sizes.dim, 1);
        List<String[]> lines = new ArrayList<>();
        Generator.Layout layout = c.layout();
        time("spark.read.parquet, Row scan of every value", () -> s.read().parquet(path + "/data").javaRDD()
            .map(row -> touchEveryValue(row, layout)).reduce(Double::sum), c, mb);
        time("adjoint blocks, public Row API", () -> countRows(BlockReader.of(table, blockRows, false, false)), c, mb);
        time("adjoint blocks, internal rows", () -> countRows(BlockReader.of(table, blockRows, true, false)), c, mb);
      }
    } finally {
      if (sizes.work == null) {
        deleteTree(dir);
      }
    }
    return ExitCodes.OK;
  }

  /** The sum of a raw row's feature values, read the way plain Spark code reads them. */
  private static double touchEveryValue(org.apache.spark.sql.Row row, Generator.Layout layout) {
    double sum = 0;
    switch (layout) {
      case ARRAY -> {
        for (Object v : row.getList(0)) {
          sum += ((Number) v).doubleValue();
        }
      }
      case VECTOR -> {
        for (double v : ((org.apache.spark.ml.linalg.Vector) row.get(0)).toArray()) {
          sum += v;
        }
      }
      case COLUMNS -> {
        for (int k = 0; k < row.length(); k++) {
          sum += ((Number) row.get(k)).doubleValue();
        }
      }
    }
    return sum;
  }

  private static double countRows(org.apache.spark.api.java.JavaRDD<dev.adjoint.kernel.Block> blocks) {
    return blocks.map(b -> (long) b.rows).reduce(Long::sum);
  }

  private void time(String reader, DoubleSupplier run, Object c, double mb) {
    run.getAsDouble();  // warm-up: JIT, file listing, page cache
    double[] seconds = new double[sizes.repeats];
    for (int r = 0; r < sizes.repeats; r++) {
      long t0 = System.nanoTime();
      run.getAsDouble();
      seconds[r] = (System.nanoTime() - t0) / 1e9;
    }
    double best = Arrays.stream(seconds).min().orElseThrow();
    String layout = c.toString().replaceAll("Case\\[name=([^,]*),.*", "$1");
    System.out.printf(Locale.ROOT, "%-20s %-44s %10.0f %10.0f %8.2f%n", layout, reader, sizes.rows / best, mb / best, best);
  }

  private static void deleteTree(Path dir) throws java.io.IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (var paths = Files.walk(dir)) {
      paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
