package dev.adjoint.cli;

import static dev.adjoint.kernel.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestSpark;
import dev.adjoint.data.Npy;
import dev.adjoint.job.NpyFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The command line, end to end: files in, files and a summary out, exit codes. */
class RunCommandTest {
  @TempDir
  Path dir;

  @Test
  void noArgumentsRunsTheGoldenCaseAndPrintsIt() throws Exception {
    Path out = dir.resolve("golden");
    CliRun run = CliRun.of("run", "--output", out.toString());
    assertEquals(0, run.exitCode(), run.toString());
    // Exact: every value is a small binary fraction.
    assertArrayEquals(new double[] {2, 2, 2, 2}, NpyFiles.read(out.resolve("dW.npy")).data(), 0.0);
    assertArrayEquals(new int[] {2, 2}, NpyFiles.read(out.resolve("dW.npy")).shape());
    assertArrayEquals(new double[] {3, 3}, NpyFiles.read(out.resolve("db.npy")).data(), 0.0);
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(3, report.at("/shapes/n").asLong());
    assertEquals(5.5, report.at("/loss").asDouble(), 0.0);
    assertTrue(report.at("/blas/implementation").asText().startsWith("dev.ludovic.netlib.blas."), report.toString());
    // Y rows, then dX rows, keyed by id; the loss.
    for (String line : List.of("0 2.5 -1", "1 -0.5 1", "2 1.5 2", "0 3 2", "2 3 2", "L = 5.5")) {
      assertTrue(run.out().replaceAll(" +", " ").contains(line), "summary shows '" + line + "':\n" + run.out());
    }
  }

  /** data/numpy-case was written by scripts/make-numpy-case.py with NumPy's float64 results beside it. */
  @ParameterizedTest
  @CsvSource({"sum,1", "sum,7", "squared,1", "squared,7"})
  void matchesNumPyOnItsOwnCase(String loss, int partitions) throws Exception {
    Path npCase = Path.of("data/numpy-case");
    Path out = dir.resolve(loss + partitions);
    CliRun run = CliRun.of("run", "--input", npCase.resolve("X.csv").toString(), "--feature-prefix", "x",
        "--target-prefix", "t", "--id-col", "id", "--weights", npCase.resolve("W.npy").toString(), "--bias",
        npCase.resolve("b.npy").toString(), "--loss", loss, "--partitions", Integer.toString(partitions), "--block-rows",
        "16", "--output", out.toString(), "--write-activations");
    assertEquals(0, run.exitCode(), run.toString());
    assertClose(NpyFiles.read(npCase.resolve("dW_" + loss + ".npy")).data(), NpyFiles.read(out.resolve("dW.npy")).data(), "dW");
    assertClose(NpyFiles.read(npCase.resolve("db_" + loss + ".npy")).data(), NpyFiles.read(out.resolve("db.npy")).data(), "db");
    double loss0 = NpyFiles.read(npCase.resolve("loss_" + loss + ".npy")).data()[0];
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertClose(loss0, report.at("/loss").asDouble(), "L");
    // the driver's verification ran every check, and each passed
    assertEquals("pass", report.at("/verification/verdict").asText(), report.toPrettyString());
    java.util.Set<String> names = new java.util.TreeSet<>();
    for (JsonNode c : report.at("/verification/checks")) {
      names.add(c.get("check").asText());
      assertEquals("pass", c.get("verdict").asText(), c.toString());
      assertTrue(c.get("error").asDouble() <= c.get("tolerance").asDouble(), c.toString());
    }
    assertEquals(java.util.Set.of("reference", "finite-difference", "directional", "freivalds"), names);
    assertTrue(run.out().contains("verified: every check passed"), run.out());

    List<Row> acts = TestSpark.get().read().parquet(out.resolve("activations").toString())
        .orderBy(org.apache.spark.sql.functions.col("id").cast("long")).collectAsList();  // CSV ids are text
    Npy.Array y = NpyFiles.read(npCase.resolve("Y.npy"));
    Npy.Array dx = NpyFiles.read(npCase.resolve("dX_" + loss + ".npy"));
    assertEquals(y.rows(), acts.size());
    double[] gotY = new double[y.data().length];
    double[] gotDx = new double[dx.data().length];
    for (int i = 0; i < acts.size(); i++) {
      Row r = acts.get(i);
      assertEquals(i, Integer.parseInt(r.get(0).toString()), "activations keyed by id");
      for (int j = 0; j < y.cols(); j++) {
        gotY[i * y.cols() + j] = r.<Double>getList(1).get(j);
      }
      for (int k = 0; k < dx.cols(); k++) {
        gotDx[i * dx.cols() + k] = r.<Double>getList(2).get(k);
      }
    }
    assertClose(y.data(), gotY, "Y");
    assertClose(dx.data(), gotDx, "dX");
  }

  @Test
  void verifyNoneSkipsTheChecksAndSelectedChecksRunAlone() throws Exception {
    CliRun none = CliRun.of("run", "--verify", "none", "--output", dir.resolve("none").toString());
    assertEquals(0, none.exitCode(), none.toString());
    JsonNode r = new ObjectMapper().readTree(dir.resolve("none/report.json").toFile());
    assertEquals("not run", r.at("/verification/verdict").asText());
    CliRun one = CliRun.of("run", "--verify", "freivalds", "--output", dir.resolve("one").toString());
    assertEquals(0, one.exitCode(), one.toString());
    JsonNode r1 = new ObjectMapper().readTree(dir.resolve("one/report.json").toFile());
    assertEquals("[\"freivalds\"]", r1.at("/verification/ran").toString());
  }

  @Test
  void float32InputWithFloat32ProductsPassesEveryCheck() throws Exception {
    java.util.Random rng = new java.util.Random(4);
    int n = 300;
    int d = 7;
    int m = 3;
    double[] x = dev.adjoint.kernel.Close.random(rng, n * d);
    double[] t = dev.adjoint.kernel.Close.random(rng, n * m);
    dev.adjoint.data.TableSpec spec = dev.adjoint.data.TestTables.write(TestSpark.get(), dir.resolve("in"),
        dev.adjoint.data.TestTables.Layout.ARRAY_FLOAT, x, t, n, d, m);
    Path out = dir.resolve("f32");
    CliRun run = CliRun.of("run", "--input", spec.path(), "--features-col", "features", "--target-col", "targets",
        "--out-dim", "3", "--loss", "squared", "--precision", "float32", "--partitions", "3", "--output", out.toString());
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals("float32", report.at("/precision").asText());
    assertEquals("pass", report.at("/verification/verdict").asText(), report.toPrettyString());
    for (JsonNode c : report.at("/verification/checks")) {
      if (c.get("check").asText().equals("reference") && c.get("compared").asText().equals("dW")) {
        // float32 products: an error well above float64 rounding, within a float32-scaled tolerance
        assertTrue(c.get("error").asDouble() > 1e-12, c.toString());
        assertTrue(c.get("tolerance").asDouble() > 1e-7 && c.get("tolerance").asDouble() < 1e-2, c.toString());
      }
    }
  }

  @Test
  void selftestCatchesEveryPlantedBug() {
    CliRun run = CliRun.of("selftest");
    assertEquals(0, run.exitCode(), run.toString());
    assertTrue(run.out().contains("every planted bug is caught"), run.out());
    assertTrue(run.out().contains("one partition counted twice"), run.out());
  }

  @Test
  void twoRunsWriteTheSameDwBitForBit() throws Exception {
    String[] args = {"run", "--input", "data/parquet-case", "--features-col", "features", "--target-col", "targets",
        "--weights", "data/numpy-case/W.npy", "--bias", "data/numpy-case/b.npy", "--loss", "squared",
        "--partitions", "7", "--block-rows", "5", "--verify", "none"};
    java.util.List<String> hashes = new java.util.ArrayList<>();
    for (String name : new String[] {"first", "second"}) {
      String[] withOut = java.util.Arrays.copyOf(args, args.length + 2);
      withOut[args.length] = "--output";
      withOut[args.length + 1] = dir.resolve(name).toString();
      CliRun run = CliRun.of(withOut);
      assertEquals(0, run.exitCode(), run.toString());
      byte[] digest = java.security.MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(dir.resolve(name + "/dW.npy")));
      hashes.add(java.util.HexFormat.of().formatHex(digest));
    }
    assertEquals(hashes.get(0), hashes.get(1), "SHA-256 of dW.npy");
  }

  @Test
  void meanReductionDividesOnceByN() throws Exception {
    Path out = dir.resolve("mean");
    CliRun run = CliRun.of("run", "--reduction", "mean", "--output", out.toString());
    assertEquals(0, run.exitCode(), run.toString());
    // golden dW = [[2,2],[2,2]] over n = 3 rows
    assertArrayEquals(new double[] {2.0 / 3, 2.0 / 3, 2.0 / 3, 2.0 / 3}, NpyFiles.read(out.resolve("dW.npy")).data(),
        Math.ulp(1.0));
  }

  @Test
  void randomInitWritesTheWeightsItUsed() throws Exception {
    Path out = dir.resolve("random");
    CliRun run = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--out-dim", "4",
        "--seed", "5", "--output", out.toString());
    assertEquals(0, run.exitCode(), run.toString());
    assertArrayEquals(new int[] {5, 4}, NpyFiles.read(out.resolve("W.npy")).shape());
    assertArrayEquals(new int[] {5, 4}, NpyFiles.read(out.resolve("dW.npy")).shape());
    CliRun again = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--out-dim", "4",
        "--seed", "5", "--output", dir.resolve("again").toString());
    assertEquals(0, again.exitCode(), again.toString());
    assertArrayEquals(NpyFiles.read(out.resolve("W.npy")).data(), NpyFiles.read(dir.resolve("again/W.npy")).data(), 0.0,
        "same seed, same W");
  }

  @Test
  void usageMistakesExitTwoWithAMessage() {
    CliRun unknown = CliRun.of("run", "--no-such-option");
    assertEquals(2, unknown.exitCode(), unknown.toString());
    assertTrue(unknown.err().contains("--no-such-option"), unknown.toString());

    CliRun both = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-cols", "x0,x1", "--feature-prefix", "x");
    assertEquals(2, both.exitCode(), both.toString());
    assertTrue(both.err().contains("exclude each other"), both.toString());

    CliRun badLoss = CliRun.of("run", "--loss", "hinge");
    assertEquals(2, badLoss.exitCode(), badLoss.toString());
    assertTrue(badLoss.err().contains("--loss") && badLoss.err().contains("hinge"), badLoss.toString());

    CliRun badCheck = CliRun.of("run", "--verify", "reference,magic");
    assertEquals(2, badCheck.exitCode(), badCheck.toString());
    assertTrue(badCheck.err().contains("'magic'"), badCheck.toString());

    CliRun help = CliRun.of("run", "--help");
    assertEquals(0, help.exitCode());
    assertTrue(help.out().contains("--feature-prefix"), help.out());
  }

  @Test
  void badInputExitsTwoNamingWhatIsWrong() throws Exception {
    CliRun noColumn = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-cols", "x0,nope", "--out-dim", "2");
    assertEquals(2, noColumn.exitCode(), noColumn.toString());
    assertTrue(noColumn.err().contains("'nope'") && noColumn.err().contains("X.csv"), noColumn.toString());

    CliRun wrongW = CliRun.of("run", "--input", "data/numpy-case/X.csv", "--feature-prefix", "x", "--weights",
        "data/golden/W.npy");
    assertEquals(2, wrongW.exitCode(), wrongW.toString());
    assertTrue(wrongW.err().contains("(2, 2)") && wrongW.err().contains("5 features"), wrongW.toString());

    CliRun noTargets = CliRun.of("run", "--loss", "squared");
    assertEquals(2, noTargets.exitCode(), noTargets.toString());
    assertTrue(noTargets.err().contains("needs targets"), noTargets.toString());

    Path taken = Files.createDirectories(dir.resolve("taken"));
    Files.writeString(taken.resolve("keep.txt"), "mine");
    CliRun exists = CliRun.of("run", "--output", taken.toString());
    assertEquals(2, exists.exitCode(), exists.toString());
    assertTrue(exists.err().contains("--overwrite"), exists.toString());
    assertFalse(Files.exists(taken.resolve("dW.npy")));

    CliRun overwrite = CliRun.of("run", "--output", taken.toString(), "--overwrite");
    assertEquals(0, overwrite.exitCode(), overwrite.toString());
    assertTrue(Files.exists(taken.resolve("dW.npy")));
    assertEquals("mine", Files.readString(taken.resolve("keep.txt")), "--overwrite touches only its own results");
  }

  @Test
  void raggedRowIsBadInputNamingTheRowAndBothLengths() throws Exception {
    Path csv = dir.resolve("ragged.parquet");
    TestSpark.get().sql("SELECT id, IF(id = 6, array(1.0D, 2.0D), array(1.0D, 2.0D, 3.0D)) AS features FROM range(10)")
        .coalesce(1).write().parquet(csv.toString());
    CliRun run = CliRun.of("run", "--input", csv.toString(), "--out-dim", "2", "--output", dir.resolve("o").toString());
    assertEquals(2, run.exitCode(), run.toString());
    assertTrue(run.err().contains("row 6") && run.err().contains("length 2") && run.err().contains("expected 3"),
        run.toString());
    assertTrue(run.err().contains("ragged.parquet/part-"), "names the file:\n" + run);
    assertFalse(Files.exists(dir.resolve("o/dW.npy")), "no result left behind");
  }
}
