package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.job.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The traps a new user fell into (issue 20), each closed: generate's suggested command saves its results;
 * targets a loss does not use are said once; {@code --input} takes a generated folder or its data/; usage
 * mistakes are said before Spark starts, in one line and a hint, not the whole usage.
 */
class NewcomerTrapsTest {
  @TempDir
  Path dir;

  /** The seconds a usage mistake may take in a JVM of its own: a JVM's start and picocli, far below Spark's start. */
  private static final double USAGE_SECONDS = 5.0;

  private Path generated() {
    Path gen = dir.resolve("gen");
    CliRun g = CliRun.of("generate", "--rows", "300", "--dim", "3", "--out-dim", "2", "--targets", "--seed", "7",
        "--output", gen.toString(), "--quiet");
    assertEquals(0, g.exitCode(), g.toString());
    return gen;
  }

  @Test
  void generatesSuggestedCommandSavesItsResults() throws Exception {
    Path gen = dir.resolve("gen");
    CliRun g = CliRun.of("generate", "--rows", "300", "--dim", "3", "--out-dim", "2", "--targets", "--output",
        gen.toString(), "--quiet");
    assertEquals(0, g.exitCode(), g.toString());
    Matcher m = Pattern.compile("run it:  scripts/adjoint (run .*)").matcher(g.out());
    assertTrue(m.find(), g.out());
    List<String> suggested = Arrays.asList(m.group(1).trim().split(" +"));
    assertTrue(suggested.contains("--output"), suggested.toString());
    CliRun run = CliRun.of(suggested.toArray(String[]::new));
    assertEquals(0, run.exitCode(), run.toString());
    Path out = Path.of(suggested.get(suggested.indexOf("--output") + 1));
    assertEquals(gen + "-run", out.toString());
    assertTrue(Files.isRegularFile(out.resolve("dW.npy")), "the suggested run saved dW.npy in " + out);
  }

  @Test
  void targetsTheSumLossDoesNotUseAreSaidOnce() {
    Path gen = generated();
    CliRun sum = CliRun.of("run", "--input", gen.resolve("data").toString(), "--loss", "sum", "--verify", "none");
    assertEquals(0, sum.exitCode(), sum.toString());
    long notes = sum.err().lines().filter(l -> l.contains("does not use")).count();
    assertEquals(1, notes, sum.toString());
    assertTrue(sum.err().contains("--loss sum"), sum.toString());
    assertFalse(sum.out().contains("targets from"), "the summary says targets were read:\n" + sum);

    CliRun named = CliRun.of("run", "--input", gen.resolve("data").toString(), "--loss", "sum", "--target-col", "targets",
        "--verify", "none");
    assertEquals(0, named.exitCode(), named.toString());
    assertEquals(1, named.err().lines().filter(l -> l.contains("does not use")).count(), named.toString());

    CliRun squared = CliRun.of("run", "--input", gen.resolve("data").toString(), "--loss", "squared", "--verify", "none");
    assertEquals(0, squared.exitCode(), squared.toString());
    assertFalse(squared.err().contains("does not use"), squared.toString());
  }

  @Test
  void inputTakesTheGeneratedFolderOrItsData() throws Exception {
    Path gen = generated();
    for (String cmd : List.of("folder", "data")) {
      String input = cmd.equals("folder") ? gen.toString() : gen.resolve("data").toString();
      CliRun run = CliRun.of("run", "--input", input, "--loss", "squared", "--verify", "none", "--output",
          dir.resolve("run-" + cmd).toString());
      assertEquals(0, run.exitCode(), run.toString());
      assertTrue(run.err().contains("W from " + gen.resolve("W.npy")), "W found beside data/:\n" + run);
    }
    assertArrayEquals(NpyFiles.read(dir.resolve("run-data/dW.npy")).data(),
        NpyFiles.read(dir.resolve("run-folder/dW.npy")).data(), 0.0);
    CliRun convert = CliRun.of("convert", "--input", gen.toString(), "--output", dir.resolve("conv").toString(), "--quiet");
    assertEquals(0, convert.exitCode(), convert.toString());
    CliRun study = CliRun.of("study", "accumulation", "--input", gen.toString(), "--output", dir.resolve("study").toString(),
        "--micro-batches", "1,2", "--partitions-sweep", "1", "--tree-depths", "1", "--repeats", "1", "--block-rows-sweep",
        "64", "--growth-k", "2", "--quiet");
    assertEquals(0, study.exitCode(), study.toString());
  }

  @Test
  void aBadOptionValueIsOneLineAndAHint() {
    CliRun bad = CliRun.of("run", "--loss", "hinge");
    assertEquals(2, bad.exitCode(), bad.toString());
    assertEquals(List.of("adjoint: error: invalid value for --loss: 'hinge' (expected auto, sum, squared, cross-entropy, logistic or huber)",
        "see adjoint run --help"), bad.err().lines().toList());
    CliRun typo = CliRun.of("study", "accumulation", "--micro-batch", "4");
    assertEquals(2, typo.exitCode(), typo.toString());
    assertFalse(typo.err().contains("Usage:"), typo.toString());
    assertTrue(typo.err().strip().endsWith("see adjoint study accumulation --help"), typo.toString());
    assertTrue(typo.err().lines().count() <= 4, "error, suggestions and the hint only:\n" + typo);
  }

  @Test
  void usageMistakesAreSaidBeforeSparkStarts() throws Exception {
    List<List<String>> mistakes = List.of(
        List.of("run", "--loss", "squared"),
        List.of("run", "--input", "data/numpy-case/X.csv", "--feature-cols", "x0", "--feature-prefix", "x"),
        List.of("run", "--tree-depth", "0"),
        List.of("run", "--write-activations"),
        List.of("run", "--input", "data/golden/X.csv", "--feature-prefix", "x", "--loss", "squared", "--out-dim", "2"),
        List.of("run", "--input", "data/chain-cases/X.csv", "--feature-prefix", "x", "--layers", "6,5,3", "--weights",
            "x.npy"),
        List.of("generate", "--rows", "0", "--dim", "2", "--out-dim", "2", "-o", dir.resolve("g").toString()),
        List.of("study", "accumulation", "--input", "data/parquet-case", "--output", dir.resolve("s").toString(),
            "--micro-batches", "0"),
        List.of("convert", "--input", "data/parquet-case"));
    for (List<String> args : mistakes) {
      CliProcess.Finished r = CliProcess.run(dir, Map.of(), List.of(), 60, args.toArray(String[]::new));
      assertEquals(2, r.exitCode(), args + ": " + r);
      assertTrue(r.seconds() < USAGE_SECONDS, args + " took " + r.seconds() + " s: Spark started first?\n" + r);
      assertFalse(r.err().contains("Spark UI") || r.err().matches("(?s).*\\b(WARN|ERROR|INFO)\\b.*"),
          args + ": Spark spoke before the usage error:\n" + r);
      assertTrue(r.err().startsWith("adjoint: error: ") && r.err().strip().endsWith("--help"), args + ": " + r);
    }
  }
}
