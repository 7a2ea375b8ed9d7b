package dev.adjoint.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * The Parquet columns x and t are read from, when each is taken as it is stored: one array&lt;double&gt;
 * column, one MLlib Vector column, or d double columns (float32 files count: {@link Table} reads them as
 * float64, which the Parquet reader widens exactly). Anything needing an expression (other number types,
 * strings, arrays of integers) is not described here and stays on the row path.
 *
 * @param raw the table as loaded (all its columns, floats widened)
 * @param x where the features are
 * @param t where the targets are, or null when the loss needs none
 */
record ScanColumns(Dataset<Row> raw, Part x, Part t) {

  /** One role's columns: a single array&lt;double&gt; or MLlib Vector column, or flat double columns in order. */
  record Part(List<String> columns, Kind kind) implements java.io.Serializable {}

  /** How one role's values are stored. */
  enum Kind {
    /** one array&lt;double&gt; column */
    ARRAY,
    /** one MLlib Vector column: struct&lt;type, size, indices, values&gt;, dense or sparse row by row */
    VECTOR,
    /** flat double columns, one per value */
    FLAT
  }

  /** The columns {@code source} names when each can be copied from the scan as it is; null otherwise. */
  static Part part(StructType schema, ColumnSource source, String where, String role) {
    List<String> names;
    if (source instanceof ColumnSource.Single s) {
      DataType type = Table.field(schema, s.column(), where, role).dataType();
      if (type instanceof ArrayType a && a.elementType() == DataTypes.DoubleType) {
        return new Part(List.of(s.column()), Kind.ARRAY);
      }
      if (type instanceof VectorUDT) {
        return new Part(List.of(s.column()), Kind.VECTOR);
      }
      names = List.of(s.column());
    } else if (source instanceof ColumnSource.Columns cs) {
      names = cs.columns();
    } else {
      names = Table.prefixed(schema, ((ColumnSource.Prefix) source).prefix(), where, role);
    }
    for (String name : names) {
      StructField f = Table.field(schema, name, where, role);
      if (f.dataType() != DataTypes.DoubleType) {
        return null;
      }
    }
    return names.isEmpty() ? null : new Part(List.copyOf(names), Kind.FLAT);
  }

  /** The columns to scan, features' then targets', in the order the batches hold them. */
  List<String> columns() {
    List<String> all = new ArrayList<>(x.columns());
    if (t != null) {
      all.addAll(t.columns());
    }
    return all;
  }
}
