package dev.adjoint.data;

import static org.apache.spark.sql.functions.col;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Rewrites a table once into another layout ({@link Generator.Layout}), for inputs read many times: the
 * features (and targets, and the id when asked) as {@link Table} reads them, every row checked as a run
 * checks it (null, ragged, NaN/±Inf: the run's messages), then written as {@code generate} writes that
 * layout. Row order within each file is kept. The table goes to {@code OUT/data} through a temporary
 * folder renamed into place when complete, so a failure leaves no half-written table.
 */
public final class Converter {
  private Converter() {}

  /** What {@code convert} writes in its folder: the only name --overwrite replaces. */
  public static final List<String> OWN_NAMES = List.of("data");

  /** The result: rows written, and the layout, dtype and storage they were written in. */
  public record Converted(long rows, int features, int targets, Generator.Layout layout, boolean float32, Storage storage) {}

  /**
   * Converts {@code in} into {@code out}/data. {@code layout} null is {@link Generator.Layout#fastest}; {@code
   * float32} null keeps the stored precision (float32 when every feature value is stored as float32, else float64).
   */
  public static Converted convert(SparkSession spark, TableSpec in, Generator.Layout asked, Boolean float32,
      Storage storage, OutputDir out) throws IOException {
    Table table = Table.open(spark, in, in.idColumn() != null);
    Generator.Layout layout = asked != null ? asked : Generator.Layout.fastest(table.features, table.targets);
    boolean f32 = float32 != null ? float32 : storedAsFloat32(spark, in);
    if (layout == Generator.Layout.VECTOR && f32) {
      throw new InputException("an MLlib Vector holds float64: convert to --layout vector with --dtype float64");
    }
    long rows = checkedRows(table);
    Dataset<Row> converted = table.rows.select(columns(table, layout, f32).toArray(new Column[0]));
    String target = out.resolve("data");
    Path finalPath = new Path(target);
    Path tmp = new Path(finalPath.getParent(), ".data.inprogress-" + UUID.randomUUID());
    FileSystem fs = finalPath.getFileSystem(spark.sparkContext().hadoopConfiguration());
    Path old = new Path(finalPath.getParent(), ".data.old-" + UUID.randomUUID());
    try {
      fs.mkdirs(finalPath.getParent());
      storage.apply(converted.write()).parquet(tmp.toString());
      boolean replacing = fs.exists(finalPath);
      if (replacing && !fs.rename(finalPath, old)) {
        throw new IOException("could not move the old " + finalPath + " aside");
      }
      if (!fs.rename(tmp, finalPath)) {
        if (replacing) {
          fs.rename(old, finalPath);
        }
        throw new IOException("could not rename " + tmp + " to " + finalPath);
      }
    } finally {
      for (Path p : new Path[] {tmp, old}) {
        if (fs.exists(p)) {
          fs.delete(p, true);
        }
      }
    }
    return new Converted(rows, table.features, table.targets, layout, f32, storage);
  }

  /** Reads every row through the run's read path (whose checks throw the run's messages); returns the count. */
  private static long checkedRows(Table table) {
    int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, table.features, table.targets);
    try {
      return BlockReader.of(table, blockRows).map(b -> (long) b.rows).fold(0L, Long::sum);
    } catch (RuntimeException e) {
      for (Throwable t = e; t != null; t = t.getCause()) {
        if (t instanceof RowException r) {
          List<String> files = table.filesOfPartition(r.partition());
          throw new InputException(r.getMessage() + (files.isEmpty() ? "" : " (file " + String.join(", ", files) + ")"), e);
        }
      }
      throw e;
    }
  }

  /** The output columns, from the table's x (and t, id) arrays of float64. */
  private static List<Column> columns(Table table, Generator.Layout layout, boolean float32) {
    DataType number = float32 ? DataTypes.FloatType : DataTypes.DoubleType;
    List<Column> cols = new ArrayList<>();
    if (table.hasIds) {
      cols.add(col(Table.ID).as(table.idColumn));
    }
    Column x = col(Table.X);
    Column t = col(Table.T);
    switch (layout) {
      case COLUMNS -> {
        for (int k = 0; k < table.features; k++) {
          cols.add(x.getItem(k).cast(number).as(Generator.FEATURE_PREFIX + k));
        }
        for (int j = 0; table.hasTargets && j < table.targets; j++) {
          cols.add(t.getItem(j).cast(number).as(Generator.TARGET_PREFIX + j));
        }
        return cols;
      }
      case VECTOR -> cols.add(org.apache.spark.ml.functions.array_to_vector(x).as(Generator.FEATURES));
      case ARRAY -> cols.add(x.cast(DataTypes.createArrayType(number)).as(Generator.FEATURES));
    }
    if (table.hasTargets) {
      cols.add(t.cast(DataTypes.createArrayType(number)).as(Generator.TARGETS));
    }
    return cols;
  }

  /** Whether the features are stored as float32 (array&lt;float&gt; or float columns); CSV never is. */
  private static boolean storedAsFloat32(SparkSession spark, TableSpec in) {
    if (in.format() != TableSpec.Format.PARQUET) {
      return false;
    }
    StructType schema = spark.read().parquet(in.path()).schema();
    ColumnSource source = Table.stored(schema, in.features());
    List<String> names = source instanceof ColumnSource.Single s ? List.of(s.column())
        : source instanceof ColumnSource.Columns cs ? cs.columns()
        : Table.prefixed(schema, ((ColumnSource.Prefix) source).prefix(), in.path(), "features");
    for (String name : names) {
      DataType type = Table.field(schema, name, in.path(), "features").dataType();
      DataType element = type instanceof ArrayType a ? a.elementType() : type;
      if (element != DataTypes.FloatType) {
        return false;
      }
    }
    return true;
  }
}
