package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.study.StudyReport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code adjoint study accumulation} from the command line: its files, and bad input. */
class StudyCommandTest {
  @TempDir
  Path dir;

  @Test
  void writesTheTablesThePlotsAndTheSummary() throws Exception {
    Path gen = dir.resolve("gen");
    CliRun g = CliRun.of("generate", "--rows", "1200", "--dim", "3", "--out-dim", "2", "--targets", "-o", gen.toString());
    assertEquals(0, g.exitCode(), g.toString());
    Path out = dir.resolve("study");
    CliRun run = CliRun.of("study", "accumulation", "--input", gen.resolve("data").toString(), "--output", out.toString(),
        "--micro-batches", "1,2,4", "--partitions", "1,2", "--tree-depths", "1", "--repeats", "2", "--block-rows",
        "1,64", "--growth-k", "2");
    assertEquals(0, run.exitCode(), run.toString());
    for (String name : StudyReport.OWN_NAMES) {
      assertTrue(Files.size(out.resolve(name)) > 0, name);
    }
    JsonNode json = new ObjectMapper().readTree(out.resolve(StudyReport.JSON).toFile());
    List<String> csv = Files.readAllLines(out.resolve(StudyReport.CSV));
    assertEquals(String.join(",", StudyReport.COLUMNS), csv.get(0));
    assertEquals(json.get("results").size() + 1, csv.size(), "one CSV line per configuration, as in the JSON");
    // 3 k × 2 cuts (normalisation) + 4 modes × (3 k + 3 shorter prefixes) + 2 P × 1 depth × 2 aggregations × 2 repeats + 2
    assertEquals(6 + 4 * 6 + 8 + 2, json.get("results").size());
    assertEquals("squared", json.get("setup").get("loss").asText(), "W.npy beside the data, targets in it");
    for (String png : List.of(StudyReport.PLOT_ERROR_K, StudyReport.PLOT_ERROR_N, StudyReport.PLOT_THROUGHPUT,
        StudyReport.PLOT_SPREAD)) {
      byte[] head = Arrays.copyOf(Files.readAllBytes(out.resolve(png)), 8);
      assertArrayEquals(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'}, head, png + " is a PNG");
    }
    String summary = Files.readString(out.resolve(StudyReport.SUMMARY));
    String conclusions = summary.substring(summary.indexOf("## Conclusions"), summary.indexOf("## 1."));
    long bullets = conclusions.lines().filter(l -> l.startsWith("- ")).count();
    assertTrue(bullets >= 3 && bullets <= 5, "three to five conclusions:\n" + conclusions);
    assertTrue(summary.contains("](" + StudyReport.PLOT_ERROR_K + ")"), "the summary shows the plots");
  }

  @Test
  void badInputExitsWithTwoAndLeavesNoOutput() throws Exception {
    Path out = dir.resolve("out");
    assertBad(CliRun.of("study", "accumulation", "--input", dir.resolve("nope").toString(), "--output", out.toString()),
        out, "does not exist");
    assertBad(CliRun.of("study", "accumulation", "--input", dir.toString(), "--output", out.toString(),
        "--micro-batches", "0,x"), out, "--micro-batches");
    assertBad(CliRun.of("study", "accumulation", "--input", dir.toString(), "--output", out.toString(),
        "--micro-batches", "0,2"), out, "--micro-batches values must be ≥ 1, got 0");
    assertBad(CliRun.of("study", "accumulation", "--input", dir.toString(), "--output", out.toString(),
        "--partitions", ""), out, "--partitions");
  }

  private static void assertBad(CliRun run, Path out, String fact) {
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains(fact), "message names '" + fact + "':\n" + run);
    assertFalse(Files.exists(out), "no output folder after a failure");
  }
}
