package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.kernel.Block;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The columnar read path ({@link BatchesToBlocks}) against the row path ({@link RowsToBlocks}) on real
 * Parquet files: the same blocks bit for bit (rows, order, boundaries, skipped counts), partition by
 * partition, and the same message for every kind of bad row.
 */
class ColumnarReadTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  private static final int N = 3000;
  private static final int D = 5;
  private static final int M = 2;
  /** Block sizes: one row, sizes that divide neither the batch (4096) nor the row groups, one past a batch. */
  private static final int[] BLOCK_ROWS = {1, 7, 1000, 4097};

  private static double[] random(long seed, int count) {
    Random r = new Random(seed);
    double[] v = new double[count];
    for (int k = 0; k < count; k++) {
      v[k] = r.nextGaussian();
    }
    return v;
  }

  /** Blocks per partition, as the executors made them. */
  private static List<List<Block>> collect(JavaRDD<Block> blocks) {
    return blocks.glom().collect();
  }

  private static void assertSameBlocks(List<List<Block>> rows, List<List<Block>> columnar, String what) {
    assertEquals(rows.size(), columnar.size(), what + ": partitions");
    int compared = 0;
    for (int p = 0; p < rows.size(); p++) {
      assertEquals(rows.get(p).size(), columnar.get(p).size(), what + ": blocks in partition " + p);
      for (int b = 0; b < rows.get(p).size(); b++) {
        Block r = rows.get(p).get(b);
        Block c = columnar.get(p).get(b);
        String where = what + ", partition " + p + ", block " + b;
        assertEquals(r.rows, c.rows, where + ": rows");
        assertEquals(r.features, c.features, where);
        assertEquals(r.targetWidth, c.targetWidth, where);
        assertEquals(r.skippedRows, c.skippedRows, where + ": skipped rows");
        assertBitsEqual(r.x, c.x, where + ": X");
        assertBitsEqual(r.targets, c.targets, where + ": T");
        compared++;
      }
    }
    assertTrue(compared > 0 || rows.isEmpty(), what + ": nothing compared");
  }

  private static void assertBitsEqual(double[] a, double[] b, String what) {
    if (a == null || b == null) {
      assertEquals(a == null, b == null, what);
      return;
    }
    assertEquals(a.length, b.length, what + ": length");
    for (int k = 0; k < a.length; k++) {
      if (Double.doubleToRawLongBits(a[k]) != Double.doubleToRawLongBits(b[k])) {
        throw new AssertionError(what + "[" + k + "]: " + a[k] + " vs " + b[k]);
      }
    }
  }

  /** Runs {@code body} with small file splits, so that some partitions read no row group at all. */
  private <T> T withSplitBytes(long bytes, Supplier<T> body) {
    String key = "spark.sql.files.maxPartitionBytes";
    String before = spark.conf().get(key);
    spark.conf().set(key, Long.toString(bytes));
    try {
      return body.get();
    } finally {
      spark.conf().set(key, before);
    }
  }

  /** Row path and columnar path give the same blocks for every block size, with and without skipping. */
  private int compareAllBlockSizes(TableSpec spec, boolean withTargets, long splitBytes) {
    Table table = Table.open(spark, withTargets ? spec : new TableSpec(spec.path(), spec.format(), spec.features(),
        null, null), false);
    assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), spec.path());
    int compared = 0;
    for (int blockRows : BLOCK_ROWS) {
      for (boolean skip : new boolean[] {false, true}) {
        List<List<Block>> rows = withSplitBytes(splitBytes, () -> collect(BlockReader.of(table, blockRows, true, skip)));
        List<List<Block>> columnar = withSplitBytes(splitBytes, () -> collect(BlockReader.columnar(table, blockRows, skip)));
        assertSameBlocks(rows, columnar, spec.path() + " blockRows " + blockRows + " skip " + skip);
        compared++;
      }
    }
    return compared;
  }

  @Test
  void everyColumnarLayoutGivesTheRowPathsBlocksBitForBit() throws Exception {
    double[] x = random(1, N * D);
    double[] t = random(2, N * M);
    int compared = 0;
    for (TestTables.Layout layout : List.of(TestTables.Layout.ARRAY_DOUBLE, TestTables.Layout.ARRAY_FLOAT,
        TestTables.Layout.COLUMNS, TestTables.Layout.VECTOR, TestTables.Layout.SPARSE_VECTOR)) {
      TableSpec spec = TestTables.write(spark, dir, layout, x, t, N, D, M);
      compared += compareAllBlockSizes(spec, true, 128L << 20);
      compared += compareAllBlockSizes(spec, false, 128L << 20);
    }
    assertEquals(5 * 2 * BLOCK_ROWS.length * 2, compared, "variants compared");
  }

  /** CSV keeps the row path; so do a table read with ids, a shuffled one and one that needs a cast. */
  @Test
  void csvIdsShufflesAndCastsKeepTheRowPath() throws Exception {
    double[] x = random(3, 20 * D);
    double[] t = random(4, 20 * M);
    for (TestTables.Layout layout : List.of(TestTables.Layout.CSV)) {
      Table table = Table.open(spark, TestTables.write(spark, dir, layout, x, t, 20, D, M), false);
      assertEquals(BlockReader.ROWS, BlockReader.readPath(table), layout.name());
      assertNull(BlockReader.columnar(table, 7, false), layout.name());
      assertEquals(20L, BlockReader.of(table, 7).map(b -> (long) b.rows).reduce(Long::sum), layout.name());
    }
    TableSpec arrays = TestTables.write(spark, dir, TestTables.Layout.ARRAY_DOUBLE, x, t, 20, D, M);
    assertEquals(BlockReader.ROWS, BlockReader.readPath(Table.open(spark, arrays, true)), "with ids");
    assertEquals(BlockReader.ROWS, BlockReader.readPath(Table.open(spark, arrays, false).repartition(3)), "shuffled");
    Path ints = dir.resolve("ints.parquet");
    spark.sql("SELECT CAST(id AS INT) AS a, CAST(id AS DOUBLE) AS b FROM range(10)").write().parquet(ints.toString());
    Table cast = Table.open(spark, new TableSpec(ints.toString(), TableSpec.Format.PARQUET,
        new ColumnSource.Columns(List.of("a", "b")), null, null), false);
    assertEquals(BlockReader.ROWS, BlockReader.readPath(cast), "an int column needs a cast");
  }

  /**
   * Many files (one of them empty), row groups of a few hundred rows ending inside blocks, and splits so
   * small that some partitions read no row group; flat float32 columns (widened by the reader) too.
   */
  @Test
  void smallRowGroupsEmptyFilesAndEmptyPartitions() throws Exception {
    double[] x = random(5, N * D);
    double[] t = random(6, N * M);
    List<Row> rows = new ArrayList<>();
    List<StructField> fields = new ArrayList<>();
    fields.add(DataTypes.createStructField("features", DataTypes.createArrayType(DataTypes.DoubleType, true), true));
    for (int k = 0; k < D; k++) {
      fields.add(DataTypes.createStructField("f" + k, DataTypes.FloatType, true));
    }
    fields.add(DataTypes.createStructField("targets", DataTypes.createArrayType(DataTypes.DoubleType, false), false));
    StructType schema = new StructType(fields.toArray(new StructField[0]));
    for (int i = 0; i < N; i++) {
      Object[] v = new Object[D + 2];
      Double[] xi = new Double[D];
      for (int k = 0; k < D; k++) {
        xi[k] = x[i * D + k];
        v[1 + k] = (float) x[i * D + k];
      }
      v[0] = xi;
      Double[] ti = new Double[M];
      for (int j = 0; j < M; j++) {
        ti[j] = t[i * M + j];
      }
      v[D + 1] = ti;
      rows.add(RowFactory.create(v));
    }
    String path = dir.resolve("groups.parquet").toString();
    spark.createDataFrame(rows, schema).repartition(3).write().option("parquet.block.size", "8192").parquet(path);
    spark.createDataFrame(List.of(), schema).write().mode(SaveMode.Append).parquet(path);
    TableSpec arrays = new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
        new ColumnSource.Single("targets"), null);
    TableSpec flat = new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Prefix("f"),
        new ColumnSource.Single("targets"), null);
    for (TableSpec spec : List.of(arrays, flat)) {
      compareAllBlockSizes(spec, true, 128L << 20);
      compareAllBlockSizes(spec, true, 16L << 10);
    }
    Table table = Table.open(spark, arrays, false);
    List<List<Block>> split = withSplitBytes(16L << 10, () -> collect(BlockReader.columnar(table, 1000, false)));
    assertTrue(split.stream().anyMatch(List::isEmpty), "some partition is empty: " + split.size() + " partitions");
    assertEquals(N, split.stream().flatMap(List::stream).mapToInt(b -> b.rows).sum());
  }

  /** A table with more flat columns than Spark's codegen field limit (100) still reads columnar. */
  @Test
  void aWideFlatTableReadsColumnar() {
    int d = 150;
    StringBuilder sql = new StringBuilder("SELECT ");
    for (int k = 0; k < d; k++) {
      sql.append(k == 0 ? "" : ", ").append("CAST(id * ").append(k + 1).append(" AS DOUBLE) / 7 AS x").append(k);
    }
    String path = dir.resolve("wide.parquet").toString();
    spark.sql(sql + " FROM range(500)").repartition(2).write().parquet(path);
    String before = spark.conf().get(ColumnarScan.MAX_FIELDS);
    TableSpec spec = new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Prefix("x"), null, null);
    Table table = Table.open(spark, spec, false);
    assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table));
    assertEquals(before, spark.conf().get(ColumnarScan.MAX_FIELDS), "the setting is put back");
    assertSameBlocks(collect(BlockReader.of(table, 64, true, false)), collect(BlockReader.columnar(table, 64, false)),
        "wide");
  }

  /** The message of the first bad row the job meets, or null when it reads through. */
  private static String rowMessage(JavaRDD<Block> blocks) {
    Exception e = assertThrows(Exception.class, () -> blocks.count());
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof RowException row) {
        return row.getMessage() + " [partition " + row.partition() + "]";
      }
    }
    throw new AssertionError("no RowException in " + e, e);
  }

  private String writeBad(String name, DataType featureType, List<Object[]> values, DataType targetType) {
    StructType schema = new StructType(new StructField[] {
        DataTypes.createStructField("features", featureType, true),
        DataTypes.createStructField("targets", targetType, true)});
    List<Row> rows = new ArrayList<>();
    for (Object[] v : values) {
      rows.add(RowFactory.create(v));
    }
    String path = dir.resolve(name).toString();
    spark.createDataFrame(rows, schema).coalesce(1).write().parquet(path);
    return path;
  }

  private static Object[] row(Double[] x, Double[] t) {
    return new Object[] {x, t};
  }

  private static Double[] good(int i, int width) {
    Double[] v = new Double[width];
    for (int k = 0; k < width; k++) {
      v[k] = i + k / 10.0;
    }
    return v;
  }

  /** Every kind of bad row, in arrays: the same message through both paths; NaN rows skipped alike. */
  @Test
  void badRowsGiveTheRowPathsMessages() {
    DataType arrays = DataTypes.createArrayType(DataTypes.DoubleType, true);
    String[] kinds = {"null features", "null targets", "ragged features", "ragged targets", "null element",
        "NaN features", "Inf targets", "NaN both"};
    int checked = 0;
    for (String kind : kinds) {
      List<Object[]> values = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        Double[] x = good(i, 3);
        Double[] t = good(-i, 2);
        if (i == 17 || i == 31) {
          switch (kind) {
            case "null features" -> x = null;
            case "null targets" -> t = null;
            case "ragged features" -> x = good(i, 4);
            case "ragged targets" -> t = good(i, 1);
            case "null element" -> x[2] = null;
            case "NaN features" -> x[1] = Double.NaN;
            case "Inf targets" -> t[0] = Double.NEGATIVE_INFINITY;
            default -> {
              x[0] = Double.POSITIVE_INFINITY;
              t[1] = Double.NaN;
            }
          }
        }
        values.add(row(x, t));
      }
      String path = writeBad(kind.replace(' ', '_') + ".parquet", arrays, values, arrays);
      Table table = Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
          new ColumnSource.Single("targets"), null), false);
      assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), kind);
      for (int blockRows : new int[] {5, 64}) {
        String rows = rowMessage(BlockReader.of(table, blockRows, true, false));
        String columnar = rowMessage(BlockReader.columnar(table, blockRows, false));
        assertEquals(rows, columnar, kind);
        assertTrue(columnar.startsWith("row 17 of partition 0: "), columnar);
        if (kind.contains("NaN") || kind.contains("Inf")) {
          assertSameBlocks(collect(BlockReader.of(table, blockRows, true, true)),
              collect(BlockReader.columnar(table, blockRows, true)), kind + " skipped");
          long skipped = BlockReader.columnar(table, blockRows, true).map(b -> b.skippedRows).reduce(Long::sum);
          assertEquals(2L, skipped, kind);
        }
        checked++;
      }
    }
    assertEquals(kinds.length * 2, checked);
  }

  /** Nulls and NaN in flat columns: the element named by its column's position, as the row path names it. */
  @Test
  void badFlatColumnsGiveTheRowPathsMessages() {
    for (String bad : new String[] {"NULL", "CAST('NaN' AS DOUBLE)"}) {
      String path = dir.resolve("flat_" + bad.length() + ".parquet").toString();
      spark.sql("SELECT CAST(id AS DOUBLE) AS a, IF(id = 23, " + bad + ", CAST(id AS DOUBLE)) AS b, "
          + "CAST(-id AS DOUBLE) AS c FROM range(50)").coalesce(1).write().parquet(path);
      Table table = Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET,
          new ColumnSource.Columns(List.of("a", "b")), new ColumnSource.Columns(List.of("c")), null), false);
      assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), bad);
      String rows = rowMessage(BlockReader.of(table, 10, true, false));
      assertEquals(rows, rowMessage(BlockReader.columnar(table, 10, false)), bad);
      assertTrue(rows.startsWith("row 23 of partition 0: features[1] is "), rows);
      if (!bad.equals("NULL")) {
        assertSameBlocks(collect(BlockReader.of(table, 10, true, true)), collect(BlockReader.columnar(table, 10, true)),
            "flat skip");
      }
    }
    assertNotNull(spark);
  }

  /** Null, mis-sized (dense and sparse) and NaN Vectors: the row path's messages, and NaN rows skipped alike. */
  @Test
  void badVectorsGiveTheRowPathsMessages() {
    String[] kinds = {"null vector", "short dense", "long sparse", "NaN dense", "Inf sparse"};
    DataType arrays = DataTypes.createArrayType(DataTypes.DoubleType, true);
    for (String kind : kinds) {
      List<Object[]> values = new ArrayList<>();
      for (int i = 0; i < 40; i++) {
        double[] x = {i, i + 0.5, 0, -i};
        Object v = i % 2 == 0 ? org.apache.spark.ml.linalg.Vectors.dense(x)
            : org.apache.spark.ml.linalg.Vectors.dense(x).toSparse();
        if (i == 17 || i == 30) {
          v = switch (kind) {
            case "null vector" -> null;
            case "short dense" -> org.apache.spark.ml.linalg.Vectors.dense(1, 2, 3);
            case "long sparse" -> org.apache.spark.ml.linalg.Vectors.sparse(5, new int[] {1}, new double[] {2});
            case "NaN dense" -> org.apache.spark.ml.linalg.Vectors.dense(1, Double.NaN, 0, 4);
            default -> org.apache.spark.ml.linalg.Vectors.sparse(4, new int[] {2}, new double[] {Double.POSITIVE_INFINITY});
          };
        }
        values.add(new Object[] {v, good(i, 2)});
      }
      String path = writeBad(kind.replace(' ', '_') + ".parquet", new org.apache.spark.ml.linalg.VectorUDT(), values, arrays);
      Table table = Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
          new ColumnSource.Single("targets"), null), false);
      assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), kind);
      for (int blockRows : new int[] {5, 64}) {
        String rows = rowMessage(BlockReader.of(table, blockRows, true, false));
        assertEquals(rows, rowMessage(BlockReader.columnar(table, blockRows, false)), kind);
        assertTrue(rows.startsWith("row 17 of partition 0: "), rows);
        if (kind.contains("NaN") || kind.contains("Inf")) {
          assertSameBlocks(collect(BlockReader.of(table, blockRows, true, true)),
              collect(BlockReader.columnar(table, blockRows, true)), kind + " skipped");
        }
      }
    }
  }
}
