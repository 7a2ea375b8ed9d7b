package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestSpark;
import dev.adjoint.job.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A user's mistakes, each on real files with real local Spark: exit code 2, a message that names the
 * place and says what was expected, no stack trace, and no result left behind.
 */
class BadInputTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  private void assertBadInput(CliRun run, String... facts) {
    assertEquals(2, run.exitCode(), run.toString());
    for (String fact : facts) {
      assertTrue(run.err().contains(fact), "message names '" + fact + "':\n" + run);
    }
    assertFalse(run.err().contains("\tat "), "no stack trace for a user's mistake:\n" + run);
  }

  private void assertNoResults(Path out) {
    for (String name : List.of("dW.npy", "db.npy", "report.json")) {
      assertFalse(Files.exists(out.resolve(name)), name + " must not exist after a failure");
    }
  }

  @Test
  void missingEmptyAndRowlessInputs() throws Exception {
    Path out = dir.resolve("out");
    assertBadInput(CliRun.of("run", "--input", dir.resolve("nope.parquet").toString(), "--out-dim", "2", "--output",
        out.toString()), "nope.parquet");
    assertNoResults(out);

    Path empty = Files.createDirectories(dir.resolve("empty"));
    assertBadInput(CliRun.of("run", "--input", empty.toString(), "--out-dim", "2", "--output", out.toString()), "empty");
    assertNoResults(out);

    Path rowless = dir.resolve("rowless.parquet");
    spark.sql("SELECT CAST(id AS DOUBLE) AS x0, CAST(id AS DOUBLE) AS x1 FROM range(0)").write().parquet(rowless.toString());
    assertBadInput(CliRun.of("run", "--input", rowless.toString(), "--feature-prefix", "x", "--out-dim", "2", "--output",
        out.toString()), "no rows");
    assertNoResults(out);
  }

  @Test
  void aColumnOfTheWrongType() throws Exception {
    Path p = dir.resolve("strings.parquet");
    spark.sql("SELECT CAST(id AS STRING) AS features, map('a', 1) AS m FROM range(5)").write().parquet(p.toString());
    assertBadInput(CliRun.of("run", "--input", p.toString(), "--feature-cols", "m", "--out-dim", "2"), "'m'",
        "map<string,int>", "expected a number");
  }

  @Test
  void nanFailsNamingTheRowOrIsSkippedAndCounted() throws Exception {
    Path p = dir.resolve("nan.parquet");
    spark.sql("SELECT id, IF(id = 4, array(1.0D, CAST('NaN' AS DOUBLE)), array(CAST(id AS DOUBLE), 1.0D)) AS features, "
        + "array(0.5D) AS targets FROM range(10)").coalesce(1).write().parquet(p.toString());
    Path clean = dir.resolve("clean.parquet");
    spark.read().parquet(p.toString()).where("id != 4").coalesce(1).write().parquet(clean.toString());
    Path w = Path.of(NpyFiles.write(dir.resolve("W.npy"), new int[] {2, 1}, new double[] {0.5, -1}));

    Path out = dir.resolve("out");
    assertBadInput(CliRun.of("run", "--input", p.toString(), "--target-col", "targets", "--loss", "squared", "--weights",
        w.toString(), "--output", out.toString()), "row 4", "features[1] is NaN", "--on-invalid skip");
    assertNoResults(out);

    CliRun skip = CliRun.of("run", "--input", p.toString(), "--target-col", "targets", "--loss", "squared", "--weights",
        w.toString(), "--on-invalid", "skip", "--output", out.toString());
    assertEquals(0, skip.exitCode(), skip.toString());
    assertTrue(skip.out().contains("skipped  1 row(s)"), skip.out());
    var report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(1, report.at("/shapes/skipped_rows").asLong());
    assertEquals(9, report.at("/shapes/n").asLong());

    Path cleanOut = dir.resolve("clean-out");
    CliRun cleaned = CliRun.of("run", "--input", clean.toString(), "--target-col", "targets", "--loss", "squared",
        "--weights", w.toString(), "--output", cleanOut.toString());
    assertEquals(0, cleaned.exitCode(), cleaned.toString());
    // the same rows in the same order and blocks: the same bits
    assertTrue(java.util.Arrays.equals(Files.readAllBytes(out.resolve("dW.npy")), Files.readAllBytes(cleanOut.resolve("dW.npy"))),
        "skipping equals running on the cleaned data");
  }

  @Test
  void nullFeaturesOrTargetsNameTheRow() throws Exception {
    Path p = dir.resolve("nulls.parquet");
    spark.sql("SELECT id, IF(id = 3, NULL, array(1.0D, 2.0D)) AS features, IF(id = 5, NULL, array(0.5D)) AS targets "
        + "FROM range(8)").coalesce(1).write().parquet(p.toString());
    Path out = dir.resolve("out");
    assertBadInput(CliRun.of("run", "--input", p.toString(), "--out-dim", "1", "--output", out.toString()), "row 3",
        "features are null", "expected 2 numbers", "nulls.parquet/part-");
    assertNoResults(out);
    Path clean = dir.resolve("no-null-x.parquet");
    spark.read().parquet(p.toString()).where("id != 3").coalesce(1).write().parquet(clean.toString());
    assertBadInput(CliRun.of("run", "--input", clean.toString(), "--target-col", "targets", "--loss", "squared",
        "--out-dim", "1", "--output", out.toString()), "row 4", "targets are null");
    assertNoResults(out);
  }

  @Test
  void weightsAndTargetsOfTheWrongShape() throws Exception {
    Path w = Path.of(NpyFiles.write(dir.resolve("W.npy"), new int[] {5, 3}, new double[15]));
    Path b = Path.of(NpyFiles.write(dir.resolve("b.npy"), new int[] {4}, new double[4]));
    assertBadInput(CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--weights", w.toString(),
        "--bias", b.toString()), "b.npy", "(4)", "expected (3,)");
    Path w2 = Path.of(NpyFiles.write(dir.resolve("W2.npy"), new int[] {5, 2}, new double[10]));
    assertBadInput(CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--target-prefix", "t",
        "--loss", "squared", "--weights", w2.toString()), "targets", "width 3", "expected 2");
    Files.write(dir.resolve("bad.npy"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
    assertBadInput(CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--weights",
        dir.resolve("bad.npy").toString()), "bad.npy", "not a NumPy .npy file");
  }

  @Test
  void aCorruptParquetFileAmongGoodOnesLeavesNoResult() throws Exception {
    Path p = dir.resolve("mixed.parquet");
    spark.sql("SELECT id, array(CAST(id AS DOUBLE), 1.0D) AS features FROM range(3000)").repartition(3).write()
        .parquet(p.toString());
    Path victim;
    try (var files = Files.list(p)) {
      victim = files.filter(f -> f.getFileName().toString().endsWith(".parquet")).sorted().reduce((a, c) -> c).orElseThrow();
    }
    byte[] bytes = Files.readAllBytes(victim);
    Files.write(victim, java.util.Arrays.copyOf(bytes, bytes.length / 2));  // cut in half: no footer
    Path out = dir.resolve("out");
    CliRun run = CliRun.of("run", "--input", p.toString(), "--out-dim", "2", "--output", out.toString());
    assertBadInput(run, victim.getFileName().toString());
    assertNoResults(out);
  }

  /** Files of float32 and of float64 arrays in one dataset are read alike, as float64 (exact widening). */
  @Test
  void mixedFloat32AndFloat64FilesAreReadAsFloat64() throws Exception {
    Path p = dir.resolve("types.parquet");
    spark.sql("SELECT id, array(CAST(id AS DOUBLE), 1.0D) AS features FROM range(10)").coalesce(1).write().parquet(p.toString());
    spark.sql("SELECT id + 10 AS id, array(CAST(id + 10 AS FLOAT), CAST(1 AS FLOAT)) AS features FROM range(10)")
        .coalesce(1).write().mode("append").parquet(p.toString());
    Path w = Path.of(NpyFiles.write(dir.resolve("W.npy"), new int[] {2, 1}, new double[] {1, 0}));
    Path out = dir.resolve("out");
    CliRun run = CliRun.of("run", "--input", p.toString(), "--weights", w.toString(), "--output", out.toString());
    assertEquals(0, run.exitCode(), run.toString());
    // sum loss, W = [1, 0]ᵀ: dW = Xᵀ·1 = [Σ id, 20] over ids 0..19, exactly
    assertEquals(java.util.List.of(190.0, 20.0),
        java.util.Arrays.stream(NpyFiles.read(out.resolve("dW.npy")).data()).boxed().toList());
  }

  @Test
  void csvTextThatIsNotANumberIsFoundByFileLineAndColumn() throws Exception {
    Path csv = dir.resolve("bad.csv");
    Files.writeString(csv, "id,x0,x1\n0,1,2\n1,3,4\n2,5,abc\n3,6,7\n");
    Path out = dir.resolve("out");
    assertBadInput(CliRun.of("run", "--input", csv.toString(), "--feature-prefix", "x", "--out-dim", "2", "--output",
        out.toString()), "bad.csv", "line 4", "column 'x1'", "'abc' is not a number");
    assertNoResults(out);
    // a header that does not have the columns asked for
    assertBadInput(CliRun.of("run", "--input", csv.toString(), "--feature-cols", "x0,x2", "--out-dim", "2"),
        "bad.csv", "'x2'", "[id, x0, x1]");
  }

  @Test
  void aLayerTooLargeForTheExecutorsIsRefusedBeforeReading() {
    CliRun run = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--out-dim", "50000000");
    assertBadInput(run, "W is (5, 50000000)", "user memory");
  }

  @Test
  void usageMistakes() {
    assertBadInput(CliRun.of("run", "--input"), "--input");
    assertBadInput(CliRun.of("run", "--input", "data/numpy-case/X.csv", "--features-col", "f", "--feature-cols", "x0"),
        "exclude each other");
    assertBadInput(CliRun.of("run", "--on-invalid", "ignore"), "--on-invalid", "ignore");
    assertBadInput(CliRun.of("run", "--partitions", "-1"), "--partitions");
  }
}
