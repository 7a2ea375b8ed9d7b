package dev.adjoint.kernel;

import static dev.adjoint.kernel.Close.assertClose;
import static dev.adjoint.kernel.Close.random;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The partial is a monoid: merge is associative, the empty partial its identity, shapes are checked. */
class GradientPartialTest {
  private final Random rng = new Random(3);
  private final WeightsAndBias p = new WeightsAndBias(3, 2, random(rng, 6), random(rng, 2));

  private GradientPartial partialOf(int rows) {
    return GradientPartial.empty(3, 2).add(Block.of(rows, 3, random(rng, rows * 3), 2, random(rng, rows * 2)), p, Loss.SQUARED);
  }

  @Test
  void emptyIsTheIdentityOnBothSides() {
    GradientPartial a = partialOf(5);
    double[] dw = a.dWSum.clone();
    double[] db = a.dbSum.clone();
    double loss = a.lossSum();
    GradientPartial left = GradientPartial.empty(3, 2).merge(a);
    GradientPartial right = a.merge(GradientPartial.empty(3, 2));
    for (GradientPartial s : new GradientPartial[] {left, right}) {
      assertArrayEquals(dw, s.dWSum, 0.0);
      assertArrayEquals(db, s.dbSum, 0.0);
      assertEquals(loss, s.lossSum(), 0.0);
      assertEquals(5, s.rowCount());
    }
    assertSame(a, right, "merge mutates and returns this");
  }

  @Test
  void addingAnEmptyBlockChangesNothing() {
    GradientPartial a = partialOf(4);
    double[] dw = a.dWSum.clone();
    a.add(Block.of(0, 3, new double[0], 2, new double[0]), p, Loss.SQUARED);
    assertArrayEquals(dw, a.dWSum, 0.0);
    assertEquals(4, a.rowCount());
  }

  @Test
  void mergeIsAssociativeToRounding() {
    GradientPartial a1 = partialOf(3);
    GradientPartial b1 = partialOf(4);
    GradientPartial c1 = partialOf(5);
    // copies through serialization-free re-merging into empties
    GradientPartial a2 = GradientPartial.empty(3, 2).merge(a1);
    GradientPartial b2 = GradientPartial.empty(3, 2).merge(b1);
    GradientPartial c2 = GradientPartial.empty(3, 2).merge(c1);
    GradientPartial leftFirst = a1.merge(b1).merge(c1);
    GradientPartial rightFirst = a2.merge(b2.merge(c2));
    assertClose(leftFirst.dWSum, rightFirst.dWSum, "dW");
    assertClose(leftFirst.dbSum, rightFirst.dbSum, "db");
    assertEquals(12, leftFirst.rowCount());
    assertEquals(12, rightFirst.rowCount());
  }

  @Test
  void mergeChecksShapes() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> GradientPartial.empty(3, 2).merge(GradientPartial.empty(2, 3)));
    assertTrue(e.getMessage().contains("[3×2]") && e.getMessage().contains("[2×3]"), e.getMessage());
  }

  @Test
  void meanDividesOnceByTheTotalRowCount() {
    // BlockReader of unequal size: the mean of per-block means would differ from the true mean.
    GradientPartial sum = partialOf(1).merge(partialOf(9));
    Gradients mean = sum.finish(Reduction.MEAN);
    Gradients total = sum.finish(Reduction.SUM);
    // x·(1/10) and x/10 may differ in the last bit: tolerance one ulp.
    for (int k = 0; k < 6; k++) {
      assertEquals(total.dW()[k] / 10, mean.dW()[k], Math.ulp(total.dW()[k] / 10));
    }
    assertEquals(total.loss() / 10, mean.loss(), Math.ulp(total.loss() / 10));
    assertEquals(10, mean.rows());
    assertThrows(IllegalArgumentException.class, () -> GradientPartial.empty(3, 2).finish(Reduction.MEAN));
  }
}
