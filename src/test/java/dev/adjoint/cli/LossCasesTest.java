package dev.adjoint.cli;

import static dev.adjoint.kernel.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestSpark;
import dev.adjoint.data.Npy;
import dev.adjoint.job.NpyFiles;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.sql.Row;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The nonlinear losses against PyTorch: data/loss-cases was written by scripts/make-loss-cases.py with
 * PyTorch's float64 L, dW, db and dX (autograd) for each loss and reduction. Adjoint runs the same rows from
 * CSV in 1 and 7 partitions and must agree at 1e-12 normwise relative ({@link dev.adjoint.kernel.Close#REL},
 * where that tolerance is derived) in L, dW, db, and Y and dX of every row — and pass every check.
 */
class LossCasesTest {
  private static final Path CASE = Path.of("data/loss-cases");

  @TempDir
  Path dir;

  static Stream<Arguments> cases() {
    List<Arguments> out = new ArrayList<>();
    for (String loss : new String[] {"ce-label", "ce-prob", "logistic", "huber", "huber-0.5"}) {
      for (String reduction : new String[] {"sum", "mean"}) {
        for (int partitions : new int[] {1, 7}) {
          out.add(Arguments.of(loss, reduction, partitions));
        }
      }
    }
    return out.stream();
  }

  /** The options that select each case's loss and targets. */
  private static List<String> lossOptions(String name) {
    return switch (name) {
      case "ce-label" -> List.of("--loss", "cross-entropy", "--label-col", "label");
      case "ce-prob" -> List.of("--loss", "cross-entropy", "--target-prefix", "p");
      case "logistic" -> List.of("--loss", "logistic", "--target-prefix", "p");
      case "huber" -> List.of("--loss", "huber", "--target-prefix", "r");
      case "huber-0.5" -> List.of("--loss", "huber", "--huber-delta", "0.5", "--target-prefix", "r");
      default -> throw new IllegalArgumentException(name);
    };
  }

  @ParameterizedTest(name = "{0} {1} partitions={2}")
  @MethodSource("cases")
  void matchesPyTorch(String loss, String reduction, int partitions) throws Exception {
    Path out = dir.resolve("out");
    List<String> args = new ArrayList<>(List.of("run", "--input", CASE.resolve("X.csv").toString(), "--feature-prefix",
        "x", "--id-col", "id", "--weights", CASE.resolve("W.npy").toString(), "--bias", CASE.resolve("b.npy").toString(),
        "--reduction", reduction, "--partitions", Integer.toString(partitions), "--block-rows", "16", "--output",
        out.toString(), "--write-activations"));
    args.addAll(lossOptions(loss));
    CliRun run = CliRun.of(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run.toString());
    String tag = loss + "_" + reduction;
    assertClose(NpyFiles.read(CASE.resolve("dW_" + tag + ".npy")).data(), NpyFiles.read(out.resolve("dW.npy")).data(), "dW");
    assertClose(NpyFiles.read(CASE.resolve("db_" + tag + ".npy")).data(), NpyFiles.read(out.resolve("db.npy")).data(), "db");
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertClose(NpyFiles.read(CASE.resolve("loss_" + tag + ".npy")).data()[0], report.at("/loss").asDouble(), "L");
    assertEquals("pass", report.at("/verification/verdict").asText(), report.toPrettyString());
    assertTrue(run.out().contains("verified: every check passed"), run.out());

    List<Row> acts = TestSpark.get().read().parquet(out.resolve("activations").toString())
        .orderBy(org.apache.spark.sql.functions.col("id").cast("long")).collectAsList();
    Npy.Array y = NpyFiles.read(CASE.resolve("Y.npy"));
    Npy.Array dx = NpyFiles.read(CASE.resolve("dX_" + tag + ".npy"));
    assertEquals(y.rows(), acts.size());
    double[] gotY = new double[y.data().length];
    double[] gotDx = new double[dx.data().length];
    for (int i = 0; i < acts.size(); i++) {
      Row r = acts.get(i);
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

  /**
   * The same rows as Parquet with double columns (the columnar read path, the label a double), each loss with
   * the sum reduction, two files read as two partitions: the same agreement with PyTorch.
   */
  @ParameterizedTest(name = "{0} from Parquet")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"ce-label", "ce-prob", "logistic", "huber", "huber-0.5"})
  void matchesPyTorchFromParquet(String loss) throws Exception {
    Path parquet = dir.resolve("rows.parquet");
    TestSpark.get().read().option("header", "true").option("inferSchema", "true").csv(CASE.resolve("X.csv").toString())
        .selectExpr("*", "CAST(label AS DOUBLE) AS label_d").drop("label", "id").withColumnRenamed("label_d", "label")
        .coalesce(2).write().parquet(parquet.toString());
    Path out = dir.resolve("out");
    List<String> args = new ArrayList<>(List.of("run", "--input", parquet.toString(), "--feature-prefix", "x", "--weights",
        CASE.resolve("W.npy").toString(), "--bias", CASE.resolve("b.npy").toString(), "--output", out.toString()));
    args.addAll(lossOptions(loss));
    CliRun run = CliRun.of(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run.toString());
    String tag = loss + "_sum";
    assertClose(NpyFiles.read(CASE.resolve("dW_" + tag + ".npy")).data(), NpyFiles.read(out.resolve("dW.npy")).data(), "dW");
    assertClose(NpyFiles.read(CASE.resolve("db_" + tag + ".npy")).data(), NpyFiles.read(out.resolve("db.npy")).data(), "db");
    JsonNode report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertClose(NpyFiles.read(CASE.resolve("loss_" + tag + ".npy")).data()[0], report.at("/loss").asDouble(), "L");
    assertEquals("pass", report.at("/verification/verdict").asText(), report.toPrettyString());
    assertEquals("columnar", report.at("/input/read_path").asText(), report.toPrettyString());
  }

  /**
   * study accumulation with the nonlinear losses: it runs, says which loss it studied, and every studied
   * error lies within its bound.
   */
  @ParameterizedTest(name = "study with {0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"ce-label", "logistic", "huber"})
  void theStudyRunsWithEachLoss(String loss) throws Exception {
    Path out = dir.resolve("study");
    List<String> args = new ArrayList<>(List.of("study", "accumulation", "--input", CASE.resolve("X.csv").toString(),
        "--feature-prefix", "x", "--weights", CASE.resolve("W.npy").toString(), "--bias", CASE.resolve("b.npy").toString(),
        "--output", out.toString(), "--micro-batches", "1,4", "--partitions-sweep", "1,2", "--tree-depths", "1",
        "--repeats", "1", "--block-rows-sweep", "16", "--growth-k", "4"));
    args.addAll(lossOptions(loss));
    CliRun run = CliRun.of(args.toArray(new String[0]));
    assertEquals(0, run.exitCode(), run.toString());
    JsonNode json = new ObjectMapper().readTree(out.resolve(dev.adjoint.study.StudyReport.JSON).toFile());
    assertEquals(lossOptions(loss).get(1), json.get("setup").get("loss").asText());
    for (JsonNode row : json.get("results")) {
      if (row.get("part").asText().equals("precision")) {
        assertEquals(0, row.get("entries_over_bound").asInt(), row.toString());
      }
    }
  }
}
