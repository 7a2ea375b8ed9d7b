package dev.adjoint.cli;

import dev.adjoint.blas.BlasCheck;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;

/**
 * {@code scripts/docs-run}: runs every command the docs show ({@link DocCommands}), at a reduced size, and fails
 * when one does not end as documented (exit 0 unless marked otherwise), for instance because an option it
 * shows no longer exists. {@code scripts/adjoint} commands run in this JVM, on one Spark session ({@code local[2]}),
 * since a JVM and a Spark start per command would take minutes; those with {@code NAME=value} settings in
 * front run through scripts/adjoint in a JVM of their own, as the settings need. {@code scripts/bench} commands
 * run with {@code --dry-run} (options checked, nothing timed). Other programs ({@code mvn}, {@code spark-submit},
 * {@code java}, {@code scripts/cluster}) must be marked skipped in the docs, with the reason; unmarked, they fail.
 *
 * <p>Arguments: the Markdown files. Each command's output goes to target/docs-run/logs/; outputs are moved below
 * target/docs-run/work/ ({@link DocCommands#reduced}). Exit 0 when every command ended as documented, else 1.
 */
public final class ExecutableDocs {
  private ExecutableDocs() {}

  /** The environment variable that caps every {@code --rows} the docs show (docs/testing.md). */
  static final String ROWS_VARIABLE = "ADJOINT_DOCS_ROWS";
  static final long DEFAULT_ROWS = 2000;
  /**
   * Settings that change how much memory a run gets, not what it does: a command with only these in front runs in
   * this JVM like the others (said in its line), which saves a JVM and a Spark start.
   */
  static final java.util.Set<String> IN_PROCESS_SETTINGS = java.util.Set.of("ADJOINT_DRIVER_MEMORY", "ADJOINT_EXECUTOR_MEMORY");

  public static void main(String[] files) throws Exception {
    long maxRows = Long.parseLong(System.getenv().getOrDefault(ROWS_VARIABLE, Long.toString(DEFAULT_ROWS)));
    Path root = Path.of(System.getProperty("adjoint.home", ".")).toAbsolutePath().normalize();
    Path scratch = root.resolve("target/docs-run/work");
    Path logs = root.resolve("target/docs-run/logs");
    deleteTree(scratch);
    deleteTree(logs);
    Files.createDirectories(logs);
    List<DocCommands> commands = new ArrayList<>();
    for (String f : files) {
      commands.addAll(DocCommands.parse(f, Files.readString(root.resolve(f), StandardCharsets.UTF_8)));
    }
    PrintStream say = System.out;
    say.printf(Locale.ROOT, "docs-run: %d commands in %d files, --rows at most %d (%s)%n", commands.size(), files.length,
        maxRows, ROWS_VARIABLE);
    SparkSession.builder().master("local[2]").appName("adjoint-docs").getOrCreate();
    Map<String, String> moved = new LinkedHashMap<>();
    int failed = 0;
    int skipped = 0;
    long start = System.nanoTime();
    for (int i = 0; i < commands.size(); i++) {
      DocCommands c = commands.get(i);
      if (c.skipReason() != null) {
        skipped++;
        say.printf(Locale.ROOT, "  skip  %-24s %s  (marked: %s)%n", c.where(), c.shown(), c.skipReason());
        continue;
      }
      List<String> args = DocCommands.reduced(c.args(), maxRows, scratch.toString(), moved);
      Path log = logs.resolve(String.format(Locale.ROOT, "%02d-%s.txt", i + 1, c.program().replace('/', '-')));
      long t0 = System.nanoTime();
      Integer exit = run(c, args, root, log);
      double seconds = (System.nanoTime() - t0) / 1e9;
      boolean ok = exit != null && exit == c.expectedExit();
      failed += ok ? 0 : 1;
      say.printf(Locale.ROOT, "  %-5s %-24s %s%s  → %s in %.1f s%n", ok ? "ok" : "FAIL", c.where(), c.shown(),
          (args.equals(c.args()) ? "" : "  (ran: " + String.join(" ", args) + ")")
              + (c.env().isEmpty() || !c.program().equals("scripts/adjoint") || c.env().stream().anyMatch(
                  e -> !IN_PROCESS_SETTINGS.contains(e.substring(0, e.indexOf('=')))) ? "" : "  (in this JVM: " + c.env()
                  + " not applied)"),
          exit == null ? "cannot run (mark it skipped, with the reason)" : "exit " + exit
              + (ok ? "" : ", documented " + c.expectedExit()), seconds);
      if (!ok) {
        List<String> tail = Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : List.of();
        tail.subList(0, Math.max(0, tail.size() - 15)).clear();
        tail.forEach(l -> say.println("        | " + l));
      }
    }
    say.printf(Locale.ROOT, "docs-run: %d run, %d skipped as marked, %d failed, %.0f s%n", commands.size() - skipped,
        skipped, failed, (System.nanoTime() - start) / 1e9);
    SparkSession.active().stop();
    System.exit(failed == 0 ? 0 : 1);
  }

  /** Runs {@code c} with {@code args}; its exit code, or null for a program this runner does not run. */
  private static Integer run(DocCommands c, List<String> args, Path root, Path log) throws Exception {
    switch (c.program()) {
      case "scripts/adjoint" -> {
        if (c.env().stream().anyMatch(e -> !IN_PROCESS_SETTINGS.contains(e.substring(0, e.indexOf('='))))) {
          return process(root, c.env(), "scripts/adjoint", args, log);
        }
        return inProcess(args, log);
      }
      case "scripts/bench" -> {
        List<String> dry = new ArrayList<>(args);
        dry.add("--dry-run");
        return process(root, c.env(), "scripts/bench", dry, log);
      }
      default -> {
        return null;
      }
    }
  }

  /** {@code adjoint ARGS} in this JVM (as {@link CliRun} does), its output to {@code log}. */
  private static int inProcess(List<String> args, Path log) throws Exception {
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream both = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    try {
      System.setOut(both);
      System.setErr(both);
      if (!args.isEmpty() && args.get(0).equals("blas")) {
        BlasCheck.main(args.subList(1, args.size()).toArray(String[]::new));
        return 0;
      }
      return Main.execute(args.toArray(String[]::new));
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
      Files.write(log, bytes.toByteArray());
    }
  }

  private static int process(Path root, List<String> env, String program, List<String> args, Path log) throws Exception {
    List<String> command = new ArrayList<>(List.of(root.resolve(program).toString()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).directory(root.toFile()).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    for (String setting : env) {
      int eq = setting.indexOf('=');
      pb.environment().put(setting.substring(0, eq), setting.substring(eq + 1));
    }
    Process p = pb.start();
    if (!p.waitFor(600, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor();
      return -1;
    }
    return p.exitValue();
  }

  private static void deleteTree(Path dir) throws IOException {
    if (Files.exists(dir)) {
      try (Stream<Path> all = Files.walk(dir)) {
        for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
          Files.delete(p);
        }
      }
    }
  }
}
