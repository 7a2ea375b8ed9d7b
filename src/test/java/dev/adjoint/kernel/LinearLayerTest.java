package dev.adjoint.kernel;

import static dev.adjoint.kernel.Close.assertClose;
import static dev.adjoint.kernel.Close.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearLayerTest {
  // The golden case, worked by hand: Y = XW + b, L = ΣY so G = 1.
  static final double[] X = {1, 0, 0, 1, 1, 1};
  static final double[] W = {2, 1, -1, 3};
  static final double[] B = {0.5, -2};

  @Test
  void goldenCaseIsExact() {
    WeightsAndBias p = new WeightsAndBias(2, 2, W, B);
    Block block = Block.of(3, 2, X);
    double[] y = new double[6];
    LinearLayer.forward(block, p, y);
    assertArrayEquals(new double[] {2.5, -1, -0.5, 1, 1.5, 2}, y, 0.0);

    GradientPartial sum = GradientPartial.empty(2, 2).add(block, p, Loss.SUM);
    assertArrayEquals(new double[] {2, 2, 2, 2}, sum.dWSum, 0.0);
    assertArrayEquals(new double[] {3, 3}, sum.dbSum, 0.0);
    assertEquals(5.5, sum.lossSum(), 0.0);
    assertEquals(3, sum.rowCount());

    BlockActivations yAndDx = LinearLayer.activations(block, p, Loss.SUM, 1.0);
    assertArrayEquals(new double[] {2.5, -1, -0.5, 1, 1.5, 2}, yAndDx.y(), 0.0);
    assertArrayEquals(new double[] {3, 2, 3, 2, 3, 2}, yAndDx.dx(), 0.0);
  }

  @Test
  void everyShapeUpToFourMatchesTheReference() {
    Random rng = new Random(1);
    int checked = 0;
    for (Loss loss : List.of(Loss.SUM, Loss.SQUARED)) {
      for (int n = 1; n <= 4; n++) {
        for (int d = 1; d <= 4; d++) {
          for (int m = 1; m <= 4; m++) {
            checkAgainstReference(rng, loss, n, d, m, n);
            checked++;
          }
        }
      }
    }
    assertEquals(2 * 4 * 4 * 4, checked, "every variant ran");
  }

  @Test
  void oddShapeInBlocksMatchesTheReference() {
    Random rng = new Random(2);
    for (Loss loss : List.of(Loss.SUM, Loss.SQUARED)) {
      for (int blockRows : new int[] {1, 3, 64, 1000, 5000}) {
        checkAgainstReference(rng, loss, 1000, 37, 5, blockRows);
      }
    }
  }

  /** Forward and backward over n rows cut into blocks of blockRows, vs the plain-loop reference. */
  private static void checkAgainstReference(Random rng, Loss loss, int n, int d, int m, int blockRows) {
    double[] x = random(rng, n * d);
    double[] t = random(rng, n * m);
    double[] w = random(rng, d * m);
    double[] b = random(rng, m);
    WeightsAndBias p = new WeightsAndBias(d, m, w, b);
    String shape = loss + " n=" + n + " d=" + d + " m=" + m + " block=" + blockRows;

    double[] yRef = Reference.forward(x, n, d, w, m, b);
    double[] gRef = Reference.grad(loss, yRef, t);

    GradientPartial sum = GradientPartial.empty(d, m);
    double[] y = new double[n * m];
    double[] dx = new double[n * d];
    for (int start = 0; start < n; start += blockRows) {
      int rows = Math.min(blockRows, n - start);
      double[] xb = java.util.Arrays.copyOfRange(x, start * d, (start + rows) * d);
      double[] tb = java.util.Arrays.copyOfRange(t, start * m, (start + rows) * m);
      Block block = Block.of(rows, d, xb, m, tb);
      sum.add(block, p, loss);
      BlockActivations yAndDx = LinearLayer.activations(block, p, loss, 1.0);
      System.arraycopy(yAndDx.y(), 0, y, start * m, rows * m);
      System.arraycopy(yAndDx.dx(), 0, dx, start * d, rows * d);
    }
    assertClose(yRef, y, "Y " + shape);
    assertClose(Reference.loss(loss, yRef, t), sum.lossSum(), "L " + shape);
    assertClose(Reference.dW(x, n, d, gRef, m), sum.dWSum, "dW " + shape);
    assertClose(Reference.db(gRef, n, m), sum.dbSum, "db " + shape);
    assertClose(Reference.dX(gRef, n, m, w, d), dx, "dX " + shape);
    assertEquals(n, sum.rowCount());
  }

  @Test
  void squaredLossGradientIsResidual() {
    double[] y = {3, -1};
    double[] t = {1, 1};
    double loss = Loss.SQUARED.lossSumAndGradientInPlace(y, t, 1, 2);
    assertEquals(0.5 * (4 + 4), loss, 0.0);
    assertArrayEquals(new double[] {2, -2}, y, 0.0);
  }

  @Test
  void wrongShapesAreRefusedWithBothShapes() {
    WeightsAndBias p = new WeightsAndBias(2, 2, W, B);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GradientPartial.empty(2, 2).add(Block.of(1, 3, new double[3]), p, Loss.SUM));
    assertTrue(e.getMessage().contains("3 features") && e.getMessage().contains("[2×2]"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> new WeightsAndBias(2, 2, W, new double[3]));
    IllegalArgumentException noTargets = assertThrows(IllegalArgumentException.class,
        () -> GradientPartial.empty(2, 2).add(Block.of(3, 2, X), p, Loss.SQUARED));
    assertTrue(noTargets.getMessage().contains("needs targets"), noTargets.getMessage());
  }
}
