package dev.adjoint.data;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;
import static org.apache.spark.sql.functions.size;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * An input table brought to one shape, whatever its layout: column {@value #X} array&lt;double&gt; (the
 * features), optionally {@value #T} array&lt;double&gt; (the targets) and {@value #ID} (the key), in that
 * order. {@code features} and {@code targets} are the widths d and m found.
 */
public final class Table {
  public static final String X = "x";
  public static final String T = "t";
  public static final String ID = "id";

  public final Dataset<Row> rows;
  public final int features;
  public final int targets;
  public final boolean hasTargets;
  public final boolean hasIds;
  public final String idColumn;
  public final StructField idField;
  /** Whether the x or t arrays may hold null elements (their schema allows it), so each must be checked. */
  public final boolean elementsMayBeNull;
  /**
   * Where x and t sit in the Parquet files when each is a plain column or plain columns (no cast, no
   * expression, no ids, no shuffle), so that {@link BlockReader} may copy them from the scan's column
   * batches; null otherwise.
   */
  final ScanColumns scanColumns;
  /** How the features are stored, as {@code generate --layout} names it: array, vector or columns. */
  public final String layout;
  /** What the loss allows each target value to be, checked as rows are read ({@link TargetRule#ANY} by default). */
  public final TargetRule targetRule;

  private Table(Dataset<Row> rows, int features, int targets, boolean hasTargets, String idColumn, StructField idField,
      ScanColumns scanColumns, String layout, TargetRule targetRule) {
    this.rows = rows;
    this.targetRule = targetRule;
    this.layout = layout;
    this.scanColumns = scanColumns;
    boolean mayBeNull = false;
    for (StructField f : rows.schema().fields()) {
      if ((f.name().equals(X) || f.name().equals(T)) && f.dataType() instanceof ArrayType a && a.containsNull()) {
        mayBeNull = true;
      }
    }
    this.elementsMayBeNull = mayBeNull;
    this.features = features;
    this.targets = targets;
    this.hasTargets = hasTargets;
    this.hasIds = idField != null;
    this.idColumn = idColumn;
    this.idField = idField;
  }

  /**
   * The same table in {@code n} partitions (Spark's round-robin repartition), each partition's rows in
   * their order before the shuffle. A shuffle delivers rows in the order map outputs are fetched, which
   * changes from run to run; sorting them back by their original position keeps the blocks, and so the
   * floating-point partials, the same on every run.
   */
  public Table repartition(int n) {
    String order = "_adjoint_row_order";
    Dataset<Row> shuffled = rows.withColumn(order, monotonically_increasing_id()).repartition(n)
        .sortWithinPartitions(order).drop(order);
    return new Table(shuffled, features, targets, hasTargets, idColumn, idField, null, layout, targetRule);
  }

  /** The same table, its targets checked against {@code rule} as they are read. */
  public Table requiring(TargetRule rule) {
    return new Table(rows, features, targets, hasTargets, idColumn, idField, scanColumns, layout, rule);
  }

  /**
   * Opens {@code spec} lazily (only the schema and one row are read here). With {@code withIds} the key
   * column is kept: the spec's id column, or a generated {@code row_id} when it names none.
   */
  public static Table open(SparkSession spark, TableSpec asked, boolean withIds) {
    Dataset<Row> raw = load(spark, asked);
    StructType schema = raw.schema();
    TableSpec spec = new TableSpec(asked.path(), asked.format(), stored(schema, asked.features()),
        asked.targets() == null ? null : stored(schema, asked.targets()), asked.idColumn());
    String where = spec.path();
    List<Column> select = new ArrayList<>();
    Column x = asDoubleArray(schema, spec.features(), where, "features");
    select.add(x.as(X));
    if (spec.targets() != null) {
      select.add(asDoubleArray(schema, spec.targets(), where, "targets").as(T));
    }
    String idName = null;
    if (withIds) {
      if (spec.idColumn() != null) {
        field(schema, spec.idColumn(), where, "id");
        select.add(col(quote(spec.idColumn())).as(ID));
        idName = spec.idColumn();
      } else {
        select.add(monotonically_increasing_id().as(ID));
        idName = "row_id";
      }
    } else if (spec.idColumn() != null) {
      field(schema, spec.idColumn(), where, "id");
    }
    Dataset<Row> rows = raw.select(select.toArray(new Column[0]));
    int d = width(rows, X, spec.features(), schema, where);
    int m = spec.targets() == null ? 0 : width(rows, T, spec.targets(), schema, where);
    StructField idField = withIds ? rows.schema().apply(ID) : null;
    if (idField != null) {
      idField = new StructField(idName, idField.dataType(), true, idField.metadata());
    }
    ScanColumns scan = null;
    if (spec.format() == TableSpec.Format.PARQUET && !withIds) {
      ScanColumns.Part xs = ScanColumns.part(schema, spec.features(), where, "features");
      ScanColumns.Part ts = spec.targets() == null ? null : ScanColumns.part(schema, spec.targets(), where, "targets");
      if (xs != null && (spec.targets() == null || ts != null)) {
        scan = new ScanColumns(raw, xs, ts);
      }
    }
    return new Table(rows, d, m, spec.targets() != null, idName, idField, scan, layout(schema, spec.features()),
        TargetRule.ANY);
  }

  /**
   * Where {@code source} is stored: itself, except that the column {@code features} (or {@code targets}),
   * when the table has none, means the columns {@code x0, x1, …} (or {@code t0, t1, …}) that
   * {@code generate --layout columns} writes, when the table has those. So the default names find
   * generate's output in every layout.
   */
  static ColumnSource stored(StructType schema, ColumnSource source) {
    if (source instanceof ColumnSource.Single s && !List.of(schema.fieldNames()).contains(s.column())) {
      String prefix = s.column().equals(Generator.FEATURES) ? Generator.FEATURE_PREFIX
          : s.column().equals(Generator.TARGETS) ? Generator.TARGET_PREFIX : null;
      if (prefix != null && List.of(schema.fieldNames()).contains(prefix + "0")) {
        return new ColumnSource.Prefix(prefix);
      }
    }
    return source;
  }

  /** The features' layout as {@code generate --layout} names it: array, vector or columns (number columns). */
  private static String layout(StructType schema, ColumnSource features) {
    if (!(features instanceof ColumnSource.Single s)) {
      return Generator.Layout.COLUMNS.cliName();
    }
    DataType t = field(schema, s.column(), "", "features").dataType();
    return t instanceof ArrayType ? Generator.Layout.ARRAY.cliName()
        : t instanceof VectorUDT ? Generator.Layout.VECTOR.cliName() : Generator.Layout.COLUMNS.cliName();
  }

  /** Whether the table at {@code spec} has every column {@code source} names; reads only its schema. */
  public static boolean hasColumns(SparkSession spark, TableSpec spec, ColumnSource asked) {
    StructType schema = load(spark, spec).schema();
    List<String> names = List.of(schema.fieldNames());
    ColumnSource source = stored(schema, asked);
    if (source instanceof ColumnSource.Single s) {
      return names.contains(s.column());
    }
    if (source instanceof ColumnSource.Columns cs) {
      return names.containsAll(cs.columns());
    }
    String prefix = ((ColumnSource.Prefix) source).prefix();
    return names.stream().anyMatch(n -> n.startsWith(prefix) && n.substring(prefix.length()).matches("[0-9]+"));
  }

  private static Dataset<Row> load(SparkSession spark, TableSpec spec) {
    requireExists(spark, spec.path());
    try {
      return switch (spec.format()) {
        case PARQUET -> widenFloats(spark, spark.read().parquet(spec.path()), spec.path());
        case CSV -> spark.read().option("header", "true").option("mode", "FAILFAST").csv(spec.path());
      };
    } catch (Exception e) {  // Scala throws the checked AnalysisException undeclared
      if (e instanceof RuntimeException r && !(e instanceof org.apache.spark.sql.AnalysisException)) {
        throw r;
      }
      throw new InputException("cannot read " + spec.format().name().toLowerCase() + " input '" + spec.path() + "': "
          + firstLine(e.getMessage()), e);
    }
  }

  /**
   * The files partition {@code p} of this table reads, when the partitions are the scan's own (no
   * shuffle in between); empty when that cannot be told.
   */
  public List<String> filesOfPartition(int p) {
    List<String> files = new ArrayList<>();
    try {
      scala.collection.Iterator<org.apache.spark.sql.execution.SparkPlan> leaves =
          rows.queryExecution().executedPlan().collectLeaves().iterator();
      while (leaves.hasNext()) {
        if (leaves.next() instanceof org.apache.spark.sql.execution.FileSourceScanExec scan) {
          org.apache.spark.Partition[] parts = scan.inputRDD().partitions();
          if (p < parts.length && parts[p] instanceof org.apache.spark.sql.execution.datasources.FilePartition fp) {
            for (org.apache.spark.sql.execution.datasources.PartitionedFile f : fp.files()) {
              files.add(f.filePath().toString());
            }
          }
        }
      }
    } catch (RuntimeException e) {
      return List.of();  // a diagnosis only: never let it hide the original error
    }
    return files;
  }

  /**
   * Spark takes a Parquet dataset's schema from one file's footer. When files disagree on float32 vs
   * float64 (a dataset appended to over time), whichever it picks, the others fail to read. Reading every
   * float column or array as double instead works for both kinds of file (the reader widens float32,
   * exactly) and changes no value.
   */
  private static Dataset<Row> widenFloats(SparkSession spark, Dataset<Row> ds, String path) {
    StructType schema = ds.schema();
    boolean any = false;
    StructField[] fields = schema.fields().clone();
    for (int k = 0; k < fields.length; k++) {
      DataType t = fields[k].dataType();
      if (t == DataTypes.FloatType) {
        fields[k] = new StructField(fields[k].name(), DataTypes.DoubleType, fields[k].nullable(), fields[k].metadata());
        any = true;
      } else if (t instanceof ArrayType a && a.elementType() == DataTypes.FloatType) {
        fields[k] = new StructField(fields[k].name(), DataTypes.createArrayType(DataTypes.DoubleType, a.containsNull()),
            fields[k].nullable(), fields[k].metadata());
        any = true;
      }
    }
    return any ? spark.read().schema(new StructType(fields)).parquet(path) : ds;
  }

  /** The input must exist (a file, a folder, or a glob that matches something) and be readable. */
  private static void requireExists(SparkSession spark, String path) {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(path);
    try {
      org.apache.hadoop.fs.FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      org.apache.hadoop.fs.FileStatus[] found = fs.globStatus(p);
      if (found == null || found.length == 0) {
        throw new InputException("input " + path + " does not exist");
      }
    } catch (java.io.IOException e) {
      throw new InputException("input " + path + " cannot be read: " + e.getMessage(), e);
    }
  }

  /** The expression that turns {@code source} into an array&lt;double&gt; column. */
  static Column asDoubleArray(StructType schema, ColumnSource source, String where, String role) {
    if (source instanceof ColumnSource.Columns cs) {
      return numericColumns(schema, cs.columns(), where, role);
    }
    if (source instanceof ColumnSource.Prefix p) {
      return numericColumns(schema, prefixed(schema, p.prefix(), where, role), where, role);
    }
    ColumnSource.Single s = (ColumnSource.Single) source;
    StructField f = field(schema, s.column(), where, role);
    DataType t = f.dataType();
    Column c = col(quote(s.column()));
    if (t instanceof ArrayType a && a.elementType() instanceof NumericType) {
      return c.cast(DataTypes.createArrayType(DataTypes.DoubleType));
    } else if (t instanceof VectorUDT) {
      // vector_to_array fails on a null Vector: keep it null, for the row checks to name the row
      return functions.when(c.isNull(), functions.lit(null).cast(DataTypes.createArrayType(DataTypes.DoubleType)))
          .otherwise(org.apache.spark.ml.functions.vector_to_array(c, "float64"));
    } else if (t instanceof NumericType || t == DataTypes.StringType) {
      return array(c.cast(DataTypes.DoubleType));
    }
    throw new InputException(where + ": " + role + " column '" + s.column() + "' has type " + t.simpleString()
        + "; expected array<double>, array<float>, an MLlib Vector or a number");
  }

  private static Column numericColumns(StructType schema, List<String> names, String where, String role) {
    if (names.isEmpty()) {
      throw new InputException(where + ": no " + role + " columns given");
    }
    Column[] cols = new Column[names.size()];
    for (int k = 0; k < cols.length; k++) {
      StructField f = field(schema, names.get(k), where, role);
      if (!(f.dataType() instanceof NumericType) && f.dataType() != DataTypes.StringType) {
        throw new InputException(where + ": " + role + " column '" + f.name() + "' has type " + f.dataType().simpleString()
            + "; expected a number");
      }
      cols[k] = col(quote(f.name())).cast(DataTypes.DoubleType);
    }
    return array(cols);
  }

  /** Columns named prefix0, prefix1, … in numeric order; they must run from 0 without gaps. */
  static List<String> prefixed(StructType schema, String prefix, String where, String role) {
    Pattern p = Pattern.compile(Pattern.quote(prefix) + "(\\d+)");
    Map<Integer, String> byIndex = new TreeMap<>();
    for (StructField f : schema.fields()) {
      Matcher m = p.matcher(f.name());
      if (m.matches()) {
        byIndex.put(Integer.parseInt(m.group(1)), f.name());
      }
    }
    if (byIndex.isEmpty()) {
      throw new InputException(where + ": no " + role + " columns named " + prefix + "0, " + prefix + "1, … among "
          + List.of(schema.fieldNames()));
    }
    List<String> names = new ArrayList<>();
    int expected = 0;
    for (Map.Entry<Integer, String> e : byIndex.entrySet()) {
      if (e.getKey() != expected) {
        throw new InputException(where + ": " + role + " columns with prefix '" + prefix + "' skip " + prefix + expected
            + " (found " + byIndex.values() + ")");
      }
      names.add(e.getValue());
      expected++;
    }
    return names;
  }

  static StructField field(StructType schema, String name, String where, String role) {
    for (StructField f : schema.fields()) {
      if (f.name().equals(name)) {
        return f;
      }
    }
    throw new InputException(where + ": no " + role + " column '" + name + "'; the table has columns "
        + List.of(schema.fieldNames()));
  }

  /** Width of the array column: known from the spec for numeric columns, else read from the first row. */
  private static int width(Dataset<Row> rows, String column, ColumnSource source, StructType schema, String where) {
    if (source instanceof ColumnSource.Columns cs) {
      return cs.columns().size();
    }
    if (source instanceof ColumnSource.Prefix p) {
      return prefixed(schema, p.prefix(), where, column.equals(X) ? "features" : "targets").size();
    }
    List<Row> first = rows.select(size(col(column))).limit(1).collectAsList();
    if (first.isEmpty()) {
      throw new InputException(where + ": the input has no rows");
    }
    if (first.get(0).isNullAt(0) || first.get(0).getInt(0) < 0) {
      throw new InputException(where + ": the first row's " + source.describe() + " is null");
    }
    int width = first.get(0).getInt(0);
    if (width == 0) {
      throw new InputException(where + ": the first row's " + source.describe() + " is empty; expected at least one "
          + "number");
    }
    return width;
  }

  static String quote(String name) {
    return "`" + name.replace("`", "``") + "`";
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
