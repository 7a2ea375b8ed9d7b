package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.job.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adjoint convert} end to end: a generated table in each layout converted into each other reads
 * to the same dW and db bits (one file, so one partition and the same blocks); bad rows and bad options
 * exit 2 with one line and leave nothing written.
 */
class ConvertCommandTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  private static void assertOk(CliRun run) {
    assertEquals(0, run.exitCode(), run.toString());
  }

  private CliRun runOn(String input, Path weights, String out) {
    return CliRun.of("run", "--input", input, "--weights", weights.resolve("W.npy").toString(), "--bias",
        weights.resolve("b.npy").toString(), "--loss", "squared", "--verify", "none", "--output", out);
  }

  @Test
  void convertedTablesReadToTheSameDwBits() throws Exception {
    Path gen = dir.resolve("gen");
    assertOk(CliRun.of("generate", "--rows", "3000", "--dim", "7", "--out-dim", "3", "--targets", "--no-ids", "--layout",
        "array", "--files", "1", "--output", gen.toString()));
    assertOk(runOn(gen.resolve("data").toString(), gen, dir.resolve("run-array").toString()));
    double[] dW = NpyFiles.read(dir.resolve("run-array/dW.npy")).data();
    double[] db = NpyFiles.read(dir.resolve("run-array/db.npy")).data();
    int compared = 0;
    for (String layout : List.of("columns", "vector", "array")) {
      Path conv = dir.resolve("conv-" + layout);
      CliRun c = CliRun.of("convert", "--input", gen.resolve("data").toString(), "--layout", layout, "--codec", "zstd",
          "--output", conv.toString());
      assertOk(c);
      // --no-ids: generate wrote no id column, and convert carries none
      assertFalse(List.of(spark.read().parquet(conv.resolve("data").toString()).columns()).contains("id"), layout);
      assertTrue(c.out().contains("converted 3000 rows × 7 features + 3 targets (float64, " + layout + " layout, zstd"),
          c.out());
      // run's defaults find the converted table's columns, whatever the layout
      Path out = dir.resolve("run-" + layout + "-converted");
      CliRun run = runOn(conv.resolve("data").toString(), gen, out.toString());
      assertOk(run);
      String report = Files.readString(out.resolve("report.json"));
      assertTrue(report.contains("\"read_path\" : \"columnar\""), report);
      sameBits(dW, NpyFiles.read(out.resolve("dW.npy")).data(), layout + ": dW");
      sameBits(db, NpyFiles.read(out.resolve("db.npy")).data(), layout + ": db");
      compared++;
    }
    assertEquals(3, compared);
  }

  @Test
  void float32StaysFloat32() throws Exception {
    Path gen = dir.resolve("gen32");
    assertOk(CliRun.of("generate", "--rows", "500", "--dim", "4", "--out-dim", "2", "--targets", "--dtype", "float32",
        "--layout", "array", "--files", "1", "--output", gen.toString()));
    CliRun c = CliRun.of("convert", "--input", gen.resolve("data").toString(), "--output", dir.resolve("c32").toString());
    assertOk(c);
    assertTrue(c.out().contains("(float32, columns layout"), c.out());
    assertEquals("float", spark.read().parquet(dir.resolve("c32/data").toString()).schema().apply("x0").dataType()
        .simpleString());
  }

  @Test
  void badInputExitsTwoAndWritesNothing() throws Exception {
    Path bad = dir.resolve("bad.parquet");
    spark.sql("SELECT IF(id = 13, array(1.0D, 2.0D), array(CAST(id AS DOUBLE), 1.0D, 2.0D)) AS features FROM range(40)")
        .coalesce(1).write().parquet(bad.toString());
    Path out = dir.resolve("out-bad");
    CliRun ragged = CliRun.of("convert", "--input", bad.toString(), "--output", out.toString());
    assertEquals(2, ragged.exitCode(), ragged.toString());
    assertTrue(ragged.err().contains("row 13 of partition 0: features have length 2, expected 3"), ragged.toString());
    assertEquals(1, ragged.err().strip().lines().count(), "one line:\n" + ragged);
    assertNothingWritten(out);

    CliRun missing = CliRun.of("convert", "--input", dir.resolve("nope").toString(), "--output", out.toString());
    assertEquals(2, missing.exitCode(), missing.toString());
    assertNothingWritten(out);

    CliRun codec = CliRun.of("convert", "--input", bad.toString(), "--codec", "lz5", "--output", out.toString());
    assertEquals(2, codec.exitCode(), codec.toString());
    CliRun vector32 = CliRun.of("convert", "--input", bad.toString(), "--layout", "vector", "--dtype", "float32",
        "--output", out.toString());
    assertEquals(2, vector32.exitCode(), vector32.toString());
    assertTrue(vector32.err().contains("MLlib Vector holds float64"), vector32.toString());
    assertNothingWritten(out);

    // an existing table is kept when the new one fails
    Files.createDirectories(out.resolve("data"));
    Files.writeString(out.resolve("data/keep.txt"), "old");
    CliRun again = CliRun.of("convert", "--input", bad.toString(), "--output", out.toString(), "--overwrite");
    assertEquals(2, again.exitCode(), again.toString());
    assertEquals("old", Files.readString(out.resolve("data/keep.txt")));
  }

  private static void sameBits(double[] a, double[] b, String what) {
    assertEquals(a.length, b.length, what);
    for (int k = 0; k < a.length; k++) {
      assertEquals(Double.doubleToRawLongBits(a[k]), Double.doubleToRawLongBits(b[k]), what + "[" + k + "]: " + a[k] + " vs " + b[k]);
    }
  }

  private static void assertNothingWritten(Path out) throws Exception {
    if (Files.exists(out)) {
      try (Stream<Path> files = Files.walk(out)) {
        assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".parquet")), "no Parquet file in " + out);
      }
    }
  }
}
