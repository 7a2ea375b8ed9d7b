package dev.adjoint.study;

import dev.adjoint.kernel.Precision;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.io.OutputStream;
import java.text.DecimalFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.function.ToDoubleFunction;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.LogAxis;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.axis.NumberTickUnit;
import org.jfree.chart.axis.ValueAxis;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * The study's PNG plots (JFreeChart, headless): error against k and against n per mode with the bounds,
 * throughput against block size, spread against partitions. Log axes where values span decades; a
 * point whose value is 0 cannot sit on a log axis and is left out (the tables keep it).
 */
public final class StudyPlots {
  private StudyPlots() {}

  public static final int WIDTH = 900;
  public static final int HEIGHT = 560;

  private static final Color[] COLORS = {new Color(0xD6, 0x27, 0x28), new Color(0xFF, 0x7F, 0x0E),
      new Color(0x1F, 0x77, 0xB4), new Color(0x2C, 0xA0, 0x2C)};

  static {
    System.setProperty("java.awt.headless", "true");
  }

  /** Error of each mode (solid) and the bounds (dashed) against k at the full n, log–log: the k series only. */
  public static void errorVsK(StudyResults r, OutputStream out) throws IOException {
    write(out, errorVsK(r));
  }

  static JFreeChart errorVsK(StudyResults r) {
    return errorPlot(r, row -> row.rows() == r.setup().rows() && r.setup().microBatches().contains(row.k()),
        row -> row.k(), "micro-batches k (full batch of " + r.setup().rows() + " rows split in k equal parts)", 2,
        "Error of accumulated dW against the exact sum, by k");
  }

  /** Error of each mode and the bounds against n, at the growth series' k. */
  public static void errorVsN(StudyResults r, OutputStream out) throws IOException {
    write(out, errorVsN(r));
  }

  static JFreeChart errorVsN(StudyResults r) {
    int growthK = r.setup().growthK();
    return errorPlot(r, row -> row.k() == growthK, row -> row.rows(), "rows n (first n rows, " + growthK
        + " equal micro-batches)", 10, "Error of accumulated dW against the exact sum, by n");
  }

  /**
   * One solid line per mode, and one dashed bound line per data type: the two float32 modes' bounds
   * differ only by γ_h(u₆₄) against γ_h(u₃₂) on top of the same γ_{B+3}(u₃₂) terms, and the two float64
   * modes' only by Neumaier's terms, so each pair would draw one line over the other. Each bound line is
   * the larger bound of its pair, its label saying by how much the pair differs at most.
   */
  private static JFreeChart errorPlot(StudyResults r, Predicate<StudyResults.PrecisionRow> keep,
      ToDoubleFunction<StudyResults.PrecisionRow> x, String xLabel, double xBase, String title) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    int series = 0;
    for (AccumulationMode mode : AccumulationMode.values()) {
      XYSeries measured = new XYSeries(mode.label + ": measured", true, false);
      for (StudyResults.PrecisionRow row : r.precision()) {
        if (row.mode() == mode && keep.test(row)) {
          addPositive(measured, x.applyAsDouble(row), row.relativeError());
        }
      }
      data.addSeries(measured);
      renderer.setSeriesPaint(series, COLORS[mode.ordinal() % COLORS.length]);
      renderer.setSeriesStroke(series++, new BasicStroke(2.2f));
    }
    for (Precision precision : Precision.values()) {
      Map<Double, double[]> pairs = new TreeMap<>();  // x → (smallest, largest) bound of the pair
      for (StudyResults.PrecisionRow row : r.precision()) {
        if (row.mode().gemm == precision && keep.test(row)) {
          double[] b = pairs.computeIfAbsent(x.applyAsDouble(row), k -> new double[] {Double.MAX_VALUE, 0});
          b[0] = Math.min(b[0], row.boundRelative());
          b[1] = Math.max(b[1], row.boundRelative());
        }
      }
      double spread = pairs.values().stream().mapToDouble(b -> b[1] / b[0] - 1).max().orElse(0);
      String modes = precision == Precision.FLOAT32 ? "(i), (ii): float32 data" : "(iii), (iv): float64";
      XYSeries bound = new XYSeries(String.format(Locale.ROOT, "bound of %s (the larger; they differ by ≤ %.1f%%)",
          modes, 100 * spread), true, false);
      pairs.forEach((px, b) -> addPositive(bound, px, b[1]));
      data.addSeries(bound);
      renderer.setSeriesPaint(series, precision == Precision.FLOAT32 ? Color.DARK_GRAY : Color.BLACK);
      renderer.setSeriesShapesVisible(series, false);
      renderer.setSeriesStroke(series++, new BasicStroke(1.4f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f,
          precision == Precision.FLOAT32 ? new float[] {6f, 4f} : new float[] {2f, 3f}, 0f));
    }
    return chart(title, axis(xLabel, xBase, data, true), axis("normwise relative error  max|dW − exact| / max|exact|", 10,
        data, false), data, renderer);
  }

  /** Rows/s of the whole pass (wall) and of the kernel alone (per task-second) against rows per block. */
  public static void throughput(StudyResults r, OutputStream out) throws IOException {
    write(out, throughput(r));
  }

  static JFreeChart throughput(StudyResults r) {
    XYSeries wall = new XYSeries("whole pass (wall clock, read + compute)", true, false);
    XYSeries kernel = new XYSeries("kernel: forward + backward GEMMs (per task-second)", true, false);
    for (StudyResults.ThroughputRow row : r.throughput()) {
      addPositive(wall, row.blockRows(), row.rowsPerSecond());
      addPositive(kernel, row.blockRows(), row.kernelRowsPerSecond());
    }
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(wall);
    data.addSeries(kernel);
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    for (int s = 0; s < 2; s++) {
      renderer.setSeriesPaint(s, COLORS[s + 2]);
      renderer.setSeriesStroke(s, new BasicStroke(2.2f));
    }
    return chart("Throughput against block size (float64, d=" + r.setup().inputDim() + ", m=" + r.setup().outputDim() + ")",
        axis("rows per block (micro-batch size of one GEMM)", 2, data, true), axis("rows / s", 10, data, false), data,
        renderer);
  }

  /**
   * Per partition count P, in units of u = 2⁻⁵³ (linear axis: 0 is the interesting value): the largest
   * difference of dW between repeats of one configuration, per aggregation, and from the very first pass.
   */
  public static void spreadVsPartitions(StudyResults r, OutputStream out) throws IOException {
    write(out, spreadVsPartitions(r));
  }

  static JFreeChart spreadVsPartitions(StudyResults r) {
    XYSeriesCollection data = new XYSeriesCollection();
    XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, true);
    XYSeries fixed = new XYSeries("repeats of one configuration, fixed tree (adjoint)", true, false);
    XYSeries spark = new XYSeries("repeats of one configuration, Spark treeAggregate", true, false);
    XYSeries across = new XYSeries("all configurations at P, against the first pass (P = " + r.partitioning().get(0)
        .partitions() + ")", true, false);
    for (StudyResults.PartitionRow row : r.partitioning()) {
      addMax(row.aggregation().equals("fixed") ? fixed : spark, row.partitions(), row.repeatDiff() / ErrorBounds.U64);
      addMax(across, row.partitions(), row.relativeDiff() / ErrorBounds.U64);
    }
    XYSeries[] all = {fixed, spark, across};
    Color[] colors = {COLORS[2], COLORS[0], Color.GRAY};
    for (int s = 0; s < all.length; s++) {
      data.addSeries(all[s]);
      renderer.setSeriesPaint(s, colors[s]);
      renderer.setSeriesStroke(s, new BasicStroke(s == 2 ? 1.4f : 2.2f));
    }
    NumberAxis y = new NumberAxis("max relative difference of dW  (units of u = 2⁻⁵³)");
    y.setAutoRangeIncludesZero(true);
    return chart("Spread of dW by partition count (float64; tree depths " + r.partitioning().stream()
        .map(x -> Integer.toString(x.treeDepth())).distinct().collect(java.util.stream.Collectors.joining(", ")) + ")",
        axis("partitions P", 2, data, true), y, data, renderer);
  }

  /** Every plot the study writes, in the order of {@link StudyReport#OWN_NAMES}. */
  static List<JFreeChart> all(StudyResults r) {
    return List.of(errorVsK(r), errorVsN(r), throughput(r), spreadVsPartitions(r));
  }

  /** Keeps the largest y seen at x. */
  private static void addMax(XYSeries s, double x, double y) {
    int i = s.indexOf(x);
    if (i < 0) {
      s.add(x, y);
    } else if (s.getY(i).doubleValue() < y) {
      s.updateByIndex(i, y);
    }
  }

  private static void addPositive(XYSeries s, double x, double y) {
    if (y > 0 && Double.isFinite(y)) {
      s.add(x, y);
    }
  }

  /**
   * An axis a reader can read values off: a log axis (one labelled tick per power of {@code base}) over whole
   * powers of the base around the values when they reach over at least three powers; else a plain-number axis
   * over the values, whose ticks JFreeChart spaces (a log axis there would label one or two ticks only).
   */
  private static ValueAxis axis(String label, double base, XYSeriesCollection data, boolean domain) {
    double min = Double.POSITIVE_INFINITY;
    double max = 0;
    for (int s = 0; s < data.getSeriesCount(); s++) {
      for (int i = 0; i < data.getItemCount(s); i++) {
        double v = domain ? data.getXValue(s, i) : data.getYValue(s, i);
        if (v > 0 && Double.isFinite(v)) {
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
    }
    double lo = Math.floor(Math.log(min) / Math.log(base) + 1e-9);
    double hi = Math.ceil(Math.log(max) / Math.log(base) - 1e-9);
    boolean tiny = max < 1e-3;
    if (max > 0 && hi - lo >= 2) {
      LogAxis axis = new LogAxis(label);
      axis.setBase(base);
      axis.setTickUnit(new NumberTickUnit(1.0));
      axis.setNumberFormatOverride(base == 2 ? new DecimalFormat("0") : new DecimalFormat("0.#E0"));
      axis.setSmallestValue(1e-30);
      axis.setRange(Math.pow(base, lo), Math.pow(base, hi));
      return axis;
    }
    NumberAxis axis = new NumberAxis(label);
    axis.setAutoRangeIncludesZero(false);
    if (tiny) {
      axis.setNumberFormatOverride(new DecimalFormat("0.##E0"));
    }
    if (domain && base == 2) {
      axis.setStandardTickUnits(NumberAxis.createIntegerTickUnits());
    }
    return axis;
  }

  private static JFreeChart chart(String title, ValueAxis x, ValueAxis y, XYSeriesCollection data,
      XYLineAndShapeRenderer renderer) {
    XYPlot plot = new XYPlot(data, x, y, renderer);
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    JFreeChart chart = new JFreeChart(title, new Font(Font.SANS_SERIF, Font.BOLD, 16), plot, true);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  private static void write(OutputStream out, JFreeChart chart) throws IOException {
    ChartUtils.writeChartAsPNG(out, chart, WIDTH, HEIGHT);
  }
}
