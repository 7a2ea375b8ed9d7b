package dev.adjoint.data;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.ml.linalg.VectorUDT;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Writes the same rows (X [n×d], T [n×m], id = row index) as real Parquet or CSV files in each layout
 * the job reads, and returns the {@link TableSpec} that reads them back.
 */
public final class TestTables {
  private TestTables() {}

  public enum Layout { ARRAY_DOUBLE, ARRAY_FLOAT, VECTOR, SPARSE_VECTOR, COLUMNS, CSV }

  public static TableSpec write(SparkSession spark, Path dir, Layout layout, double[] x, double[] t, int n, int d, int m)
      throws IOException {
    String path = dir.resolve(layout.name().toLowerCase() + (layout == Layout.CSV ? ".csv" : ".parquet")).toString();
    switch (layout) {
      case CSV -> {
        Files.createDirectories(dir);
        try (PrintWriter w = new PrintWriter(Files.newBufferedWriter(Path.of(path)))) {
          List<String> header = new ArrayList<>(List.of("id"));
          for (int k = 0; k < d; k++) {
            header.add("x" + k);
          }
          for (int j = 0; j < m; j++) {
            header.add("t" + j);
          }
          w.println(String.join(",", header));
          for (int i = 0; i < n; i++) {
            StringBuilder line = new StringBuilder(Integer.toString(i));
            for (int k = 0; k < d; k++) {
              line.append(',').append(x[i * d + k]);  // Double.toString round-trips exactly
            }
            for (int j = 0; j < m; j++) {
              line.append(',').append(t[i * m + j]);
            }
            w.println(line);
          }
        }
        return new TableSpec(path, TableSpec.Format.CSV, new ColumnSource.Prefix("x"), new ColumnSource.Prefix("t"), "id");
      }
      case COLUMNS -> {
        List<StructField> fields = new ArrayList<>(List.of(DataTypes.createStructField("id", DataTypes.LongType, false)));
        List<String> xs = new ArrayList<>();
        List<String> ts = new ArrayList<>();
        for (int k = 0; k < d; k++) {
          fields.add(DataTypes.createStructField("f" + k, DataTypes.DoubleType, false));
          xs.add("f" + k);
        }
        for (int j = 0; j < m; j++) {
          // targets as float columns: a different numeric type still reads
          fields.add(DataTypes.createStructField("t" + j, DataTypes.DoubleType, false));
          ts.add("t" + j);
        }
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          Object[] v = new Object[1 + d + m];
          v[0] = (long) i;
          for (int k = 0; k < d; k++) {
            v[1 + k] = x[i * d + k];
          }
          for (int j = 0; j < m; j++) {
            v[1 + d + j] = t[i * m + j];
          }
          rows.add(RowFactory.create(v));
        }
        spark.createDataFrame(rows, new StructType(fields.toArray(new StructField[0]))).write().parquet(path);
        return new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Columns(xs), new ColumnSource.Columns(ts), "id");
      }
      default -> {
        DataType featureType = switch (layout) {
          case ARRAY_FLOAT -> DataTypes.createArrayType(DataTypes.FloatType, false);
          case VECTOR, SPARSE_VECTOR -> new VectorUDT();
          default -> DataTypes.createArrayType(DataTypes.DoubleType, false);
        };
        StructType schema = new StructType(new StructField[] {
            DataTypes.createStructField("id", DataTypes.LongType, false),
            DataTypes.createStructField("features", featureType, false),
            DataTypes.createStructField("targets", DataTypes.createArrayType(DataTypes.DoubleType, false), false)});
        List<Row> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
          double[] xi = java.util.Arrays.copyOfRange(x, i * d, (i + 1) * d);
          double[] ti = java.util.Arrays.copyOfRange(t, i * m, (i + 1) * m);
          Object features = switch (layout) {
            case ARRAY_FLOAT -> {
              Float[] f = new Float[d];
              for (int k = 0; k < d; k++) {
                f[k] = (float) xi[k];
              }
              yield f;
            }
            case VECTOR -> Vectors.dense(xi);
            case SPARSE_VECTOR -> i % 3 == 0 ? Vectors.dense(xi) : Vectors.dense(xi).toSparse();  // mixed, as in life
            default -> boxed(xi);
          };
          rows.add(RowFactory.create((long) i, features, boxed(ti)));
        }
        spark.createDataFrame(rows, schema).write().parquet(path);
        return new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
            new ColumnSource.Single("targets"), "id");
      }
    }
  }

  private static Double[] boxed(double[] a) {
    Double[] b = new Double[a.length];
    for (int k = 0; k < a.length; k++) {
      b[k] = a[k];
    }
    return b;
  }
}
