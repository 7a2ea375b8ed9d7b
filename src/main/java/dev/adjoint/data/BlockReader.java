package dev.adjoint.data;

import dev.adjoint.kernel.Block;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/** Turns a {@link Table} into an RDD of row blocks: one pass, each partition streamed block by block. */
public final class BlockReader {
  private BlockReader() {}

  /** Default bytes of X per block when the user gives no block size. */
  public static final long DEFAULT_BLOCK_BYTES = 4L << 20;
  /** Upper bound on rows per block whatever the byte budget says. */
  public static final int MAX_BLOCK_ROWS = 1 << 16;

  /** Rows per block so that X_block and T_block/G_block take about {@code bytes}: ⌊bytes / 8(d + m)⌋, in [1, 65536]. */
  public static int rowsForBytes(long bytes, int d, int m) {
    long perRow = 8L * (d + Math.max(m, 1));
    return (int) Math.max(1, Math.min(MAX_BLOCK_ROWS, bytes / perRow));
  }

  /** {@link #readPath} of a table read from Parquet column batches. */
  public static final String COLUMNAR = "columnar";
  /** {@link #readPath} of a table read row by row. */
  public static final String ROWS = "rows";

  /**
   * The table's rows in blocks of at most {@code blockRows} rows, partitioning kept. A Parquet table whose
   * x and t are stored as they are read (array&lt;double&gt; or float columns; see {@link ScanColumns}),
   * without ids, is copied in bulk from Spark's column batches ({@link BatchesToBlocks}); any other is
   * read as Spark's internal rows, each array copied out whole, or with ids (whose values must reach the
   * output as they are) through the public Row API. Both give the same blocks.
   */
  public static JavaRDD<Block> of(Table table, int blockRows) {
    return of(table, blockRows, false);
  }

  /** As {@link #of(Table, int)}; with {@code skipInvalid}, rows holding NaN or ±Inf are left out and counted. */
  public static JavaRDD<Block> of(Table table, int blockRows, boolean skipInvalid) {
    JavaRDD<Block> columnar = table.hasIds ? null : columnar(table, blockRows, skipInvalid);
    return columnar != null ? columnar : of(table, blockRows, !table.hasIds, skipInvalid);
  }

  /** {@value #COLUMNAR} when {@link #of(Table, int)} reads {@code table} from column batches, else {@value #ROWS}. */
  public static String readPath(Table table) {
    return !table.hasIds && ColumnarScan.batches(table) != null ? COLUMNAR : ROWS;
  }

  /** The blocks of {@link #of(Table, int, boolean)} through the column batches; null when the table cannot go that way. */
  public static JavaRDD<Block> columnar(Table table, int blockRows, boolean skipInvalid) {
    RDD<ColumnarBatch> batches = ColumnarScan.batches(table);
    if (batches == null || table.hasIds) {
      return null;
    }
    final ScanColumns.Part x = table.scanColumns.x();
    final ScanColumns.Part t = table.scanColumns.t();
    final int d = table.features;
    final int m = table.targets;
    final boolean withTargets = table.hasTargets;
    final TargetRule rule = table.targetRule;
    return batches.toJavaRDD().mapPartitionsWithIndex((partition, b) ->
        new BatchesToBlocks(b, x, t, blockRows, d, m, withTargets, partition, skipInvalid, rule), true);
  }

  /** The row path, choosing the row API: internal rows (no ids) or public ones (for benchmarks). */
  public static JavaRDD<Block> of(Table table, int blockRows, boolean internalRows, boolean skipInvalid) {
    final int d = table.features;
    final int m = table.targets;
    final boolean withTargets = table.hasTargets;
    final boolean withIds = table.hasIds;
    final TargetRule rule = table.targetRule;
    if (!internalRows) {
      return table.rows.javaRDD().mapPartitionsWithIndex((partition, rows) ->
          new RowsToBlocks<>(rows, RowsToBlocks.PUBLIC, blockRows, d, m, withTargets, withIds, partition, skipInvalid,
              rule), true);
    }
    if (withIds) {
      throw new IllegalArgumentException("internal rows are read without ids");
    }
    final RowsToBlocks.Access<InternalRow> access = RowsToBlocks.internal(table.elementsMayBeNull);
    return table.rows.queryExecution().toRdd().toJavaRDD().mapPartitionsWithIndex((partition, rows) ->
        new RowsToBlocks<>(rows, access, blockRows, d, m, withTargets, false, partition, skipInvalid, rule), true);
  }
}
