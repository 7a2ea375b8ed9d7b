package dev.adjoint.data;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.adjoint.kernel.Block;
import java.io.File;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.sql.types.UserDefinedType;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Times reading generated tables (features and targets), side by side in one run, best of R:
 * <ul>
 *   <li>{@code spark-decode}: Spark's vectorized Parquet scan of the columns, each batch's values copied
 *       out in bulk ({@code getDoubles} per leaf column) and nothing else: the decoder's ceiling in Spark;
 *   <li>{@code adjoint-read}: Adjoint's {@link BlockReader#of(Table, int)}, whichever path it takes, into
 *       blocks of the job's default size;
 *   <li>{@code adjoint-rows}: the row path (internal rows) on the same table, for comparison;
 *   <li>{@code duckdb}: DuckDB (JDBC, in process) summing every value of the same files with as many
 *       threads as Spark has cores: a peer outside Spark.
 * </ul>
 * Not a test (timings belong in benchmarks): {@code scripts/bench read} runs it as
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
 *   dev.adjoint.data.ReadPathBench [--repeats R] [--json FILE] [--no-rows] DIR…
 * </pre>
 * where each DIR is a table written by {@code adjoint generate --targets}.
 */
public final class ReadPathBench {
  private ReadPathBench() {}

  public static void main(String[] args) throws Exception {
    int repeats = 3;
    String json = null;
    boolean withRows = true;
    List<String> dirs = new ArrayList<>();
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--repeats" -> repeats = Integer.parseInt(args[++a]);
        case "--json" -> json = args[++a];
        case "--no-rows" -> withRows = false;
        default -> dirs.add(args[a]);
      }
    }
    SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[2]"))
        .appName("read-path-bench").config("spark.ui.enabled", "false").getOrCreate();
    int threads = spark.sparkContext().defaultParallelism();
    List<Map<String, Object>> results = new ArrayList<>();
    try (Connection duck = DriverManager.getConnection("jdbc:duckdb:")) {
      try (Statement st = duck.createStatement()) {
        st.execute("SET threads = " + threads);
      }
      record Case(String path, Table table, int blockRows, String layout, Map<String, Callable<Long>> systems,
          Map<String, Double> best) {}
      List<Case> cases = new ArrayList<>();
      for (String dir : dirs) {
        String path = dir.endsWith("/data") ? dir : dir + "/data";
        Table table = Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
            new ColumnSource.Single("targets"), null), false);
        int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, table.features, table.targets);
        String layout = table.layout + "(" + leafType(spark, path) + ")";
        System.out.printf(Locale.ROOT, "%s: %s, d=%d m=%d, %d rows per block, Adjoint's path %s%n", path, layout,
            table.features, table.targets, blockRows, BlockReader.readPath(table));
        Dataset<Row> raw = spark.read().parquet(path);
        Map<String, Callable<Long>> systems = new LinkedHashMap<>();
        systems.put("spark-decode", () -> decodeOnly(raw));
        systems.put("adjoint-read", () -> count(BlockReader.of(table, blockRows)));
        if (withRows) {
          systems.put("adjoint-rows", () -> count(BlockReader.of(table, blockRows, true, false)));
        }
        systems.put("duckdb", () -> duckdb(duck, path, raw.schema()));
        cases.add(new Case(path, table, blockRows, layout, systems, new LinkedHashMap<>()));
      }
      // round by round over every table, so that the machine's slow and quiet spells fall on all of them
      for (int r = 0; r < repeats + 1; r++) {  // the first round warms the page cache and the JIT
        for (Case c : cases) {
          for (Map.Entry<String, Callable<Long>> s : c.systems().entrySet()) {
            long t0 = System.nanoTime();
            long rows = s.getValue().call();
            double seconds = (System.nanoTime() - t0) / 1e9;
            System.out.printf(Locale.ROOT, "  round %d %-40s %-13s %d rows in %.3f s%n", r, c.layout() + " " + c.path(),
                s.getKey(), rows, seconds);
            if (r > 0) {
              c.best().merge(s.getKey(), seconds, Math::min);
            }
          }
        }
      }
      for (Case c : cases) {
        long bytes = bytesOf(spark, c.path());
        System.out.printf(Locale.ROOT, "%s %s:%n", c.path(), c.layout());
        for (Map.Entry<String, Double> b : c.best().entrySet()) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("table", c.path());
          o.put("layout", c.layout());
          o.put("codec", codecOf(spark, c.path()));
          o.put("rows", c.table().rows.count());
          o.put("dim", c.table().features);
          o.put("out_dim", c.table().targets);
          o.put("file_bytes", bytes);
          o.put("system", b.getKey());
          o.put("seconds", b.getValue());
          o.put("threads", threads);
          o.put("read_path", b.getKey().equals("adjoint-read") ? BlockReader.readPath(c.table()) : null);
          results.add(o);
          System.out.printf(Locale.ROOT, "  best of %d %-13s %.3f s (%.2f× spark-decode)%n", repeats, b.getKey(),
              b.getValue(), b.getValue() / c.best().get("spark-decode"));
        }
      }
    } finally {
      spark.stop();
    }
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(json), results);
    }
  }

  /** Rows of every block. */
  private static long count(JavaRDD<Block> blocks) {
    return blocks.map(b -> (long) b.rows).reduce(Long::sum);
  }

  /** Spark's columnar scan of every column, each batch's leaf values copied out in bulk; returns the rows. */
  private static long decodeOnly(Dataset<Row> raw) {
    RDD<ColumnarBatch> batches = ColumnarScan.batches(raw, leafColumns(raw.schema()));
    if (batches == null) {
      throw new IllegalStateException("not a columnar scan: " + raw.queryExecution().executedPlan());
    }
    return batches.toJavaRDD().mapPartitions(it -> {
      long rows = 0;
      double keep = 0;
      while (it.hasNext()) {
        ColumnarBatch b = it.next();
        for (int c = 0; c < b.numCols(); c++) {
          keep += copyLeaves(b.column(c), b.numRows());
        }
        rows += b.numRows();
      }
      return List.of(keep == 42.4242 ? rows + 1 : rows).iterator();  // keeps the copies live
    }).reduce(Long::sum);
  }

  /** Copies the first {@code n} values of every double/float leaf under {@code v}; returns one of them. */
  private static double copyLeaves(ColumnVector v, int n) {
    DataType t = v.dataType() instanceof UserDefinedType<?> u ? u.sqlType() : v.dataType();
    if (n == 0) {
      return 0;
    }
    if (t == DataTypes.DoubleType) {
      return v.getDoubles(0, n)[n - 1];
    } else if (t == DataTypes.FloatType) {
      return v.getFloats(0, n)[n - 1];
    } else if (t instanceof ArrayType && v instanceof WritableColumnVector w) {
      int total = w.getArrayOffset(n - 1) + w.getArrayLength(n - 1);
      return copyLeaves(v.getChild(0), total);
    } else if (t instanceof StructType s) {
      double keep = 0;
      for (int k = 0; k < s.fields().length; k++) {
        keep += copyLeaves(v.getChild(k), n);
      }
      return keep;
    }
    return 0;  // the Vector's type byte, size, indices
  }

  private static int leafColumns(DataType t) {
    DataType u = t instanceof UserDefinedType<?> udt ? udt.sqlType() : t;
    if (u instanceof StructType s) {
      int n = 0;
      for (StructField f : s.fields()) {
        n += leafColumns(f.dataType());
      }
      return n;
    }
    return u instanceof ArrayType a ? leafColumns(a.elementType()) : 1;
  }

  /** DuckDB sums every feature and target value of the files; returns the rows it counted. */
  private static long duckdb(Connection duck, String path, StructType schema) throws Exception {
    List<String> sums = new ArrayList<>();
    for (StructField f : schema.fields()) {
      String q = "\"" + f.name() + "\"";
      DataType t = f.dataType();
      if (t instanceof UserDefinedType<?>) {
        sums.add("sum(list_sum(" + q + ".\"values\"))");
      } else if (t instanceof ArrayType) {
        sums.add("sum(list_sum(" + q + "))");
      } else if (!f.name().equals("id")) {
        sums.add("sum(" + q + ")");
      }
    }
    String sql = "SELECT count(*), " + String.join(", ", sums) + " FROM read_parquet('" + path + "/*.parquet')";
    try (Statement st = duck.createStatement(); ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static String leafType(SparkSession spark, String path) {
    String s = spark.read().parquet(path).schema().simpleString();
    return s.contains("float") ? "float32" : "float64";
  }

  private static long bytesOf(SparkSession spark, String path) throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    return p.getFileSystem(spark.sparkContext().hadoopConfiguration()).getContentSummary(p).getLength();
  }

  private static String codecOf(SparkSession spark, String path) throws Exception {
    return ParquetFooters.of(spark.sparkContext().hadoopConfiguration(), path).codecs().toString();
  }
}
