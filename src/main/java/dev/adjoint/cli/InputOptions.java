package dev.adjoint.cli;

import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.kernel.Loss;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The input options (a picocli arg group, help heading {@value #HEADING}): the table and which of its
 * columns make X and T. {@code run} and {@code study accumulation} take them, meaning the same in both.
 */
class InputOptions {
  static final String HEADING = "%nInput:%n";
  /** The features' column when no feature option is given: what {@code generate} writes. */
  static final ColumnSource DEFAULT_FEATURES = new ColumnSource.Single("features");
  /** The targets' column when the loss needs targets and no target option is given: what {@code generate} writes. */
  static final ColumnSource DEFAULT_TARGETS = new ColumnSource.Single("targets");

  @Option(names = {"-i", "--input"}, paramLabel = "PATH",
      description = "Parquet or CSV (with header) table: a file, folder or glob; hdfs:// works. A folder 'generate' or "
          + "'convert' wrote may be given itself or as DIR/data.")
  String path;

  @Option(names = "--format", paramLabel = "parquet|csv", description = "Input format (default: csv when PATH ends in .csv, else parquet).")
  TableSpec.Format format;

  @Option(names = "--features-col", paramLabel = "NAME",
      description = "Column holding each row's features: array<double>, array<float> or an MLlib Vector (default: 'features').")
  String featuresCol;

  @Option(names = "--feature-cols", paramLabel = "COL", split = ",", description = "Numeric columns that make the features, in order.")
  List<String> featureCols;

  @Option(names = "--feature-prefix", paramLabel = "P", description = "Features are the numeric columns P0, P1, … in numeric order.")
  String featurePrefix;

  @Option(names = "--target-col", paramLabel = "NAME",
      description = "Column holding each row's targets (array or Vector), for --loss squared (default: 'targets' when the "
          + "loss needs targets and the input has that column).")
  String targetCol;

  @Option(names = "--target-cols", paramLabel = "COL", split = ",", description = "Numeric target columns, in order.")
  List<String> targetCols;

  @Option(names = "--target-prefix", paramLabel = "P", description = "Targets are the numeric columns P0, P1, ….")
  String targetPrefix;

  @Option(names = "--label-col", paramLabel = "NAME",
      description = "Column holding each row's class index 0 … m−1 (int, long or an integral double), for --loss cross-entropy.")
  String labelCol;

  /** Whether the targets are class labels (--label-col). */
  boolean labels() {
    return labelCol != null;
  }

  /** The table at {@code --input}: the features asked for (else {@link #DEFAULT_FEATURES}), the targets asked for or null. */
  TableSpec table(CommandSpec spec, String idColumn) {
    return new TableSpec(path, format != null ? format : TableSpec.Format.guess(path), features(spec), targets(spec),
        idColumn);
  }

  boolean featuresGiven() {
    return featuresCol != null || featureCols != null || featurePrefix != null;
  }

  ColumnSource features(CommandSpec spec) {
    ColumnSource s = oneOf(spec, "features", "--features-col", featuresCol, "--feature-cols", featureCols,
        "--feature-prefix", featurePrefix);
    return s != null ? s : DEFAULT_FEATURES;
  }

  /** The targets asked for, or null when no target option is given. */
  ColumnSource targets(CommandSpec spec) {
    ColumnSource t = oneOf(spec, "targets", "--target-col", targetCol, "--target-cols", targetCols, "--target-prefix",
        targetPrefix);
    if (labelCol != null) {
      if (t != null) {
        throw Usage.error(spec, "give class labels (--label-col) or targets (--target-col, --target-cols, "
            + "--target-prefix), not both");
      }
      return new ColumnSource.Single(labelCol);
    }
    return t;
  }

  /**
   * The table with the targets and the loss settled. {@code loss} null is auto: squared when the table has
   * its targets, else sum. With no target option given, the targets are {@link #DEFAULT_TARGETS} when the
   * loss may need targets and the table has that column; under the sum loss a missing column never matters.
   */
  static Settled settle(SparkSession spark, TableSpec table, Loss loss) {
    if (loss != null && !loss.needsTargets()) {
      noteUnusedTargets(spark, table, loss);
      table = new TableSpec(table.path(), table.format(), table.features(), null, table.idColumn());
    }
    ColumnSource targets = table.targets();
    boolean found = false;
    if (targets == null && (loss == null || loss.needsTargets())) {
      found = Table.hasColumns(spark, table, DEFAULT_TARGETS);
      targets = found ? DEFAULT_TARGETS : null;
    } else if (targets != null && loss == null) {
      found = Table.hasColumns(spark, table, targets);
    }
    Loss settled = loss != null ? loss : found ? Loss.SQUARED : Loss.SUM;
    ColumnSource kept = loss == null && !found ? null : targets;
    return new Settled(new TableSpec(table.path(), table.format(), table.features(), kept, table.idColumn()), settled);
  }

  /** One notice line when the table has targets (named, or the default column) that {@code loss} does not use. */
  private static void noteUnusedTargets(SparkSession spark, TableSpec table, Loss loss) {
    ColumnSource targets = table.targets() != null ? table.targets() : DEFAULT_TARGETS;
    if (table.targets() != null || Table.hasColumns(spark, table, DEFAULT_TARGETS)) {
      System.err.println("adjoint: note: the input has targets (" + targets.describe() + "), which --loss "
          + loss.cliName() + " does not use; --loss squared does");
    }
  }

  /**
   * The table {@code path} names: a folder that {@code generate} or {@code convert} wrote (holding data/) is read
   * through its data/, so {@code --input DIR} and {@code --input DIR/data} mean the same in every command.
   */
  static String dataFolder(Configuration hadoop, String path) {
    if (path == null) {
      return null;
    }
    String folder = path.replaceAll("(?<=.)/+$", "");
    return LayerOptions.isDirectory(hadoop, folder + "/data") ? folder + "/data" : path;
  }

  /** A table whose targets are settled, and the loss. */
  record Settled(TableSpec table, Loss loss) {}

  private static ColumnSource oneOf(CommandSpec spec, String role, String singleName, String single, String listName,
      List<String> list, String prefixName, String prefix) {
    int given = (single != null ? 1 : 0) + (list != null ? 1 : 0) + (prefix != null ? 1 : 0);
    if (given > 1) {
      throw Usage.error(spec, "give the " + role + " one way: " + singleName + ", " + listName + " and " + prefixName
          + " exclude each other");
    }
    if (single != null) {
      return new ColumnSource.Single(single);
    }
    if (list != null) {
      return new ColumnSource.Columns(List.copyOf(list));
    }
    return prefix != null ? new ColumnSource.Prefix(prefix) : null;
  }
}
