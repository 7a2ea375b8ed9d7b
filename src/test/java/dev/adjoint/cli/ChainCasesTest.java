package dev.adjoint.cli;

import static dev.adjoint.kernel.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestSpark;
import dev.adjoint.data.Npy;
import dev.adjoint.job.NpyFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.AnnotatedElementContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.api.io.TempDirFactory;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Chains of dense layers against PyTorch: data/chain-cases was written by scripts/make-chain-cases.py with
 * nn.Sequential's float64 L, Y, dX and every layer's dW_l, db_l (autograd), for depths 1 to 4, each activation,
 * each loss at depth 3 and both reductions. Adjoint runs the same rows and must agree at 1e-12 normwise relative
 * ({@link dev.adjoint.kernel.Close#REL}, where that tolerance is derived) and pass every check.
 *
 * <p>Each run is a Spark job, so the cases are not crossed with every partition count: partitions are 1 or 7 by
 * the parity of (depth + activation + loss + reduction), so every depth and activation runs with both, and so
 * does every reduction. Depth 1 runs without {@code --activation} and writes dW.npy and db.npy as a single layer
 * always has. Warm, each case takes about 1 s (7 partitions about 1.4 s).
 */
class ChainCasesTest {
  private static final Path CASES = Path.of("data/chain-cases");
  private static final List<String> ACTIVATIONS = List.of("relu", "tanh", "sigmoid", "gelu");
  private static final List<String> REDUCTIONS = List.of("sum", "mean");
  private static final List<String> OTHER_LOSSES = List.of("ce-label", "logistic", "huber");

  /** The options that select each loss and its targets. */
  private static final Map<String, List<String>> LOSS_OPTIONS = Map.of(
      "squared", List.of("--loss", "squared", "--target-prefix", "t"),
      "ce-label", List.of("--loss", "cross-entropy", "--label-col", "label"),
      "logistic", List.of("--loss", "logistic", "--target-prefix", "p"),
      "huber", List.of("--loss", "huber", "--target-prefix", "t"));

  @TempDir
  Path dir;

  @TempDir(factory = UnderTmpdir.class)
  static Path shared;

  private static Path parquet;

  /** The same rows as Parquet with double columns (the columnar read path, the label a double), two files. */
  @BeforeAll
  static void writeParquet() {
    parquet = shared.resolve("rows.parquet");
    TestSpark.get().read().option("header", "true").option("inferSchema", "true").csv(CASES.resolve("X.csv").toString())
        .withColumn("label", functions.col("label").cast("double")).drop("id").coalesce(2).write()
        .parquet(parquet.toString());
  }

  /**
   * A class-wide temp dir is made before any test has started Spark, which is what otherwise creates
   * java.io.tmpdir (the build's target/tmp): this factory creates that directory first.
   */
  static final class UnderTmpdir implements TempDirFactory {
    @Override
    public Path createTempDirectory(AnnotatedElementContext element, ExtensionContext context) throws IOException {
      return Files.createTempDirectory(Files.createDirectories(Path.of(System.getProperty("java.io.tmpdir"))), "junit");
    }
  }

  /** One case: its fixture folder is d{depth}_{activation}_{loss}_{reduction}. */
  record Case(int depth, String activation, String loss, String reduction) {
    String folder() {
      return "d" + depth + "_" + activation + "_" + loss + "_" + reduction;
    }

    int partitions() {  // squared is loss 0, the others 1…3; depth 1's "none" is activation −1
      int k = depth + ACTIVATIONS.indexOf(activation) + OTHER_LOSSES.indexOf(loss) + 1 + REDUCTIONS.indexOf(reduction);
      return k % 2 == 0 ? 1 : 7;
    }

    @Override
    public String toString() {
      return folder() + " partitions=" + partitions();
    }
  }

  /** Every depth × activation × reduction with the squared loss (depth 1 has no activation). */
  static Stream<Arguments> squaredCases() {
    List<Arguments> out = new ArrayList<>();
    for (int depth = 1; depth <= 4; depth++) {
      for (String activation : depth == 1 ? List.of("none") : ACTIVATIONS) {
        for (String reduction : REDUCTIONS) {
          out.add(Arguments.of(new Case(depth, activation, "squared", reduction)));
        }
      }
    }
    return out.stream();
  }

  /** Depth 3 (a square middle layer) with relu and gelu: every other loss, both reductions. */
  static Stream<Arguments> otherLossCases() {
    List<Arguments> out = new ArrayList<>();
    for (String activation : List.of("relu", "gelu")) {
      for (String loss : OTHER_LOSSES) {
        for (String reduction : REDUCTIONS) {
          out.add(Arguments.of(new Case(3, activation, loss, reduction)));
        }
      }
    }
    return out.stream();
  }

  static Stream<Arguments> parquetCases() {
    return Stream.of(new Case(2, "tanh", "squared", "sum"), new Case(4, "gelu", "squared", "mean"),
        new Case(3, "relu", "ce-label", "sum"), new Case(3, "gelu", "logistic", "mean")).map(Arguments::of);
  }

  /** depth{D}/W0.npy,W1.npy,… (or b…) as one comma-separated option value. */
  private static String layerFiles(int depth, String prefix) {
    return String.join(",", IntStream.range(0, depth)
        .mapToObj(l -> CASES.resolve("depth" + depth).resolve(prefix + l + ".npy").toString()).toList());
  }

  private static List<String> runArgs(String input, Case c, Path out) {
    List<String> args = new ArrayList<>(List.of("run", "--input", input, "--feature-prefix", "x", "--weights",
        layerFiles(c.depth(), "W"), "--bias", layerFiles(c.depth(), "b"), "--reduction", c.reduction(), "--output",
        out.toString()));
    if (c.depth() > 1) {
      args.addAll(List.of("--activation", c.activation()));
    }
    args.addAll(LOSS_OPTIONS.get(c.loss()));
    return args;
  }

  private static CliRun run(List<String> args) {
    return CliRun.of(args.toArray(new String[0]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource({"squaredCases", "otherLossCases"})
  void matchesPyTorch(Case c) throws Exception {
    Path out = dir.resolve("out");
    List<String> args = runArgs(CASES.resolve("X.csv").toString(), c, out);
    args.addAll(List.of("--id-col", "id", "--partitions", Integer.toString(c.partitions()), "--block-rows", "16",
        "--write-activations"));
    CliRun run = run(args);
    assertGradientsAndLoss(c, run, out);
    assertActivations(c, out.resolve("activations"));
  }

  @ParameterizedTest(name = "{0} from Parquet")
  @MethodSource("parquetCases")
  void matchesPyTorchFromParquet(Case c) throws Exception {
    Path out = dir.resolve("out");
    CliRun run = run(runArgs(parquet.toString(), c, out));
    JsonNode report = assertGradientsAndLoss(c, run, out);
    assertEquals("columnar", report.at("/input/read_path").asText(), report.toPrettyString());
  }

  /** depth3/net.npz holds the same W0…W2, b0…b2 as numpy.savez writes them: the same results, no --bias. */
  @Test
  void readsTheChainFromAnNpz() throws Exception {
    Case c = new Case(3, "tanh", "squared", "sum");
    Path out = dir.resolve("out");
    List<String> args = new ArrayList<>(List.of("run", "--input", CASES.resolve("X.csv").toString(), "--feature-prefix",
        "x", "--id-col", "id", "--weights", CASES.resolve("depth3/net.npz").toString(), "--activation", c.activation(),
        "--reduction", c.reduction(), "--partitions", "3", "--block-rows", "16", "--output", out.toString(),
        "--write-activations"));
    args.addAll(LOSS_OPTIONS.get(c.loss()));
    assertGradientsAndLoss(c, run(args), out);
    assertActivations(c, out.resolve("activations"));
  }

  /**
   * Ws whose shapes do not connect, at the first joint and at a deeper one: exit 2, one line naming both layers
   * and both shapes, nothing written.
   */
  @Test
  void aChainWhoseShapesDoNotConnect() {
    Path depth2 = CASES.resolve("depth2");
    Path depth3 = CASES.resolve("depth3");
    Path depth4 = CASES.resolve("depth4");
    assertDoesNotConnect(List.of(depth2.resolve("W0.npy"), depth4.resolve("W3.npy")), "layer 0", "[6×5]", "layer 1",
        "[4×3]");
    assertDoesNotConnect(List.of(depth3.resolve("W0.npy"), depth3.resolve("W1.npy"), depth4.resolve("W3.npy")),
        "layer 1", "[5×5]", "layer 2", "[4×3]");
  }

  private void assertDoesNotConnect(List<Path> weights, String... facts) {
    Path out = dir.resolve("mismatch");
    CliRun run = CliRun.of("run", "--input", CASES.resolve("X.csv").toString(), "--feature-prefix", "x",
        "--target-prefix", "t", "--loss", "squared", "--activation", "relu", "--weights",
        String.join(",", weights.stream().map(Path::toString).toList()), "--output", out.toString());
    assertEquals(2, run.exitCode(), run.toString());
    List<String> errors = run.err().lines().filter(l -> l.startsWith("adjoint: error: ")).toList();
    assertEquals(1, errors.size(), "one error line:\n" + run);
    for (String fact : facts) {
      assertTrue(errors.get(0).contains(fact), "the message names '" + fact + "':\n" + run);
    }
    assertFalse(run.err().contains("\tat "), "no stack trace for a user's mistake:\n" + run);
    assertFalse(Files.exists(out), "nothing written after bad input: " + out);
  }

  /**
   * Exit 0, every check passed, and dW_l, db_l (dW.npy and db.npy for one layer) and L as PyTorch's.
   * Returns the report.
   */
  private static JsonNode assertGradientsAndLoss(Case c, CliRun run, Path out) throws IOException {
    assertEquals(0, run.exitCode(), run.toString());
    Path expected = CASES.resolve(c.folder());
    for (int l = 0; l < c.depth(); l++) {
      String suffix = c.depth() == 1 ? "" : Integer.toString(l);
      assertClose(npy(expected.resolve("dW" + l + ".npy")).data(), npy(out.resolve("dW" + suffix + ".npy")).data(),
          c + ": dW" + l);
      assertClose(npy(expected.resolve("db" + l + ".npy")).data(), npy(out.resolve("db" + suffix + ".npy")).data(),
          c + ": db" + l);
    }
    assertFalse(Files.exists(out.resolve("dW" + c.depth() + ".npy")), "no gradient beyond the last layer");
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertClose(npy(expected.resolve("loss.npy")).data()[0], report.at("/loss").asDouble(), c + ": L");
    assertEquals("pass", report.at("/verification/verdict").asText(), report.toPrettyString());
    assertTrue(run.out().contains("verified: every check passed"), run.out());
    return report;
  }

  /** Y and dX of every row as PyTorch's: the row with id i is row i of Y.npy and dX.npy. */
  private static void assertActivations(Case c, Path activations) throws IOException {
    Npy.Array y = npy(CASES.resolve(c.folder()).resolve("Y.npy"));
    Npy.Array dx = npy(CASES.resolve(c.folder()).resolve("dX.npy"));
    List<Row> rows = TestSpark.get().read().parquet(activations.toString())
        .selectExpr("CAST(id AS INT) AS id", "y", "dx").collectAsList();
    assertEquals(y.rows(), rows.size(), c + ": rows in " + activations);
    double[] gotY = new double[y.data().length];
    double[] gotDx = new double[dx.data().length];
    boolean[] seen = new boolean[y.rows()];
    for (Row row : rows) {
      int id = row.getInt(0);
      assertFalse(seen[id], c + ": id " + id + " twice");
      seen[id] = true;
      copyInto(row.getList(1), gotY, id, y.cols());
      copyInto(row.getList(2), gotDx, id, dx.cols());
    }
    assertClose(y.data(), gotY, c + ": Y");
    assertClose(dx.data(), gotDx, c + ": dX");
  }

  /** {@code values} (one row's {@code width} doubles) into row {@code i} of the row-major {@code flat}. */
  private static void copyInto(List<Double> values, double[] flat, int i, int width) {
    assertEquals(width, values.size(), "row " + i + "'s width");
    for (int j = 0; j < width; j++) {
      flat[i * width + j] = values.get(j);
    }
  }

  private static Npy.Array npy(Path path) throws IOException {
    return NpyFiles.read(path);
  }
}
