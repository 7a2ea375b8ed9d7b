package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.data.Npy;
import dev.adjoint.data.OutputDir;
import dev.adjoint.study.StudyReport;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
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
    // --growth-k 3 is not one of --micro-batches: the n series then has its own split of all n rows
    CliRun run = CliRun.of("study", "accumulation", "--input", gen.resolve("data").toString(), "--output", out.toString(),
        "--micro-batches", "1,2,4", "--partitions-sweep", "1,2", "--tree-depths", "1", "--repeats", "2",
        "--block-rows-sweep", "1,64", "--growth-k", "3");
    assertEquals(0, run.exitCode(), run.toString());
    for (String name : StudyReport.OWN_NAMES) {
      assertTrue(Files.size(out.resolve(name)) > 0, name);
    }
    JsonNode json = new ObjectMapper().readTree(out.resolve(StudyReport.JSON).toFile());
    List<String> csv = Files.readAllLines(out.resolve(StudyReport.CSV));
    assertEquals(String.join(",", StudyReport.COLUMNS), csv.get(0));
    assertEquals(json.get("results").size() + 1, csv.size(), "one CSV line per configuration, as in the JSON");
    // 3 k × 2 cuts (normalisation) + 4 modes × (3 k + the n series: 18, 75, 300 and 1200 rows in 3 batches)
    // + 2 P × 1 depth × 2 aggregations × 2 repeats + 2 block sizes
    assertEquals(6 + 4 * 7 + 8 + 2, json.get("results").size());
    for (JsonNode row : json.get("results")) {
      String part = row.get("part").asText();
      int k = row.path("k").asInt();
      if (part.equals("normalisation")) {
        assertTrue(List.of(1, 2, 4).contains(k), "normalisation only for the k series: " + row);
        assertTrue(row.get("sum_then_divide_diff").asDouble() <= row.get("rounding_agreement").asDouble(), row.toString());
      }
      if (part.equals("precision")) {
        assertTrue(List.of(1, 2, 4).contains(k) ? row.get("rows").asLong() == 1200
            : k == 3 && List.of(18L, 75L, 300L, 1200L).contains(row.get("rows").asLong()), "k or n series: " + row);
        assertEquals(0, row.get("entries_over_bound").asInt(), row.toString());
      }
    }
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
    assertTrue(conclusions.contains("at k = 4 over all 1200 rows"), "the k series ends at the largest --micro-batches:\n"
        + conclusions);
    assertTrue(conclusions.contains("(reading the parquet input included)"), conclusions);
  }

  /**
   * The study's figures reproduce from the command its summary records (issue 20): run it, run the command
   * summary.md states, and every figure that does not measure time or depend on the order Spark's tasks finish
   * in is the same, to the last digit written. Left out: seconds, rows/s, bytes to the driver (Spark's task
   * metrics), bit-group numbers, and the spread of the treeAggregate passes (SPARK-15043).
   */
  @Test
  void theFiguresReproduceFromTheRecordedCommand() throws Exception {
    Path gen = dir.resolve("gen");
    assertEquals(0, CliRun.of("generate", "--rows", "600", "--dim", "3", "--out-dim", "2", "--targets", "-o",
        gen.toString(), "--quiet").exitCode());
    Path first = dir.resolve("first");
    CliRun run = CliRun.of("study", "accumulation", "--input", gen.toString(), "--output", first.toString(),
        "--micro-batches", "1,2,4", "--partitions-sweep", "1,2", "--tree-depths", "1", "--repeats", "2",
        "--block-rows-sweep", "1,64", "--growth-k", "2", "--quiet");
    assertEquals(0, run.exitCode(), run.toString());
    String summary = Files.readString(first.resolve(StudyReport.SUMMARY));
    java.util.regex.Matcher made = java.util.regex.Pattern.compile("Made by `scripts/adjoint (.*?)` on (\\d{4}-\\d\\d-\\d\\d) .*"
        + "at commit .*; .*\\d+ cores.*BLAS .*").matcher(summary);
    assertTrue(made.find(), "summary.md states its command, date, commit, cores and BLAS:\n" + summary);
    List<String> recorded = new ArrayList<>(List.of(made.group(1).split(" ")));
    Path second = dir.resolve("second");
    recorded.set(recorded.indexOf("--output") + 1, second.toString());
    CliRun again = CliRun.of(recorded.toArray(String[]::new));
    assertEquals(0, again.exitCode(), again.toString());
    List<String> a = deterministic(first.resolve(StudyReport.CSV));
    List<String> b = deterministic(second.resolve(StudyReport.CSV));
    assertTrue(a.size() >= 30, "rows compared: " + a.size());
    assertEquals(a, b);
  }

  private static final List<String> TIMED = List.of("seconds", "rows_per_s", "kernel_rows_per_s", "bytes_to_driver",
      "bit_group");

  /** results.csv without the cells that measure time or the order tasks finish in. */
  private static List<String> deterministic(Path csv) throws Exception {
    List<String> lines = Files.readAllLines(csv);
    List<String> header = List.of(lines.get(0).split(",", -1));
    List<String> out = new ArrayList<>();
    for (String line : lines.subList(1, lines.size())) {
      String[] cells = line.split(",", -1);
      boolean spark = cells[header.indexOf("aggregation")].equals("spark");
      StringBuilder kept = new StringBuilder();
      for (int i = 0; i < cells.length; i++) {
        String column = header.get(i);
        boolean orderDependent = spark && (column.equals("relative_diff") || column.equals("repeat_diff"));
        kept.append(TIMED.contains(column) || orderDependent ? "-" : cells[i]).append(',');
      }
      out.add(kept.toString());
    }
    return out;
  }

  @Test
  void aFailedWriteLeavesTheOldResults() throws Exception {
    Path out = dir.resolve("results");
    OutputDir old = OutputDir.prepare(new Configuration(), out.toString(), false, StudyReport.OWN_NAMES);
    old.replaceAll(files("old", StudyReport.CSV, StudyReport.JSON, StudyReport.SUMMARY));
    Files.writeString(out.resolve("notes.txt"), "mine");
    OutputDir again = OutputDir.prepare(new Configuration(), out.toString(), true, StudyReport.OWN_NAMES);
    Map<String, OutputDir.Writer> failing = files("new", StudyReport.CSV, StudyReport.JSON);
    failing.put(StudyReport.SUMMARY, s -> {
      s.write('x');
      throw new IOException("disk full");
    });
    assertThrows(IOException.class, () -> again.replaceAll(failing));
    for (String name : List.of(StudyReport.CSV, StudyReport.JSON, StudyReport.SUMMARY)) {
      assertEquals("old", Files.readString(out.resolve(name)), name + " is still the old one");
    }
    assertEquals(Set.of(StudyReport.CSV, StudyReport.JSON, StudyReport.SUMMARY, "notes.txt"), names(out),
        "no temporary file left");
    again.replaceAll(files("new", StudyReport.CSV, StudyReport.PLOT_SPREAD));
    assertEquals(Set.of(StudyReport.CSV, StudyReport.PLOT_SPREAD, "notes.txt"), names(out),
        "the new set replaces the old one whole; other files stay");
    assertEquals("new", Files.readString(out.resolve(StudyReport.CSV)));
    Path fresh = dir.resolve("fresh");
    OutputDir none = OutputDir.prepare(new Configuration(), fresh.toString(), false, StudyReport.OWN_NAMES);
    assertThrows(IOException.class, () -> none.replaceAll(failing));
    assertFalse(Files.exists(fresh), "a failed first write leaves no folder");
  }

  private static Map<String, OutputDir.Writer> files(String content, String... names) {
    Map<String, OutputDir.Writer> files = new LinkedHashMap<>();
    for (String name : names) {
      files.put(name, s -> s.write(content.getBytes(StandardCharsets.UTF_8)));
    }
    return files;
  }

  /** The files in a folder, but the local file system's .crc checksums beside each. */
  private static Set<String> names(Path folder) throws IOException {
    try (Stream<Path> list = Files.list(folder)) {
      return list.map(f -> f.getFileName().toString()).filter(n -> !n.endsWith(".crc")).collect(Collectors.toSet());
    }
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
    assertBad(CliRun.of("study", "accumulation", "--input", dir.toString(), "--output", out.toString(),
        "--growth-k", "0"), out, "--growth-k must be ≥ 1, got 0");
  }

  @Test
  void inputTheStudyCannotUseExitsWithTwoAndLeavesNoOutput() throws Exception {
    Path gen = dir.resolve("gen");
    assertEquals(0, CliRun.of("generate", "--rows", "20", "--dim", "3", "--out-dim", "2", "--targets", "-o",
        gen.toString()).exitCode());
    Path bare = dir.resolve("bare");
    assertEquals(0, CliRun.of("generate", "--rows", "20", "--dim", "3", "--out-dim", "2", "-o", bare.toString())
        .exitCode());
    String data = gen.resolve("data").toString();
    Path out = dir.resolve("out");
    assertBad(study(data, out, "--micro-batches", "1,21"), out, "--micro-batches 21 is more than the 20 rows of " + data);
    assertBad(study(data, out, "--micro-batches", "1,2", "--growth-k", "21"), out, "--growth-k 21 is more than the 20 rows of " + data);
    String bareData = bare.resolve("data").toString();
    assertBad(study(bareData, out, "--loss", "squared"), out, "--loss squared needs targets: " + bareData
        + " has no column 'targets'");
    Path w = dir.resolve("W.npy");
    try (OutputStream s = Files.newOutputStream(w)) {
      Npy.write(s, new int[] {5, 2}, new double[10]);
    }
    assertBad(study(data, out, "--weights", w.toString()), out, w + ": W has shape (5, 2) but X rows have 3 features");
    // d = m = 1000: ~200 micro-batch sums of 8 MB each per partial, far beyond the test JVM's user memory
    Path wide = dir.resolve("wide");
    assertEquals(0, CliRun.of("generate", "--rows", "64", "--dim", "1000", "--out-dim", "1000", "-o", wide.toString())
        .exitCode());
    assertBad(study(wide.resolve("data").toString(), out), out, "Use fewer or smaller --micro-batches");
  }

  private static CliRun study(String input, Path out, String... more) {
    List<String> args = new ArrayList<>(List.of("study", "accumulation", "--input", input, "--output", out.toString(),
        "--partitions", "1", "--tree-depths", "1", "--repeats", "1", "--block-rows-sweep", "8"));  // --partitions: the old spelling
    args.addAll(List.of(more));
    return CliRun.of(args.toArray(new String[0]));
  }

  private static void assertBad(CliRun run, Path out, String fact) {
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains(fact), "message names '" + fact + "':\n" + run);
    assertFalse(Files.exists(out), "no output folder after a failure");
  }
}
