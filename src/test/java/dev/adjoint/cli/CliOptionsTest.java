package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.study.StudyOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The options every command shares: one meaning per flag, the defaults that let a generated dataset run
 * with no extra flags, {@code -v} at any depth, the help's headings, and the study's renamed options.
 */
class CliOptionsTest {
  @TempDir
  static Path dir;
  /** {@code generate --targets}: data/ (features, targets), W.npy, b.npy. */
  static Path gen;
  /** {@code generate} without targets. */
  static Path bare;

  @BeforeAll
  static void generate() {
    gen = dir.resolve("gen");
    CliRun g = CliRun.of("generate", "--rows", "300", "--dim", "4", "--out-dim", "3", "--targets", "--files", "2",
        "--output", gen.toString());
    assertEquals(0, g.exitCode(), g.toString());
    assertTrue(g.out().contains("run it:  scripts/adjoint run --input " + gen.resolve("data") + " --id-col id --loss squared"),
        g.out());
    bare = dir.resolve("bare");
    CliRun b = CliRun.of("generate", "--rows", "300", "--dim", "4", "--out-dim", "3", "--output", bare.toString());
    assertEquals(0, b.exitCode(), b.toString());
  }

  @Test
  void generatedDataRunsTheSquaredLossWithNoTargetFlag() throws Exception {
    String data = gen.resolve("data").toString();
    String w = gen.resolve("W.npy").toString();
    String b = gen.resolve("b.npy").toString();
    byte[][] named = run("named", "--input", data, "--loss", "squared", "--target-col", "targets", "--weights", w,
        "--bias", b);
    assertArrayEquals(named[0], run("default-targets", "--input", data, "--loss", "squared", "--weights", w, "--bias", b)[0],
        "dW: the targets default to the column 'targets'");
    byte[][] noFlags = run("no-flags", "--input", data, "--loss", "squared");
    assertArrayEquals(named[0], noFlags[0], "dW: W.npy and b.npy are taken from beside data/");
    assertArrayEquals(named[1], noFlags[1], "db");
    assertArrayEquals(named[0], run("auto", "--input", data, "--loss", "auto", "--weights", w, "--bias", b)[0],
        "dW: --loss auto is squared when the targets are there");
  }

  @Test
  void theSumLossNeedsNoTargetsColumn() throws Exception {
    String data = bare.resolve("data").toString();
    byte[][] sum = run("bare-sum", "--input", data, "--loss", "sum");
    assertArrayEquals(sum[0], run("bare-auto", "--input", data, "--loss", "auto")[0], "auto without targets is the sum loss");
    CliRun squared = CliRun.of("run", "--input", data, "--loss", "squared");
    assertEquals(ExitCodes.BAD_INPUT, squared.exitCode(), squared.toString());
    assertTrue(squared.err().contains("needs targets"), squared.toString());
    // --out-dim asks for a random W: W.npy beside the input is then not used, as before
    CliRun random = CliRun.of("run", "--input", data, "--out-dim", "2", "--output", dir.resolve("bare-random").toString());
    assertEquals(0, random.exitCode(), random.toString());
    assertTrue(random.out().contains("m=2"), random.out());
  }

  @Test
  void verboseWorksAtAnyDepth() {
    String missing = dir.resolve("nope").toString();
    String out = dir.resolve("never").toString();
    for (String[] args : List.of(
        new String[] {"study", "accumulation", "-v", "--input", missing, "--output", out},
        new String[] {"study", "accumulation", "--input", missing, "--output", out, "--verbose"},
        new String[] {"-v", "study", "accumulation", "--input", missing, "--output", out},
        new String[] {"study", "-v", "accumulation", "--input", missing, "--output", out},
        new String[] {"run", "-v", "--input", missing, "--out-dim", "2"})) {
      CliRun run = CliRun.of(args);
      assertEquals(ExitCodes.BAD_INPUT, run.exitCode(), run.toString());
      assertTrue(run.err().contains("does not exist"), run.toString());
      assertTrue(run.err().contains("\tat "), "a stack trace with -v:\n" + run);
    }
    CliRun quiet = CliRun.of("study", "accumulation", "--input", missing, "--output", out);
    assertEquals(ExitCodes.BAD_INPUT, quiet.exitCode(), quiet.toString());
    assertFalse(quiet.err().contains("\tat "), "no stack trace without -v:\n" + quiet);
  }

  @Test
  void helpGroupsTheOptionsUnderHeadingsAndSharedFlagsReadTheSame() {
    String run = CliRun.of("run", "--help").out();
    String study = CliRun.of("study", "accumulation", "--help").out();
    for (String heading : List.of("Input:", "Layer:", "Output:", "Spark:", "Verification:")) {
      assertTrue(run.contains("\n" + heading + "\n"), heading + " in\n" + run);
    }
    for (String heading : List.of("Input:", "Layer:", "Output:", "Spark:", "Study:")) {
      assertTrue(study.contains("\n" + heading + "\n"), heading + " in\n" + study);
    }
    for (String heading : List.of("Dataset:", "Output:", "Spark:")) {
      assertTrue(CliRun.of("generate", "--help").out().contains("\n" + heading + "\n"), heading);
    }
    for (String flag : List.of("--seed=S ", "--target-col=NAME ", "--features-col=NAME ", "--weights=W.npy ",
        "--block-rows=R ", "--output=DIR ", "--master=URL ")) {
      assertEquals(helpOf(run, flag), helpOf(study, flag), flag + " reads the same in run and study");
    }
    assertTrue(helpOf(run, "--seed=S ").contains("Seed of the random W"), run);
    assertTrue(run.replaceAll("\\s+", " ").contains("Default: sum."), "run's --loss default");
    assertTrue(study.replaceAll("\\s+", " ").contains("Default: auto."), "the study's --loss default");
  }

  @Test
  void theStudysSeedSeedsWAndItsSampleHasItsOwnSeed() throws Exception {
    StudyOptions o = studyOptions("--seed", "7", "--sample-seed", "99", "--block-rows", "32", "--partitions-sweep", "1,3",
        "--block-rows-sweep", "8,16");
    assertEquals(7, o.initSeed(), "--seed seeds W, as in run");
    assertEquals(99, o.seed(), "--sample-seed seeds the sampled entries");
    assertEquals(32, o.blockRows(), "--block-rows is the block size of the passes, as in run");
    assertEquals(List.of(1, 3), o.partitions());
    assertEquals(List.of(8, 16), o.throughputBlockRows());
    StudyOptions defaults = studyOptions("--seed", "7");
    assertEquals(2024, defaults.seed(), "--seed no longer moves the sample");
    assertEquals(42, studyOptions().initSeed());
    assertEquals(0, defaults.blockRows());
  }

  @Test
  void theStudysOldSpellingsStillWorkWhereTheirMeaningIsKept() throws Exception {
    StudyOptions old = studyOptions("--init-seed", "5", "--study-block-rows", "64", "--partitions", "2,4");
    assertEquals(5, old.initSeed());
    assertEquals(64, old.blockRows());
    assertEquals(List.of(2, 4), old.partitions());
    // the old list meaning of --block-rows is gone: it now takes one value, as in run
    CliRun list = CliRun.of("study", "accumulation", "--input", gen.resolve("data").toString(), "--output",
        dir.resolve("never").toString(), "--block-rows", "1,64");
    assertEquals(ExitCodes.BAD_INPUT, list.exitCode(), list.toString());
    assertTrue(list.err().contains("--block-rows-sweep"), list.toString());
    assertFalse(Files.exists(dir.resolve("never")));
  }

  @Test
  void theStudyTakesWFromBesideTheDataUnlessOutDimAsksForARandomOne() throws Exception {
    StudyOptions beside = studyOptions();
    assertEquals(gen.resolve("W.npy").toString(), beside.weightsPath());
    assertEquals(gen.resolve("b.npy").toString(), beside.biasPath());
    StudyOptions random = studyOptions("--out-dim", "3");
    assertEquals(null, random.weightsPath());
  }

  /** The options {@code study accumulation} builds from {@code args}, on the generated dataset (no Spark job). */
  private static StudyOptions studyOptions(String... args) {
    List<String> all = new ArrayList<>(List.of("study", "accumulation", "--input", gen.resolve("data").toString(),
        "--output", dir.resolve("unused").toString()));
    all.addAll(List.of(args));
    CommandLine.ParseResult parsed = Main.commandLine().parseArgs(all.toArray(new String[0]));
    StudyCommand.Accumulation study = (StudyCommand.Accumulation) parsed.subcommand().subcommand().commandSpec().userObject();
    return study.options(new Configuration());
  }

  /** dW.npy and db.npy of {@code run args --verify none} written to a folder called {@code name}. */
  private static byte[][] run(String name, String... args) throws Exception {
    Path out = dir.resolve("runs").resolve(name);
    List<String> all = new ArrayList<>(List.of("run"));
    all.addAll(List.of(args));
    all.addAll(List.of("--verify", "none", "--output", out.toString()));
    CliRun run = CliRun.of(all.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run.toString());
    return new byte[][] {Files.readAllBytes(out.resolve("dW.npy")), Files.readAllBytes(out.resolve("db.npy"))};
  }

  /** The help text of {@code flag}: its line and the indented lines after it. */
  private static String helpOf(String help, String flag) {
    int at = help.indexOf(flag);
    assertTrue(at >= 0, flag + " in\n" + help);
    StringBuilder text = new StringBuilder(help.substring(at, help.indexOf('\n', at)).trim());
    int next = help.indexOf('\n', at) + 1;
    while (next < help.length() && help.startsWith("                             ", next)) {
      int end = help.indexOf('\n', next);
      text.append(' ').append(help.substring(next, end).trim());
      next = end + 1;
    }
    return text.toString();
  }
}
