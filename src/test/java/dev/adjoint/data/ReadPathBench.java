package dev.adjoint.data;

import dev.adjoint.kernel.Block;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.SparkSession;

/**
 * Times reading a generated table into blocks through the row path (internal rows) and the columnar
 * path, side by side, best of {@code reps}; each read counts the blocks' rows. Not a test: run with
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
 *   dev.adjoint.data.ReadPathBench /tmp/g2m/data array 3
 * </pre>
 * (layout {@code array}: features/targets columns; {@code columns}: x0, x1, … and targets).
 */
public final class ReadPathBench {
  private ReadPathBench() {}

  public static void main(String[] args) {
    String path = args[0];
    ColumnSource features = args.length > 1 && args[1].equals("columns") ? new ColumnSource.Prefix("x")
        : new ColumnSource.Single("features");
    int reps = args.length > 2 ? Integer.parseInt(args[2]) : 3;
    SparkSession spark = SparkSession.builder().master("local[2]").appName("read-path-bench")
        .config("spark.ui.enabled", "false").getOrCreate();
    Table table = Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET, features,
        new ColumnSource.Single("targets"), null), false);
    int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, table.features, table.targets);
    System.out.printf("%s: d=%d m=%d, %d rows per block, default path %s%n", path, table.features, table.targets,
        blockRows, BlockReader.readPath(table));
    double bestRows = Double.MAX_VALUE;
    double bestColumnar = Double.MAX_VALUE;
    for (int r = 0; r < reps; r++) {
      double rows = seconds(() -> count(BlockReader.of(table, blockRows, true, false)));
      double columnar = seconds(() -> count(BlockReader.columnar(table, blockRows, false)));
      System.out.printf("rep %d: rows %.2f s, columnar %.2f s%n", r + 1, rows, columnar);
      bestRows = Math.min(bestRows, rows);
      bestColumnar = Math.min(bestColumnar, columnar);
    }
    System.out.printf("best of %d: rows %.2f s, columnar %.2f s (%.2f×)%n", reps, bestRows, bestColumnar,
        bestRows / bestColumnar);
    spark.stop();
  }

  private static long count(JavaRDD<Block> blocks) {
    return blocks.map(b -> (long) b.rows).reduce(Long::sum);
  }

  private static double seconds(Supplier<Long> read) {
    long t0 = System.nanoTime();
    long n = read.get();
    double s = (System.nanoTime() - t0) / 1e9;
    System.out.printf("  %d rows in %.2f s%n", n, s);
    return s;
  }
}
