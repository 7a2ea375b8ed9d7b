package dev.adjoint.job;

import static dev.adjoint.kernel.Close.assertClose;
import static dev.adjoint.kernel.Close.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reference;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The distributed pass over blocks laid out by hand, empty partitions included. */
class LayerPassesTest {
  private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());

  @Test
  void anyPartitioningAndTreeDepthGivesTheSingleNodeGradient() {
    Random rng = new Random(11);
    int n = 23;
    int d = 6;
    int m = 4;
    double[] x = random(rng, n * d);
    double[] t = random(rng, n * m);
    WeightsAndBias p = new WeightsAndBias(d, m, random(rng, d * m), random(rng, m));
    double[] g = Reference.grad(Loss.SQUARED, Reference.forward(x, n, d, p.weights, m, p.bias), t);
    int runs = 0;
    for (int partitions : new int[] {1, 2, 4, 7, 40}) {   // 40 > 23 rows: empty partitions
      for (int blockRows : new int[] {1, 3, 100}) {
        for (int depth : new int[] {1, 2, 3}) {
          JavaRDD<Block> blocks = blocks(x, t, n, d, m, blockRows, partitions);
          try (LayerPasses job = new LayerPasses(jsc, p, Loss.SQUARED)) {
            GradientPartial s = job.gradientSum(blocks, depth).gradient();
            String what = "partitions=" + partitions + " blockRows=" + blockRows + " depth=" + depth;
            assertEquals(n, s.rowCount(), what);
            assertClose(Reference.dW(x, n, d, g, m), s.dWSum, "dW " + what);
            assertClose(Reference.db(g, n, m), s.dbSum, "db " + what);
          }
          runs++;
        }
      }
    }
    assertEquals(5 * 3 * 3, runs);
  }

  @Test
  void fixedTreeGivesTheSameBitsOnEveryRunAndAgreesWithSparksTree() {
    Random rng = new Random(12);
    int n = 2000;
    int d = 9;
    int m = 5;
    double[] x = random(rng, n * d);
    double[] t = random(rng, n * m);
    WeightsAndBias p = new WeightsAndBias(d, m, random(rng, d * m), random(rng, m));
    int runs = 0;
    for (int partitions : new int[] {1, 5, 16, 33}) {
      JavaRDD<Block> blocks = blocks(x, t, n, d, m, 7, partitions).cache();
      for (int depth : new int[] {1, 2, 3}) {
        try (LayerPasses job = new LayerPasses(jsc, p, Loss.SQUARED)) {
          GradientPartial first = job.gradientSum(blocks, depth, Aggregation.FIXED).gradient();
          String what = "partitions=" + partitions + " depth=" + depth;
          for (int repeat = 0; repeat < 3; repeat++) {
            GradientPartial again = job.gradientSum(blocks, depth, Aggregation.FIXED).gradient();
            assertTrue(java.util.Arrays.equals(first.dWSum, again.dWSum), "dW bitwise, " + what);
            assertTrue(java.util.Arrays.equals(first.dbSum, again.dbSum), "db bitwise, " + what);
            assertEquals(Double.doubleToLongBits(first.lossSum()), Double.doubleToLongBits(again.lossSum()), what);
          }
          GradientPartial spark = job.gradientSum(blocks, depth, Aggregation.SPARK).gradient();
          assertEquals(n, first.rowCount(), what);
          assertClose(spark.dWSum, first.dWSum, "dW vs Spark's treeAggregate, " + what);
          runs++;
        }
      }
      blocks.unpersist();
    }
    assertEquals(4 * 3, runs);
  }

  @Test
  void metricsTravelBesideThePartialAndCountEveryBlock() {
    Random rng = new Random(13);
    int n = 50;
    int d = 3;
    int m = 2;
    double[] x = random(rng, n * d);
    double[] t = random(rng, n * m);
    WeightsAndBias p = new WeightsAndBias(d, m, random(rng, d * m), random(rng, m));
    JavaRDD<Block> blocks = blocks(x, t, n, d, m, 7, 4);  // ⌈50/7⌉ = 8 blocks
    try (LayerPasses job = new LayerPasses(jsc, p, Loss.SQUARED)) {
      MeasuredPartial pass = job.gradientSum(blocks, 2);
      assertEquals(8, pass.metrics().blockCount());
      assertEquals(n, pass.gradient().rowCount());
      assertTrue(pass.metrics().forwardNanos() > 0 && pass.metrics().backwardNanos() > 0, "phases timed");
      GradientPartial bare = GradientPartial.empty(d, m);
      blocks.collect().forEach(b -> bare.add(b, p, Loss.SQUARED));
      assertClose(bare.dWSum, pass.gradient().dWSum, "the measured pass sums what a bare fold sums");
    }
  }

  /** Rows cut into blocks, then the blocks spread over partitions in order (some may be empty). */
  private JavaRDD<Block> blocks(double[] x, double[] t, int n, int d, int m, int blockRows, int partitions) {
    List<Block> list = new ArrayList<>();
    for (int start = 0; start < n; start += blockRows) {
      int rows = Math.min(blockRows, n - start);
      list.add(Block.of(rows, d, java.util.Arrays.copyOfRange(x, start * d, (start + rows) * d), m,
          java.util.Arrays.copyOfRange(t, start * m, (start + rows) * m)));
    }
    return jsc.parallelize(list, partitions);
  }
}
