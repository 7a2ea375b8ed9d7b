package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestSpark;
import dev.adjoint.bench.PassBenchmark;
import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.Generator;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.kernel.Close;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.WeightsAndBias;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** bench-pass on a small generated dataset: what it measures, what it writes, and what it refuses. */
class BenchPassCommandTest {
  private static final int N = 600;
  private static final int D = 64;
  private static final int M = 64;

  @TempDir
  static Path dir;

  private static Path dataset;

  @BeforeAll
  static void generate() {
    dataset = dir.resolve("ds");
    CliRun gen = CliRun.of("generate", "--rows", Integer.toString(N), "--dim", Integer.toString(D), "--out-dim",
        Integer.toString(M), "--targets", "--no-ids", "--files", "3", "--output", dataset.toString());
    assertEquals(0, gen.exitCode(), gen.toString());
  }

  @Test
  void timesEverySystemAndWritesTheJsonList() throws Exception {
    Path json = dir.resolve("results.json");
    CliRun run = CliRun.of("bench-pass", "--input", dataset.toString(), "--passes", "2", "--parquet-repeats", "1",
        "--baseline-passes", "1", "--partitions", "0,3", "--block-bytes", "4194304,4096", "--json", json.toString());
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode list = new ObjectMapper().readTree(json.toFile());
    List<String> names = new ArrayList<>();
    list.forEach(r -> names.add(r.get("name").asText()));
    assertEquals(List.of("adjoint-cached", "adjoint-cached[block=4,partitions=0]",
        "adjoint-cached[block=4096,partitions=3]", "adjoint-cached[block=4,partitions=3]", "adjoint-parquet",
        "spark-row-at-a-time"), names);
    long partialBytes = (long) (D * M + M) * 8;
    for (JsonNode r : list) {
      double seconds = r.get("seconds_per_pass").asDouble();
      assertTrue(seconds > 0, r.toString());
      // GFLOP/s counts the three GEMMs: 6·n·d·m flops per pass.
      assertEquals(6.0 * N * D * M / seconds / 1e9, r.get("gflops").asDouble(), 1e-9 * r.get("gflops").asDouble());
      assertEquals(N, r.get("rows").asLong());
      assertEquals(Generator.Layout.fastest(D, M).cliName(), r.get("layout").asText(), "generate's default layout: " + r);
      long bytes = r.get("driver_bytes_per_pass").asLong();
      assertTrue(bytes >= partialBytes, "the driver receives at least one partial: " + r);
      if (r.get("name").asText().startsWith("adjoint")) {
        // One partial, whatever the partition count, plus Spark's per-task metrics (a few kB per task):
        // two partials' worth would mean the tree sent more than one.
        assertTrue(bytes < 2 * partialBytes, "driver bytes per pass " + bytes + " for a partial of " + partialBytes + ": " + r);
      }
    }
    assertTrue(run.out().contains("row-at-a-time dW vs Adjoint's"), run.out());
  }

  @Test
  void takesTheDataTableAsRunDoesAndItsSweepByItsNewName() throws Exception {
    Path json = dir.resolve("table.json");
    CliRun run = CliRun.of("bench-pass", "--input", dataset.resolve("data").toString(), "--passes", "1",
        "--parquet-repeats", "0", "--baseline-passes", "0", "--partitions-sweep", "2", "--json", json.toString());
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode list = new ObjectMapper().readTree(json.toFile());
    assertEquals(1, list.size(), list.toString());
    assertEquals(2, list.get(0).get("partitions").asInt());
    assertEquals(N, list.get(0).get("rows").asLong());
  }

  @Test
  void rowAtATimeBaselineComputesTheSameGradient() {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
    Table table = Table.open(TestSpark.get(), new TableSpec(dataset.resolve("data").toString(), TableSpec.Format.PARQUET,
        new ColumnSource.Single("features"), new ColumnSource.Single("targets"), null), false);
    WeightsAndBias params = WeightFiles.load(jsc.hadoopConfiguration(), dataset.resolve("W.npy").toString(),
        dataset.resolve("b.npy").toString());
    try (PassBenchmark bench = new PassBenchmark(jsc, table, params, 2)) {
      bench.cached("adjoint-cached", 50, 0, 1);
      GradientPartial adjoint = bench.lastAdjoint();
      assertEquals(N, adjoint.rowCount());
      PassBenchmark.Result baseline = bench.rowAtATime("spark-row-at-a-time", 1);
      // The same float64 sums in another order: Close.REL says why 1e-12.
      assertTrue(baseline.maxRelDiffToAdjoint() <= Close.REL, "max |ΔdW| / max |dW| = " + baseline.maxRelDiffToAdjoint());
    }
  }

  @Test
  void refusesADatasetWithoutTargets() {
    Path noTargets = dir.resolve("no-targets");
    assertEquals(0, CliRun.of("generate", "--rows", "20", "--dim", "3", "--out-dim", "2", "--output",
        noTargets.toString()).exitCode());
    CliRun run = CliRun.of("bench-pass", "--input", noTargets.toString());
    assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.toString());
    assertTrue(run.err().contains("targets"), run.err());
  }
}
