package dev.adjoint.bench;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.data.BlockReader;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.MeasuredPartial;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.InstanceBlock;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.optim.aggregator.MultinomialLogisticBlockAggregator;
import org.apache.spark.storage.StorageLevel;

/**
 * Softmax cross-entropy with class labels, forward + backward (L, dW, db: the margins' GEMM and the
 * gradient's, 4·n·d·K flops; no dX, which MLlib does not compute), over the same rows cached in memory,
 * side by side in one JVM, rounds interleaved, median of the passes after one warm-up each:
 * <ul>
 *   <li>{@code adjoint}: {@link LayerPasses#gradientSum} with {@link Loss#CROSS_ENTROPY_LABELS} over cached
 *       blocks of the job's default size (fixed tree of depth 2);
 *   <li>{@code mllib}: {@code MultinomialLogisticBlockAggregator} over cached {@code InstanceBlock}s holding
 *       the same arrays (same rows per block), run as RDDLossFunction.calculate runs it for one gradient
 *       evaluation of LogisticRegression: broadcast the coefficients, treeAggregate(add, merge, depth 2),
 *       loss and gradient divided by the weight sum, destroy the broadcast. No standardization, intercept on.
 * </ul>
 * The two results are compared (Adjoint's mean-reduced dW against MLlib's gradient, whose layout is
 * Adjoint's W then b: MllibAggregatorTest) and the difference reported. Synthetic data: {@link SyntheticBlocks}.
 * Not a test (timings belong in benchmarks): {@code scripts/bench losses} runs it as
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
 *   dev.adjoint.bench.LossBench [--shapes NxDxK,…] [--passes P] [--json FILE]
 * </pre>
 */
public final class LossBench {
  private LossBench() {}

  private static final int TREE_DEPTH = 2;

  record Shape(int rows, int dim, int classes) implements java.io.Serializable {
    static Shape parse(String s) {
      String[] p = s.split("x");
      if (p.length != 3) {
        throw new IllegalArgumentException("a shape is ROWSxDIMxCLASSES, got " + s);
      }
      return new Shape(Integer.parseInt(p[0]), Integer.parseInt(p[1]), Integer.parseInt(p[2]));
    }

    double flopsPerPass() {
      return 4.0 * rows * dim * classes;
    }
  }

  public static void main(String[] args) throws Exception {
    List<Shape> shapes = new ArrayList<>();
    int passes = 5;
    String json = null;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--shapes" -> Arrays.stream(args[++a].split(",")).map(Shape::parse).forEach(shapes::add);
        case "--passes" -> passes = Integer.parseInt(args[++a]);
        case "--json" -> json = args[++a];
        default -> throw new IllegalArgumentException("unknown argument " + args[a]);
      }
    }
    if (shapes.isEmpty()) {
      shapes = List.of(new Shape(200_000, 512, 256), new Shape(2_000_000, 64, 16));
    }
    final int k = passes;
    BenchJvm.run("loss-bench", shapes, (jsc, shape) -> run(jsc, shape, k), json);
  }

  /** Both systems on one shape: one result each. */
  static List<Map<String, Object>> run(JavaSparkContext jsc, Shape s, int passes) {
    int partitions = SyntheticBlocks.partitions(jsc.defaultParallelism(), s.rows, s.dim, s.classes);
    int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, s.dim, s.classes);
    JavaRDD<Block> blocks = SyntheticBlocks.cached(jsc, s.rows, s.dim, s.classes, partitions, blockRows,
        "loss bench blocks");
    // the same arrays as MLlib's blocks: labels, unit weights (empty, as InstanceBlock.fromInstances makes
    // them when every weight is 1) and X_block row-major (a transposed DenseMatrix, as the aggregator requires)
    JavaRDD<InstanceBlock> instances = blocks.map(b -> new InstanceBlock(b.targets, new double[0],
        new DenseMatrix(b.rows, b.features, b.x, true))).setName("loss bench instance blocks")
        .persist(StorageLevel.MEMORY_ONLY());
    long rows = instances.map(b -> (long) b.size()).reduce(Long::sum);  // fills both caches
    WeightsAndBias p = SyntheticBlocks.uniform(new SplittableRandom(16), s.dim, s.classes);
    Broadcast<double[]> inverseStd = jsc.broadcast(filled(s.dim, 1.0));
    Broadcast<double[]> scaledMean = jsc.broadcast(new double[s.dim]);
    System.out.printf(Locale.ROOT, "%d × %d → %d classes, %d partitions, %d rows per block, %d rows cached; BLAS %s%n",
        s.rows, s.dim, s.classes, partitions, blockRows, rows, BlasInfo.current().describe());
    try (LayerPasses job = new LayerPasses(jsc, p, Loss.CROSS_ENTROPY_LABELS)) {
      MeasuredPartial pass = job.gradientSum(blocks, TREE_DEPTH, Aggregation.FIXED);
      double[] mllib = mllibPass(jsc, instances, p, inverseStd, scaledMean);
      double[] adjointSeconds = new double[passes];
      double[] mllibSeconds = new double[passes];
      for (int r = 0; r < passes; r++) {  // interleaved: a drift in the machine's load falls on both
        long t0 = System.nanoTime();
        pass = job.gradientSum(blocks, TREE_DEPTH, Aggregation.FIXED);
        long t1 = System.nanoTime();
        mllib = mllibPass(jsc, instances, p, inverseStd, scaledMean);
        long t2 = System.nanoTime();
        adjointSeconds[r] = (t1 - t0) / 1e9;
        mllibSeconds[r] = (t2 - t1) / 1e9;
      }
      Gradients adjoint = pass.gradient().finish(Reduction.MEAN);
      int dk = s.dim * s.classes;
      double diffW = Dense.normwiseRelError(Arrays.copyOf(mllib, dk), adjoint.dW());
      double diffB = Dense.normwiseRelError(Arrays.copyOfRange(mllib, dk, dk + s.classes), adjoint.db());
      double diffL = Math.abs(mllib[dk + s.classes] - adjoint.loss()) / Math.abs(adjoint.loss());
      System.out.printf(Locale.ROOT, "  adjoint %.3f s, mllib %.3f s (medians of %d); MLlib vs Adjoint: dW %.1e, db %.1e, L %.1e%n",
          PassBenchmark.median(adjointSeconds), PassBenchmark.median(mllibSeconds), passes, diffW, diffB, diffL);
      // where Adjoint's time goes (the last pass, summed over tasks): the margins' GEMM and the loss, then Xᵀ·G and 1ᵀ·G
      double forward = pass.metrics().forwardNanos() / 1e9;
      double backward = pass.metrics().backwardNanos() / 1e9;
      System.out.printf(Locale.ROOT, "  adjoint task seconds: forward (Y = XW + b, loss and G) %.3f, backward (dW, db) %.3f%n",
          forward, backward);
      Map<String, Object> adjointResult = result("adjoint", s, adjointSeconds, partitions, blockRows, Double.NaN);
      adjointResult.put("forward_task_seconds", forward);
      adjointResult.put("backward_task_seconds", backward);
      return List.of(adjointResult,
          result("mllib", s, mllibSeconds, partitions, blockRows, Math.max(diffW, Math.max(diffB, diffL))));
    } finally {
      inverseStd.destroy();
      scaledMean.destroy();
      instances.unpersist(true);
      blocks.unpersist(true);
    }
  }

  /**
   * One gradient evaluation as MLlib's RDDLossFunction.calculate does it: the mean gradient (d·K weights in
   * Adjoint's W layout, then K intercepts), then the mean loss, in one array.
   */
  private static double[] mllibPass(JavaSparkContext jsc, JavaRDD<InstanceBlock> instances, WeightsAndBias p,
      Broadcast<double[]> inverseStd, Broadcast<double[]> scaledMean) {
    double[] c = Arrays.copyOf(p.weights, p.weights.length + p.bias.length);
    System.arraycopy(p.bias, 0, c, p.weights.length, p.bias.length);
    Broadcast<Vector> coefficients = jsc.broadcast(Vectors.dense(c));
    try {
      MultinomialLogisticBlockAggregator agg = instances.treeAggregate(
          new MultinomialLogisticBlockAggregator(inverseStd, scaledMean, true, false, coefficients),
          (a, block) -> a.add(block), (a, b) -> (MultinomialLogisticBlockAggregator) a.merge(b), TREE_DEPTH);
      double[] out = Arrays.copyOf(agg.gradient().toArray(), c.length + 1);
      out[c.length] = agg.loss();
      return out;
    } finally {
      coefficients.destroy();
    }
  }

  private static Map<String, Object> result(String name, Shape s, double[] seconds, int partitions, int blockRows,
      double relDiff) {
    double median = PassBenchmark.median(seconds);
    Map<String, Object> r = new LinkedHashMap<>();
    r.put("name", name);
    r.put("rows", s.rows);
    r.put("dim", s.dim);
    r.put("classes", s.classes);
    r.put("seconds_per_pass", median);
    r.put("gflops", s.flopsPerPass() / median / 1e9);
    r.put("seconds", seconds);
    r.put("partitions", partitions);
    r.put("block_rows", blockRows);
    if (!Double.isNaN(relDiff)) {
      r.put("rel_diff_to_adjoint", relDiff);
    }
    r.put("blas", BlasInfo.current().describe());
    return r;
  }

  private static double[] filled(int n, double v) {
    double[] a = new double[n];
    Arrays.fill(a, v);
    return a;
  }
}
