package dev.adjoint.study;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.data.ColumnSource;
import dev.adjoint.data.Generator;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.WeightsAndBias;
import java.awt.Graphics2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.jfree.chart.ChartRenderingInfo;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.AxisState;
import org.jfree.chart.axis.LogTick;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.axis.ValueTick;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.ui.RectangleEdge;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The study on real Parquet through the suite's local Spark, its numbers checked against plain loops here. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class StudySparkTest {
  private static final int N = 2048;
  private static final int D = 4;
  private static final int M = 3;

  /**
   * The study's bias and the hand one are both made of float64 sums of ≤ 2048 O(1) terms: each errs by at
   * most γ₂₀₄₈·Σ|terms| ≈ 2.3e-13·Σ|terms|, with Σ|terms| a few times max|∇L| here; a difference of
   * two such normwise ratios is then below ~1e-11. 1e-10 has margin; a wrong weighting is off by ≥ 1e-3.
   */
  private static final double SAME_BIAS = 1e-10;

  private final SparkSession spark = TestSpark.get();

  private StudyResults results;
  private TableSpec spec;
  private WeightsAndBias params;

  @BeforeAll
  void runTheStudy(@TempDir Path dir) throws Exception {
    Path gen = dir.resolve("gen");
    Generator.write(spark, new Generator.Spec(N, D, M, 9, false, Generator.Layout.ARRAY, 3, true, false, 0.1),
        OutputDir.prepare(spark.sparkContext().hadoopConfiguration(), gen.toString(), false, Generator.OWN_NAMES));
    spec = new TableSpec(gen.resolve("data").toString(), TableSpec.Format.PARQUET, new ColumnSource.Single("features"),
        new ColumnSource.Single("targets"), null);
    params = WeightFiles.load(spark.sparkContext().hadoopConfiguration(), gen.resolve("W.npy").toString(),
        gen.resolve("b.npy").toString());
    // blocks of 100 rows straddle the batch bounds; every k divides N, so equal batches are exactly equal
    StudyOptions o = new StudyOptions(spec, gen.resolve("W.npy").toString(), gen.resolve("b.npy").toString(), 0, 1,
        null, List.of(1, 2, 4, 8), List.of(1, 3), List.of(1, 2), 2, List.of(1, 256), 100, 256, 4, 5);
    results = AccumulationStudy.run(spark, o);
  }

  /**
   * A reader can read values off every plot: each axis has at least three labelled ticks inside the range shown
   * (one tick per decade on log axes, plain numbers below three decades). The throughput axis of rows/s here spans
   * under a decade: on a log axis it had one label (issue 20).
   */
  @Test
  void everyPlotHasThreeLabelledTicksOnEachAxis() {
    for (JFreeChart chart : StudyPlots.all(results)) {
      BufferedImage image = new BufferedImage(StudyPlots.WIDTH, StudyPlots.HEIGHT, BufferedImage.TYPE_INT_RGB);
      Graphics2D g2 = image.createGraphics();
      ChartRenderingInfo info = new ChartRenderingInfo();
      chart.draw(g2, new Rectangle2D.Double(0, 0, StudyPlots.WIDTH, StudyPlots.HEIGHT), info);
      Rectangle2D area = info.getPlotInfo().getDataArea();
      XYPlot plot = chart.getXYPlot();
      String title = chart.getTitle().getText();
      List<String> x = labels(plot.getDomainAxis(), g2, area, RectangleEdge.BOTTOM);
      List<String> y = labels(plot.getRangeAxis(), g2, area, RectangleEdge.LEFT);
      assertTrue(x.size() >= 3, title + ": x ticks " + x);
      assertTrue(y.size() >= 3, title + ": y ticks " + y);
      g2.dispose();
    }
  }

  private static List<String> labels(ValueAxis axis, Graphics2D g2, Rectangle2D area, RectangleEdge edge) {
    List<String> out = new java.util.ArrayList<>();
    for (Object t : axis.refreshTicks(g2, new AxisState(), area, edge)) {
      if (t instanceof ValueTick v && axis.getRange().contains(v.getValue())) {
        String text = v.getText();
        if (t instanceof LogTick log && log.getAttributedLabel() != null) {  // a log axis's label (superscripts)
          java.text.AttributedCharacterIterator it = log.getAttributedLabel().getIterator();
          StringBuilder b = new StringBuilder();
          for (char c = it.first(); c != java.text.CharacterIterator.DONE; c = it.next()) {
            b.append(c);
          }
          text = b.toString();
        }
        if (text != null && !text.isBlank()) {
          out.add(text);
        }
      }
    }
    return out;
  }

  @Test
  void theMeanOfMeansBiasIsTheOneWorkedOutByHand() {
    assertEquals("squared", results.setup().loss(), "auto picks squared when targets are there");
    List<Row> rows = Table.open(spark, spec, false).rows.collectAsList();  // the rows in the study's order
    double[] full = gradientSum(rows, 0, N);
    for (int q = 0; q < full.length; q++) {
      full[q] /= N;
    }
    for (int k : List.of(2, 4, 8)) {
      // short last batch: k−1 batches of ⌈N/(k − 0.75)⌉ rows, the rest last
      long size = (long) Math.ceil(N / (k - 0.75));
      double[] meanOfMeans = new double[D * M];
      for (int b = 0; b < k; b++) {
        long from = b * size;
        long to = b == k - 1 ? N : from + size;
        double[] s = gradientSum(rows, from, to);
        for (int q = 0; q < s.length; q++) {
          meanOfMeans[q] += s[q] / (to - from) / k;
        }
      }
      double hand = Dense.normwiseRelError(meanOfMeans, full);
      StudyResults.NormalisationRow row = normalisation("short-last", k);
      assertEquals(hand, row.meanOfMeansBias(), SAME_BIAS, "k=" + k);
      assertTrue(row.meanOfMeansBias() > 1e-4, "the bias is detected with a short last batch: " + row);
      assertTrue(row.sumThenDivideAgrees(), "sum then divide is the gradient: " + row);
      StudyResults.NormalisationRow equal = normalisation("equal", k);
      assertTrue(equal.sumThenDivideAgrees(), "sum then divide is the gradient: " + equal);
      // k divides N: equal batches are exactly equal and the mean of means is the gradient, to rounding
      assertTrue(equal.meanOfMeansBias() <= equal.roundingAgreement(), "no bias with equal batches: " + equal);
      // the allowance is rounding's, not the bias's: orders of magnitude below what it has to tell apart
      assertTrue(row.roundingAgreement() < 1e-3 * row.meanOfMeansBias(), "rounding allowance " + row);
    }
  }

  @Test
  void float32ErrsMoreThanFloat64AndEveryErrorIsWithinItsBound() {
    Map<AccumulationMode, List<StudyResults.PrecisionRow>> byMode = results.precision().stream()
        .filter(r -> r.rows() == N).collect(Collectors.groupingBy(StudyResults.PrecisionRow::mode));
    for (int k : List.of(1, 2, 4, 8)) {
      double f32 = at(byMode, AccumulationMode.F32_F32, k).relativeError();
      double f64 = at(byMode, AccumulationMode.F64, k).relativeError();
      assertTrue(f32 > f64, "k=" + k + ": float32 " + f32 + " vs float64 " + f64);
      // float64 over 2048 O(1) terms: observed ~√h·u; 1e-13 is far above that and far below float32's 1e-8
      assertTrue(f64 < 1e-13, "float64 error " + f64);
    }
    for (StudyResults.PrecisionRow r : results.precision()) {
      assertEquals(0, r.overBound(), "every entry within its own bound: " + r);
      assertTrue(r.roundings() >= r.k(), "h counts at least the k batch sums: " + r);
      assertEquals(r.mode().gemm == Precision.FLOAT32, !Double.isNaN(r.relativeErrorFloat32Data()), r.toString());
    }
    assertEquals(List.of(32L, 128L, 512L, 2048L), results.precision().stream().filter(r -> r.mode() == AccumulationMode.F64)
        .map(StudyResults.PrecisionRow::rows).distinct().sorted().toList(), "the n series: N/64, N/16, N/4 and N");
  }

  @Test
  void theFixedTreeGivesTheSameBitsOnEveryRepeat() {
    Map<String, List<StudyResults.PartitionRow>> configs = results.partitioning().stream()
        .filter(r -> r.aggregation().equals("fixed"))
        .collect(Collectors.groupingBy(r -> r.partitions() + "/" + r.treeDepth()));
    assertEquals(4, configs.size());
    for (List<StudyResults.PartitionRow> runs : configs.values()) {
      assertEquals(2, runs.size());
      assertEquals(runs.get(0).bitGroup(), runs.get(1).bitGroup(), "repeats of " + runs.get(0));
      assertEquals(0.0, runs.get(1).repeatDiff(), "no difference between repeats");
      assertEquals(1, runs.get(0).partialsToDriver(), "the fixed tree sends the driver one partial");
      assertTrue(runs.get(0).bytesToDriver() > 8L * D * M, "measured bytes hold at least dW: " + runs.get(0));
    }
    // P = 3 at depth 1: Spark's treeAggregate folds all 3 partials on the driver
    assertTrue(results.partitioning().stream().anyMatch(r -> r.aggregation().equals("spark") && r.partitions() == 3
        && r.treeDepth() == 1 && r.partialsToDriver() == 3));
    assertEquals(2, results.throughput().size());
    assertTrue(results.throughput().stream().allMatch(r -> r.rowsPerSecond() > 0 && r.kernelRowsPerSecond() > 0));
  }

  @Test
  void theSpreadIsWithinWhatRoundingAllowsAndMatchesTheBitGroups() {
    // Every pass is a float64 sum of the same N·d·m terms; per entry it errs from the exact sum by at most
    // γ_{B+1+h}·S1 + γ_{d+1}·S2 with B + 1 + h ≤ 2N + 1 (h: ≤ N blocks and partitions), so two passes
    // differ by at most twice that. S1 + S2 by plain loops over the rows, max|dW| from them too.
    List<Row> rows = Table.open(spark, spec, false).rows.collectAsList();
    double[] dW = gradientSum(rows, 0, N);
    double[] magnitude = new double[D * M];
    for (Row row : rows) {
      List<Double> x = row.getList(0);
      List<Double> t = row.getList(1);
      for (int c = 0; c < M; c++) {
        double y = params.bias[c];
        double a = Math.abs(params.bias[c]);
        for (int j = 0; j < D; j++) {
          y += x.get(j) * params.weights[j * M + c];
          a += Math.abs(x.get(j) * params.weights[j * M + c]);
        }
        for (int j = 0; j < D; j++) {
          magnitude[j * M + c] += Math.abs(x.get(j)) * (Math.abs(y - t.get(c)) + a);
        }
      }
    }
    double allowed = 2 * ErrorBounds.gamma(2 * N + D + 2, ErrorBounds.U64) * Arrays.stream(magnitude).max().orElseThrow()
        / Arrays.stream(dW).map(Math::abs).max().orElseThrow();
    int baseGroup = results.partitioning().get(0).bitGroup();
    for (StudyResults.PartitionRow r : results.partitioning()) {
      assertTrue(r.relativeDiff() <= allowed, "spread " + r.relativeDiff() + " > " + allowed + ": " + r);
      assertEquals(r.bitGroup() == baseGroup, r.relativeDiff() == 0.0, "same bits ⇔ no difference: " + r);
    }
  }

  private StudyResults.NormalisationRow normalisation(String kind, int k) {
    return results.normalisation().stream().filter(r -> r.kind().equals(kind) && r.k() == k).findFirst().orElseThrow();
  }

  private static StudyResults.PrecisionRow at(Map<AccumulationMode, List<StudyResults.PrecisionRow>> byMode,
      AccumulationMode mode, int k) {
    return byMode.get(mode).stream().filter(r -> r.k() == k).findFirst().orElseThrow();
  }

  /** Σ_{from ≤ i < to} xᵢᵀ·(xᵢ·W + b − tᵢ) over collected rows (x, t), plain loops. */
  private double[] gradientSum(List<Row> rows, long from, long to) {
    double[] dW = new double[D * M];
    for (int i = (int) from; i < to; i++) {
      List<Double> x = rows.get(i).getList(0);
      List<Double> t = rows.get(i).getList(1);
      for (int c = 0; c < M; c++) {
        double y = params.bias[c];
        for (int j = 0; j < D; j++) {
          y += x.get(j) * params.weights[j * M + c];
        }
        double g = y - t.get(c);
        for (int j = 0; j < D; j++) {
          dW[j * M + c] += x.get(j) * g;
        }
      }
    }
    return dW;
  }
}
