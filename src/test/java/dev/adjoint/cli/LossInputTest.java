package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The losses' bad input, on real Parquet and CSV files with real local Spark: a label out of range, not an
 * integer, or NaN; logistic targets outside [0, 1]; options that do not go together. Each is exit 2 with the
 * row and the file named, and no result written — through the columnar path (double columns) and the row
 * path (an int label, CSV) alike.
 */
class LossInputTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  /** 20 rows: x0, x1, a label 0…2 (row 7's replaced by {@code bad}), and p0…p2 in [0, 1] (row 5's p1 by {@code badP}). */
  private Path table(String name, String labelType, String bad, String badP) {
    Path p = dir.resolve(name);
    spark.sql("SELECT CAST(id AS DOUBLE) * 0.1 AS x0, CAST(id % 5 AS DOUBLE) - 2 AS x1, "
        + "CAST(CASE WHEN id = 7 THEN " + bad + " ELSE id % 3 END AS " + labelType + ") AS label, "
        + "0.25 AS p0, CASE WHEN id = 5 THEN " + badP + " ELSE 0.5 END AS p1, 0.25 AS p2 FROM range(20)")
        .coalesce(1).write().parquet(p.toString());
    return p;
  }

  private static void assertBadInput(CliRun run, Path out, String... facts) {
    assertEquals(2, run.exitCode(), run.toString());
    for (String fact : facts) {
      assertTrue(run.err().contains(fact), "message names '" + fact + "':\n" + run);
    }
    assertFalse(run.err().contains("\tat "), "no stack trace for a user's mistake:\n" + run);
    for (String name : List.of("dW.npy", "db.npy", "report.json")) {
      assertFalse(Files.exists(out.resolve(name)), name + " must not exist after a failure");
    }
  }

  private CliRun crossEntropy(Path input, Path out) {
    return CliRun.of("run", "--input", input.toString(), "--feature-prefix", "x", "--label-col", "label", "--out-dim", "3",
        "--output", out.toString());
  }

  @Test
  void goodLabelsRunThroughBothReadPaths() throws Exception {
    for (String type : new String[] {"DOUBLE", "INT", "BIGINT"}) {
      Path out = dir.resolve("out-ok-" + type);
      CliRun run = crossEntropy(table("ok-" + type, type, "1", "0.5"), out);
      assertEquals(0, run.exitCode(), run.toString());
      assertTrue(run.out().contains("verified: every check passed"), run.out());
      assertTrue(Files.exists(out.resolve("dW.npy")));
    }
  }

  @Test
  void aLabelOutOfRangeNotIntegralOrNaNNamesTheRowAndFile() {
    for (String type : new String[] {"DOUBLE", "INT"}) {
      Path out = dir.resolve("out-range-" + type);
      assertBadInput(crossEntropy(table("range-" + type, type, "3", "0.5"), out), out, "row 7 of partition 0",
          "label is 3.0", "0 … 2", ".parquet");
    }
    Path out = dir.resolve("out-frac");
    assertBadInput(crossEntropy(table("frac", "DOUBLE", "1.5", "0.5"), out), out, "row 7", "label is 1.5", "integer");
    Path neg = dir.resolve("out-neg");
    assertBadInput(crossEntropy(table("neg", "DOUBLE", "-1", "0.5"), neg), neg, "row 7", "label is -1.0");
    Path nan = dir.resolve("out-nan");
    assertBadInput(crossEntropy(table("nan", "DOUBLE", "CAST('NaN' AS DOUBLE)", "0.5"), nan), nan, "row 7", "NaN");
  }

  @Test
  void logisticTargetsOutsideTheUnitIntervalNameTheRow() {
    Path out = dir.resolve("out-logistic");
    assertBadInput(CliRun.of("run", "--input", table("logistic", "DOUBLE", "1", "1.5").toString(), "--feature-prefix", "x",
        "--target-prefix", "p", "--loss", "logistic", "--out-dim", "3", "--output", out.toString()), out,
        "row 5 of partition 0", "targets[1] is 1.5", "[0, 1]", "logistic");
  }

  @Test
  void csvLabelsAreCheckedOnTheRowPath() throws Exception {
    Path csv = dir.resolve("labels.csv");
    Files.writeString(csv, "x0,x1,label\n1.0,2.0,0\n0.5,-1.0,2\n3.0,1.0,4\n");
    Path out = dir.resolve("csv");
    assertBadInput(CliRun.of("run", "--input", csv.toString(), "--feature-prefix", "x", "--label-col", "label",
        "--out-dim", "3", "--output", out.toString()), out, "row 2", "label is 4.0", "labels.csv");
  }

  @Test
  void optionsThatDoNotGoTogether() {
    Path in = table("opts", "DOUBLE", "1", "0.5");
    Path out = dir.resolve("opts-out");
    assertBadInput(CliRun.of("run", "--input", in.toString(), "--feature-prefix", "x", "--label-col", "label", "--loss",
        "squared", "--out-dim", "3", "--output", out.toString()), out, "--label-col", "cross-entropy");
    assertBadInput(CliRun.of("run", "--input", in.toString(), "--feature-prefix", "x", "--label-col", "label",
        "--target-prefix", "p", "--out-dim", "3", "--output", out.toString()), out, "--label-col", "not both");
    assertBadInput(CliRun.of("run", "--input", in.toString(), "--feature-prefix", "x", "--target-prefix", "p", "--loss",
        "squared", "--huber-delta", "2", "--out-dim", "3", "--output", out.toString()), out, "--huber-delta");
    assertBadInput(CliRun.of("run", "--input", in.toString(), "--feature-prefix", "x", "--target-prefix", "p", "--loss",
        "huber", "--huber-delta", "0", "--out-dim", "3", "--output", out.toString()), out, "--huber-delta", "positive");
    assertBadInput(CliRun.of("run", "--input", in.toString(), "--feature-prefix", "x", "--label-col", "label",
        "--output", out.toString()), out, "--out-dim", "number of classes");
  }
}
