package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.job.Progress;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Progress of a multi-second run, in a JVM of its own with stderr going to a file (not a terminal): a line
 * per phase, and plain progress lines whose row counts grow; none of it with --quiet. The interval between
 * lines is made short ({@value Progress#INTERVAL_PROPERTY}) so the run need not be long.
 */
class ProgressTest {
  private static final Pattern GRADIENT_PASS_ROWS =
      Pattern.compile("adjoint: \\[ *[0-9.]+ s\\] +forward \\+ backward.*: tasks (\\d+)/(\\d+), ([0-9,]+) rows, [0-9,]+ rows/s.*");

  @TempDir
  static Path dir;

  private static Path data;

  @BeforeAll
  static void generate() {
    data = dir.resolve("gen");
    CliRun g = CliRun.of("generate", "--rows", "400000", "--dim", "16", "--out-dim", "4", "--files", "40", "--seed", "3",
        "--output", data.toString(), "--quiet");
    assertEquals(0, g.exitCode(), g.toString());
  }

  /** One core and small input splits: about 40 tasks in a row, each a fraction of a second. */
  private static CliProcess.Finished run(String verify, String... extra) throws Exception {
    return run(List.of(), verify, extra);
  }

  private static CliProcess.Finished run(List<String> jvmFlags, String verify, String... extra) throws Exception {
    List<String> flags = new java.util.ArrayList<>(List.of("-D" + Progress.INTERVAL_PROPERTY + "=0.1",
        "-Dspark.sql.files.maxPartitionBytes=800000", "-Dspark.sql.files.openCostInBytes=0"));
    flags.addAll(jvmFlags);
    String[] args = {"run", "--master", "local[1]", "--input", data.resolve("data").toString(), "--verify", verify,
        "--output", dir.resolve("out-" + verify).toString()};
    String[] all = java.util.Arrays.copyOf(args, args.length + extra.length);
    System.arraycopy(extra, 0, all, args.length, extra.length);
    return CliProcess.run(dir, Map.of(), flags, 300, all);
  }

  @Test
  void aLongRunPrintsPhasesAndGrowingRowCountsAndNothingWithQuiet() throws Exception {
    // the full reference streams every row to the driver in jobs of its own: a phase after the gradient pass.
    // Its UI port is taken, so Spark warns (and takes the next): the warning goes to Spark's log file, not stderr
    CliProcess.Finished r;
    try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      r = run(List.of("-Dspark.ui.enabled=true", "-Dspark.ui.port=" + taken.getLocalPort()), "reference", "--reference", "full");
    }
    assertEquals(0, r.exitCode(), r.toString());
    assertFalse(r.err().contains("\r"), "plain lines, no carriage return, when stderr is not a terminal:\n" + r);
    assertFalse(r.err().lines().anyMatch(l -> l.matches("[0-9:-]+ [0-9:]* *(WARN|ERROR) .*") || l.contains(" WARN ")),
        "Spark's warnings go to its log file, not stderr:\n" + r);
    String log = java.nio.file.Files.readString(Path.of(System.getProperty("adjoint.log")));
    assertTrue(log.contains("could not bind on port"), "Spark's warning is in its log, " + System.getProperty("adjoint.log"));
    assertTrue(r.err().matches("(?s).*adjoint: \\[ *[0-9.]+ s\\] forward \\+ backward[^\\n]*\\n.*"), "phase line:\n" + r);
    assertTrue(r.err().contains("] verify: stream rows to the driver's reference"), "a line per check:\n" + r);
    assertTrue(r.err().contains("] writing results to "), "the writing phase:\n" + r);
    long[] rows = r.err().lines().map(GRADIENT_PASS_ROWS::matcher).filter(Matcher::matches)
        .mapToLong(m -> Long.parseLong(m.group(3).replace(",", ""))).toArray();
    System.out.println("progress lines of the gradient pass: " + rows.length + ", rows " + java.util.Arrays.toString(rows));
    assertTrue(rows.length >= 3, "several progress lines with rows:\n" + r);
    for (int i = 1; i < rows.length; i++) {
      assertTrue(rows[i] >= rows[i - 1], "row counts never go down: " + java.util.Arrays.toString(rows));
    }
    assertTrue(rows[rows.length - 1] > rows[0], "row counts grow: " + java.util.Arrays.toString(rows));
    assertTrue(rows[rows.length - 1] <= 400_000, "never more rows than the input holds");

    CliProcess.Finished quiet = run("none", "--quiet");
    assertEquals(0, quiet.exitCode(), quiet.toString());
    assertFalse(quiet.err().contains("adjoint: ["), "no progress with --quiet:\n" + quiet);
    assertEquals(r.out().lines().filter(l -> l.contains("L =")).toList(),
        quiet.out().lines().filter(l -> l.contains("L =")).toList(), "progress changes nothing printed on stdout");
  }
}
