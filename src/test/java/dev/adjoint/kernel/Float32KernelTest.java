package dev.adjoint.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/** The float32 kernel keeps float32 copies of X and W per thread: they must follow the block and the parameters. */
class Float32KernelTest {
  private static final int D = 5;
  private static final int M = 3;

  /** dW, db and dX of one block through {@code kernel}, as GradientPartial does it. */
  private static double[][] step(BlockKernel kernel, Block block, WeightsAndBias p) {
    GradientPartial sum = GradientPartial.empty(D, M);
    double[] dx = new double[block.rows * D];
    sum.add(block, p, Loss.SQUARED, kernel, dx);
    return new double[][] {sum.dWSum, sum.dbSum, dx};
  }

  private static Block block(Random rng, int n) {
    return Block.of(n, D, Close.random(rng, n * D), M, Close.random(rng, n * M));
  }

  private static WeightsAndBias params(Random rng) {
    return new WeightsAndBias(D, M, Close.random(rng, D * M), Close.random(rng, M));
  }

  @Test
  void followsTheBlockAndTheParametersFromStepToStep() throws Exception {
    Random rng = new Random(11);
    Block a = block(rng, 7);
    Block b = block(rng, 4);
    WeightsAndBias p1 = params(rng);
    WeightsAndBias p2 = params(rng);
    BlockKernel kernel = Precision.FLOAT32.kernel();
    step(kernel, a, p1);  // leaves a's X and p1's W cached in this thread
    double[][] warm = step(kernel, b, p2);
    // the same step in a fresh thread (nothing cached) gives the same bits
    AtomicReference<double[][]> fresh = new AtomicReference<>();
    Thread t = new Thread(() -> fresh.set(step(kernel, b, p2)));
    t.start();
    t.join();
    for (int k = 0; k < 3; k++) {
      assertArrayEquals(fresh.get()[k], warm[k], 0.0, "output " + k);
    }
    // and it is the float64 result to float32 rounding: entries O(1), sums of ≤ 7 terms, so a few
    // units of u = 2⁻²⁴ ≈ 6e-8 relative; 1e-5 is far above that and far below any wrong term.
    double[][] exact = step(BlockKernel.CORRECT, b, p2);
    for (int k = 0; k < 3; k++) {
      double err = Dense.normwiseRelError(warm[k], exact[k]);
      assertTrue(err < 1e-5, "output " + k + ": relative error " + err);
    }
  }
}
