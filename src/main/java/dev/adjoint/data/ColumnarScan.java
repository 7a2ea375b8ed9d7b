package dev.adjoint.data;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RuntimeConfig;
import org.apache.spark.sql.execution.ColumnarToRowExec;
import org.apache.spark.sql.execution.FileSourceScanExec;
import org.apache.spark.sql.execution.InputAdapter;
import org.apache.spark.sql.execution.SparkPlan;
import org.apache.spark.sql.execution.WholeStageCodegenExec;
import org.apache.spark.sql.execution.datasources.parquet.ParquetFileFormat;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Spark's vectorized Parquet scan of a table's x and t columns, as an RDD of column batches, when the
 * physical plan of selecting those columns is that scan and nothing else (no projection, no cast, no
 * filter) and the scan can return batches. Its partitions, files and row order are the ones the row
 * path reads through {@code ColumnarToRow}, so both paths see the same rows in the same order.
 */
final class ColumnarScan {
  private ColumnarScan() {}

  /** Whole-stage codegen's field limit: a scan of more columns than this is not columnar (default 100). */
  static final String MAX_FIELDS = "spark.sql.codegen.maxFields";

  /** The scan's batches for {@code table}, or null when the table cannot be read that way. */
  static RDD<ColumnarBatch> batches(Table table) {
    ScanColumns scan = table.scanColumns;
    if (scan == null || (table.hasTargets && scan.t() == null)) {
      return null;
    }
    List<String> names = table.hasTargets ? scan.columns() : scan.x().columns();
    List<Column> cols = new ArrayList<>();
    for (String name : names) {
      cols.add(scan.raw().col(Table.quote(name)));
    }
    return batches(scan.raw().select(cols.toArray(new Column[0])), names.size());
  }

  /**
   * The batches of {@code selected} when its plan is a bare columnar Parquet scan of {@code columns} leaf
   * columns (no filter) whose output is exactly {@code selected}'s columns; else null.
   */
  static RDD<ColumnarBatch> batches(Dataset<Row> selected, int columns) {
    RuntimeConfig conf = selected.sparkSession().conf();
    String before = conf.get(MAX_FIELDS);
    // Raised for this plan only: a wide flat table stays columnar; the setting is put back at once.
    boolean raise = Integer.parseInt(before) < columns + 1;
    if (raise) {
      conf.set(MAX_FIELDS, Integer.toString(columns + 1));
    }
    try {
      FileSourceScanExec fileScan = plainScan(selected.queryExecution().executedPlan());
      if (fileScan == null || !fileScan.supportsColumnar()
          || !(fileScan.relation().fileFormat() instanceof ParquetFileFormat)
          || !fileScan.dataFilters().isEmpty() || !fileScan.partitionFilters().isEmpty()
          || !sameNames(fileScan, List.of(selected.columns()))) {
        return null;
      }
      return fileScan.executeColumnar();  // builds the reader (which reads the settings) while they hold
    } finally {
      if (raise) {
        conf.set(MAX_FIELDS, before);
      }
    }
  }

  /** The file scan when {@code plan} is one, seen through the row/column transitions only; else null. */
  private static FileSourceScanExec plainScan(SparkPlan plan) {
    SparkPlan p = plan;
    while (true) {
      if (p instanceof FileSourceScanExec scan) {
        return scan;
      } else if (p instanceof WholeStageCodegenExec w) {
        p = w.child();
      } else if (p instanceof ColumnarToRowExec c) {
        p = c.child();
      } else if (p instanceof InputAdapter a) {
        p = a.child();
      } else {
        return null;
      }
    }
  }

  private static boolean sameNames(FileSourceScanExec scan, List<String> names) {
    List<String> out = new ArrayList<>();
    scala.collection.Iterator<org.apache.spark.sql.catalyst.expressions.Attribute> it = scan.output().iterator();
    while (it.hasNext()) {
      out.add(it.next().name());
    }
    return out.equals(names);
  }
}
