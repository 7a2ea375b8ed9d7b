package dev.adjoint.data;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.input_file_name;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;

/**
 * After a CSV run failed on text that is not a number, finds where: the first such value among the
 * columns used, its file and its line (counting the header as line 1). Runs only on that error path.
 */
public final class CsvDiagnosis {
  private CsvDiagnosis() {}

  /** "file F, line L, column 'c': 'v' is not a number", or null when it cannot be found. */
  public static String firstNonNumber(SparkSession spark, TableSpec spec) {
    try {
      Dataset<Row> raw = spark.read().option("header", "true").csv(spec.path());
      List<String> columns = new ArrayList<>();
      for (ColumnSource source : new ColumnSource[] {spec.features(), spec.targets()}) {
        if (source instanceof ColumnSource.Columns cs) {
          columns.addAll(cs.columns());
        } else if (source instanceof ColumnSource.Prefix p) {
          columns.addAll(Table.prefixed(raw.schema(), p.prefix(), spec.path(), "columns"));
        } else if (source instanceof ColumnSource.Single s) {
          columns.add(s.column());
        }
      }
      for (String c : columns) {
        Column bad = col("`" + c + "`").isNotNull().and(col("`" + c + "`").try_cast(DataTypes.DoubleType).isNull());
        List<Row> found = raw.where(bad).select(col("`" + c + "`"), input_file_name()).limit(1).collectAsList();
        if (!found.isEmpty()) {
          String value = found.get(0).getString(0);
          String file = found.get(0).getString(1);
          int field = List.of(raw.columns()).indexOf(c);
          long line = lineOf(spark, file, field, value);
          return "file " + file + (line > 0 ? ", line " + line : "") + ", column '" + c + "': '" + value
              + "' is not a number";
        }
      }
    } catch (RuntimeException | IOException e) {
      return null;  // a diagnosis only: the original error stands
    }
    return null;
  }

  /** The first line (1 = the header) whose field {@code field} is {@code value}, splitting on commas. */
  private static long lineOf(SparkSession spark, String file, int field, String value) throws IOException {
    Path p = new Path(file);
    FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(p), StandardCharsets.UTF_8))) {
      String text;
      long line = 0;
      while ((text = in.readLine()) != null) {
        line++;
        String[] fields = text.split(",", -1);
        if (line > 1 && field < fields.length && fields[field].trim().equals(value.trim())) {
          return line;
        }
      }
    }
    return -1;
  }
}
