package dev.adjoint.job;

import static dev.adjoint.kernel.Close.assertClose;
import static dev.adjoint.kernel.Close.random;
import static dev.adjoint.kernel.Close.relError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.ml.feature.InstanceBlock;
import org.apache.spark.ml.linalg.DenseMatrix;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.ml.linalg.Vectors;
import org.apache.spark.ml.optim.aggregator.BinaryLogisticBlockAggregator;
import org.apache.spark.ml.optim.aggregator.DifferentiableLossAggregator;
import org.apache.spark.ml.optim.aggregator.MultinomialLogisticBlockAggregator;
import org.junit.jupiter.api.Test;

/**
 * Adjoint's cross-entropy (class labels) and logistic losses against MLlib's own gradient of the same
 * objective: {@code MultinomialLogisticBlockAggregator} and {@code BinaryLogisticBlockAggregator}, run as
 * MLlib's RDDLossFunction runs them (broadcast coefficients, treeAggregate of add/merge, then
 * {@code loss()} and {@code gradient()}), on the same rows, W and b. No standardization (inverse std 1,
 * scaled mean 0, fitWithMean false), intercept on, every weight 1, no regularisation.
 *
 * <p>Layout (read from the aggregators' sources, Spark 4.2): the coefficient vector is the K×d linear part
 * stored <em>column-major</em> (index k + j·K for class k, feature j: "we lay out the coefficients in column
 * major order during training"), then the K intercepts. Column-major K×d is row-major d×K, which is
 * Adjoint's W [d×m]: W, then b, concatenated, is MLlib's vector, and its gradient splits the same way
 * into dW and db. The binary aggregator's vector is the d weights, then the one intercept: W [d×1], b [1].
 *
 * <p>Normalisation: {@code loss()} = lossSum / weightSum and {@code gradient()} = gradientSum / weightSum,
 * with weightSum = n for unit weights. That is Adjoint's {@link Reduction#MEAN} (divide once by n), compared
 * directly; the sums ({@code lossSum()}, {@code gradientSumArray()}) are compared with Adjoint's
 * {@link Reduction#SUM}. Tolerance: {@link dev.adjoint.kernel.Close#REL} (1e-12 normwise relative, derived
 * there): both sides sum the same products in different orders (MLlib: one dgemm per block of the
 * margins and of the gradient, naive loss sum; Adjoint: its kernels, compensated loss sum).
 */
class MllibAggregatorTest {
  private static final int[] PARTITIONS = {1, 3, 7};
  private static final int BLOCK_ROWS = 16;
  private static final int TREE_DEPTH = 2;

  private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());

  @Test
  void softmaxCrossEntropyWithLabelsMatchesMllibsMultinomialAggregator() {
    Random rng = new Random(1601);
    int n = 157;  // not a multiple of the block rows: a short last block
    int d = 9;
    int k = 6;
    double[] x = random(rng, n * d);
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      labels[i] = rng.nextInt(k);
    }
    // logits of order a few units, so that softmax is far from uniform and every class's term matters
    WeightsAndBias p = new WeightsAndBias(d, k, scaled(random(rng, d * k), 3), scaled(random(rng, k), 2));
    agreeInEveryPartitioning(x, labels, n, p, Loss.CROSS_ENTROPY_LABELS,
        c -> new MultinomialLogisticBlockAggregator(ones(d), zeros(d), true, false, c), "multinomial");
  }

  @Test
  void logisticWithZeroOneTargetsMatchesMllibsBinaryAggregator() {
    Random rng = new Random(1602);
    int n = 131;
    int d = 8;
    double[] x = random(rng, n * d);
    double[] targets = new double[n];
    for (int i = 0; i < n; i++) {
      targets[i] = rng.nextBoolean() ? 1.0 : 0.0;  // MLlib's labels: the binary aggregator's label ∈ {0, 1}
    }
    WeightsAndBias p = new WeightsAndBias(d, 1, scaled(random(rng, d), 3), new double[] {0.7});
    agreeInEveryPartitioning(x, targets, n, p, Loss.LOGISTIC,
        c -> new BinaryLogisticBlockAggregator(ones(d), zeros(d), true, false, c), "binary");
  }

  /**
   * The layout is not a convention the comparison could absorb: MLlib's vector built as a row-major K×d
   * matrix (Wᵀ, the layout its models expose) gives a different gradient, far beyond the tolerance.
   */
  @Test
  void theRowMajorKByDLayoutWouldBeWrong() {
    Random rng = new Random(1603);
    int n = 40;
    int d = 5;
    int k = 3;
    double[] x = random(rng, n * d);
    double[] labels = new double[n];
    for (int i = 0; i < n; i++) {
      labels[i] = i % k;
    }
    WeightsAndBias p = new WeightsAndBias(d, k, scaled(random(rng, d * k), 3), random(rng, k));
    double[] transposed = new double[d * k + k];
    for (int j = 0; j < d; j++) {
      for (int c = 0; c < k; c++) {
        transposed[c * d + j] = p.weights[j * k + c];  // Wᵀ row-major: index c·d + j
      }
    }
    System.arraycopy(p.bias, 0, transposed, d * k, k);
    List<Block> blocks = blocks(x, labels, n, d);
    Gradients adjoint = adjoint(blocks, 2, p, Loss.CROSS_ENTROPY_LABELS).finish(Reduction.MEAN);
    MultinomialLogisticBlockAggregator wrong = treeAggregate(instanceBlocks(blocks), 2,
        new MultinomialLogisticBlockAggregator(ones(d), zeros(d), true, false, jsc.broadcast(Vectors.dense(transposed))));
    double err = relError(Arrays.copyOf(wrong.gradient().toArray(), d * k), adjoint.dW());
    assertTrue(err > 1e-3, "the transposed layout agreed to " + err + ": the test could not tell the layouts apart");
  }

  /**
   * For each partition count: MLlib's aggregator (made from the broadcast coefficients, as RDDLossFunction's
   * getAggregator makes it) and Adjoint's pass over the same blocks, compared by {@link #compare}.
   */
  private <A extends DifferentiableLossAggregator<InstanceBlock, A>> void agreeInEveryPartitioning(double[] x,
      double[] t, int n, WeightsAndBias p, Loss loss, Function<Broadcast<Vector>, A> aggregator, String what) {
    List<Block> blocks = blocks(x, t, n, p.inputDim);
    int runs = 0;
    for (int partitions : PARTITIONS) {
      A mllib = treeAggregate(instanceBlocks(blocks), partitions, aggregator.apply(coefficients(p)));
      compare(mllib, adjoint(blocks, partitions, p, loss), n, p.inputDim, p.outputDim, what + ", partitions=" + partitions);
      runs++;
    }
    assertEquals(PARTITIONS.length, runs);
  }

  /** MLlib's mean and sum against Adjoint's MEAN and SUM reductions of the same pass. */
  private static void compare(DifferentiableLossAggregator<InstanceBlock, ?> mllib,
      GradientPartial adjoint, int n, int d, int m, String what) {
    assertEquals(n, adjoint.rowCount(), what);
    assertEquals(n, mllib.weightSum(), 0.0, "MLlib's weight sum is n for unit weights, " + what);
    // the means: MLlib's loss() and gradient() divide by weightSum = n, as Adjoint's --reduction mean does
    Gradients mean = adjoint.finish(Reduction.MEAN);
    double[] g = mllib.gradient().toArray();
    assertEquals(d * m + m, g.length, "MLlib's gradient is d·K weights then K intercepts, " + what);
    assertClose(mllib.loss(), mean.loss(), "L (mean), " + what);
    assertClose(Arrays.copyOfRange(g, 0, d * m), mean.dW(), "dW (mean), " + what);
    assertClose(Arrays.copyOfRange(g, d * m, d * m + m), mean.db(), "db (mean), " + what);
    // the sums, before MLlib's division: Adjoint's --reduction sum
    Gradients sum = adjoint.finish(Reduction.SUM);
    double[] gSum = mllib.gradientSumArray();
    assertClose(mllib.lossSum(), sum.loss(), "L (sum), " + what);
    assertClose(Arrays.copyOfRange(gSum, 0, d * m), sum.dW(), "dW (sum), " + what);
    assertClose(Arrays.copyOfRange(gSum, d * m, d * m + m), sum.db(), "db (sum), " + what);
    assertTrue(mean.loss() > 0 && Arrays.stream(mean.dW()).anyMatch(v -> Math.abs(v) > 1e-3), "a nontrivial case, " + what);
  }

  /** Adjoint's pass: {@link LayerPasses#gradientSum} over the blocks in {@code partitions} partitions. */
  private GradientPartial adjoint(List<Block> blocks, int partitions, WeightsAndBias p, Loss loss) {
    try (LayerPasses job = new LayerPasses(jsc, p, loss)) {
      return job.gradientSum(jsc.parallelize(blocks, partitions), TREE_DEPTH).gradient();
    }
  }

  /** MLlib's pass as RDDLossFunction.calculate runs it: treeAggregate(zero)(add, merge, depth). */
  private <A extends DifferentiableLossAggregator<InstanceBlock, A>> A treeAggregate(List<InstanceBlock> blocks,
      int partitions, A zero) {
    JavaRDD<InstanceBlock> rdd = jsc.parallelize(blocks, partitions);
    return rdd.treeAggregate(zero, (agg, block) -> agg.add(block), (a, b) -> a.merge(b), TREE_DEPTH);
  }

  /** Rows cut into blocks of {@link #BLOCK_ROWS}, each with one target per row (a class index or a 0/1 target). */
  private static List<Block> blocks(double[] x, double[] t, int n, int d) {
    List<Block> list = new ArrayList<>();
    for (int start = 0; start < n; start += BLOCK_ROWS) {
      int rows = Math.min(BLOCK_ROWS, n - start);
      list.add(Block.of(rows, d, Arrays.copyOfRange(x, start * d, (start + rows) * d), 1,
          Arrays.copyOfRange(t, start, start + rows)));
    }
    return list;
  }

  /**
   * The same blocks as MLlib's InstanceBlocks: labels, unit weights, and X_block as a DenseMatrix of
   * rows×d whose values are row-major (isTransposed = true, which the aggregators require).
   */
  static List<InstanceBlock> instanceBlocks(List<Block> blocks) {
    List<InstanceBlock> list = new ArrayList<>();
    for (Block b : blocks) {
      double[] weights = new double[b.rows];
      Arrays.fill(weights, 1.0);
      list.add(new InstanceBlock(b.targets, weights, new DenseMatrix(b.rows, b.features, b.x, true)));
    }
    return list;
  }

  /** MLlib's coefficient vector for W [d×m] and b [m]: W as it is (= K×d column-major), then b. */
  private Broadcast<Vector> coefficients(WeightsAndBias p) {
    double[] c = Arrays.copyOf(p.weights, p.weights.length + p.bias.length);
    System.arraycopy(p.bias, 0, c, p.weights.length, p.bias.length);
    return jsc.broadcast(Vectors.dense(c));
  }

  private Broadcast<double[]> ones(int d) {
    double[] a = new double[d];
    Arrays.fill(a, 1.0);
    return jsc.broadcast(a);
  }

  private Broadcast<double[]> zeros(int d) {
    return jsc.broadcast(new double[d]);
  }

  private static double[] scaled(double[] a, double s) {
    for (int i = 0; i < a.length; i++) {
      a[i] *= s;
    }
    return a;
  }
}
