package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Column names read without Spark, from real files: a CSV header, a Parquet footer written by Spark. */
class SchemaPeekTest {
  private static final Configuration CONF = new Configuration();

  @TempDir
  Path dir;

  private static Optional<List<String>> peek(String path, TableSpec.Format format) {
    return SchemaPeek.columns(CONF, new TableSpec(path, format, null, null, null));
  }

  @Test
  void csvHeaderAndParquetFooter() throws Exception {
    assertEquals(List.of("id", "x0", "x1", "x2", "x3", "x4", "t0", "t1", "t2"),
        peek("data/numpy-case/X.csv", TableSpec.Format.CSV).orElseThrow());
    List<String> parquet = peek("data/parquet-case", TableSpec.Format.PARQUET).orElseThrow();
    assertTrue(parquet.contains("features") && parquet.contains("targets"), parquet.toString());
    assertTrue(SchemaPeek.hasDefaultTargets(parquet));
    assertTrue(SchemaPeek.hasDefaultTargets(List.of("x0", "t0", "t1")), "generate's columns layout");
    assertFalse(SchemaPeek.hasDefaultTargets(peek("data/golden/X.csv", TableSpec.Format.CSV).orElseThrow()));

    Path noTargets = dir.resolve("x.parquet");
    TestSpark.get().read().option("header", "true").csv("data/golden/X.csv").write().parquet(noTargets.toString());
    assertEquals(List.of("id", "x0", "x1"), peek(noTargets.toString(), TableSpec.Format.PARQUET).orElseThrow());
  }

  /** What cannot be read cheaply is left to Spark's reader: nothing is guessed. */
  @Test
  void emptyWhenItCannotTell() throws Exception {
    assertEquals(Optional.empty(), peek(dir.resolve("missing.csv").toString(), TableSpec.Format.CSV));
    Path partitioned = Files.createDirectories(dir.resolve("t").resolve("year=2026"));
    Files.writeString(partitioned.resolve("a.csv"), "x0,targets\n1,2\n");
    assertEquals(Optional.empty(), peek(dir.resolve("t").toString(), TableSpec.Format.CSV));
    Path gz = dir.resolve("x.csv.gz");
    Files.write(gz, new byte[] {31, -117, 8, 0});
    assertEquals(Optional.empty(), peek(gz.toString(), TableSpec.Format.CSV));
    Path notParquet = dir.resolve("bad.parquet");
    Files.writeString(notParquet, "not parquet");
    assertEquals(Optional.empty(), peek(notParquet.toString(), TableSpec.Format.PARQUET));
  }
}
