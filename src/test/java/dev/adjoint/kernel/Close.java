package dev.adjoint.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;



/**
 * Comparisons with stated tolerances.
 *
 * <p>{@link #REL} = 1e-12 is the normwise relative error allowed between two float64 computations of
 * the same sums in different orders (BLAS blocks vs plain loops, tree merges vs one pass). The error of a
 * length-n dot product is at most γₙ·Σ|xᵢ||gᵢ| with γₙ ≈ n·u, u = 2⁻⁵³ ≈ 1.1e-16; for the test data
 * (entries O(1), n ≤ a few thousand) the observed error is near √n·u·max|result| ≈ 1e-14, so 1e-12
 * leaves two orders of margin while still catching any wrong term (which is O(1) relative).
 */
public final class Close {
  private Close() {}

  public static final double REL = 1e-12;

  /** max|a − e| / max(max|e|, tiny): the normwise relative error. */
  public static double relError(double[] actual, double[] expected) {
    assertEquals(expected.length, actual.length, "lengths differ");
    return Dense.normwiseRelError(actual, expected);
  }

  /** Asserts the normwise relative error is ≤ {@link #REL}. */
  public static void assertClose(double[] expected, double[] actual, String what) {
    double err = relError(actual, expected);
    assertTrue(err <= REL, what + ": relative error " + err + " > " + REL);
  }

  public static void assertClose(double expected, double actual, String what) {
    assertClose(new double[] {expected}, new double[] {actual}, what);
  }

  /** Uniform(-1, 1) entries from a seeded generator. */
  public static double[] random(java.util.Random rng, int len) {
    double[] a = new double[len];
    for (int k = 0; k < len; k++) {
      a[k] = 2 * rng.nextDouble() - 1;
    }
    return a;
  }
}
