package dev.adjoint.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.commons.math3.special.Erf;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The chain's kernel on its own: activations, one layer bit for bit, shapes, and the backward's algebra. */
class ChainKernelTest {

  /**
   * A chain of one layer computes exactly what the single layer does: the same GEMM calls in the same order,
   * so dW, db and L agree bit for bit (the CLI keeps one W on the single layer's path; this is why a chain
   * of depth 1 from an .npz gives the same files).
   */
  @Test
  void aChainOfOneLayerIsTheLayerBitForBit() {
    Random rng = new Random(7);
    WeightsAndBias p = new WeightsAndBias(5, 3, Close.random(rng, 15), Close.random(rng, 3));
    LayerChain chain = new LayerChain(List.of(p), Activation.TANH);
    GradientPartial one = GradientPartial.empty(5, 3);
    ChainPartial many = ChainPartial.empty(chain.widths());
    for (int b = 0; b < 5; b++) {
      int rows = 3 + 7 * b;
      Block block = Block.of(rows, 5, Close.random(rng, rows * 5), 3, Close.random(rng, rows * 3));
      one.add(block, p, Loss.SQUARED);
      many.add(block, chain, Loss.SQUARED, ChainKernel.CORRECT, null, null);
    }
    assertArrayEquals(one.dWSum, many.dWSum[0]);
    assertArrayEquals(one.dbSum, many.dbSum[0]);
    assertEquals(one.lossSum(), many.lossSum());
  }

  /** σ' against a central difference of σ (step 1e-5: truncation ~1e-10·σ''', rounding ~1e-11), away from relu's kink. */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void eachSlopeIsTheDerivativeOfItsValue(Activation a) {
    for (double z = -6; z <= 6; z += 0.37) {
      double h = 1e-5;
      double fd = (a.value(z + h) - a.value(z - h)) / (2 * h);
      assertEquals(fd, a.slope(z), 1e-8, a + " at " + z);
      assertTrue(Math.abs(a.slope(z)) <= a.slopeBound(), a + "'s slope bound at " + z);
    }
  }

  /** sup|σ''| as stated: a central second difference never exceeds it (relu: infinite, its kink). */
  @ParameterizedTest
  @EnumSource(Activation.class)
  void curvatureBoundsHold(Activation a) {
    double max = 0;
    for (double z = -8; z <= 8; z += 1e-3) {
      double h = 1e-4;
      max = Math.max(max, Math.abs(a.slope(z + h) - a.slope(z - h)) / (2 * h));
    }
    assertTrue(max <= a.curvatureBound() * (1 + 1e-6), a + ": max |σ''| " + max + " > " + a.curvatureBound());
    if (!a.hasKink()) {
      assertTrue(max >= a.curvatureBound() * 0.999, a + ": the stated bound is not tight: " + max);
    }
  }

  /** relu'(0) = 0 as PyTorch; GELU is the exact erf form: z·½(1 + erf(z/√2)), checked against commons-math's erf. */
  @Test
  void reluAtZeroAndExactGelu() {
    assertEquals(0.0, Activation.RELU.slope(0.0));
    // the branch-free slope: 1 exactly for z > 0, 0 for ±0, negatives and NaN; the array forms agree with value/slope
    double[] zs = {0.0, -0.0, Double.MIN_VALUE, -Double.MIN_VALUE, 1e-300, -1e-300, 3.5, -3.5, Double.MAX_VALUE,
        Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN};
    double[] want = {0, 0, 1, 0, 1, 0, 1, 0, 1, 1, 0, 0};
    double[] h = new double[zs.length];
    double[] p = new double[zs.length];
    java.util.Arrays.fill(p, 2.0);
    Activation.RELU.forward(zs, h, zs.length);
    Activation.RELU.backward(zs, p, zs.length);
    for (int i = 0; i < zs.length; i++) {
      assertEquals(want[i], Activation.RELU.slope(zs[i]), "relu'(" + zs[i] + ")");
      assertEquals(2 * want[i], p[i], "backward at " + zs[i]);
      assertEquals(Activation.RELU.value(zs[i]), h[i], "forward at " + zs[i]);
    }
    assertTrue(Double.isNaN(Activation.RELU.value(Double.NaN)), "NaN propagates, as PyTorch's relu");
    assertEquals(0.0, Activation.RELU.value(-0.0));
    // Φ against 18-digit values (mpmath's ncdf at 30 digits): within GELU's stated rounding, valueRounding·u
    double[][] phi = {{-12, 1.776482112077679e-33}, {-10, 7.61985302416052607e-24}, {-8, 6.22096057427178412e-16},
        {-6, 9.86587645037698141e-10}, {-4, 0.0000316712418331199213}, {-2, 0.0227501319481792072},
        {-1, 0.158655253931457051}, {-0.3, 0.382088577811047367}, {0.3, 0.617911422188952633},
        {1, 0.841344746068542949}, {2, 0.977249868051820793}, {4, 0.99996832875816688}, {6, 0.999999999013412355}};
    for (double[] pt : phi) {
      double rel = Math.abs(NormalCdf.cdf(pt[0]) - pt[1]) / pt[1];
      assertTrue(rel <= Activation.GELU.valueRounding() * 0x1p-53, "Φ(" + pt[0] + "): relative error " + rel);
    }
    // and against Commons Math's erfc every 1/1000 over [−12, 12], off the table's nodes, at 1e-13: Commons' own error
    // reaches 2·10⁻¹⁴ at z = −12 (against the values above), the table's 5·10⁻¹⁵
    for (double z = -12; z <= 12; z += 1e-3) {
      double exact = 0.5 * Erf.erfc(-z / Math.sqrt(2));
      assertEquals(exact, NormalCdf.cdf(z), 1e-13 * exact, "Φ(" + z + ")");
    }
    for (double z = -5; z <= 5; z += 0.25) {
      double exact = z * 0.5 * (1 + Erf.erf(z / Math.sqrt(2)));
      assertEquals(exact, Activation.GELU.value(z), 1e-15 * Math.max(1, Math.abs(exact)), "gelu(" + z + ")");
    }
    // Φ(1) to 16 digits, within GELU's stated rounding (valueRounding·u relative)
    assertEquals(0.8413447460685429, Activation.GELU.value(1.0), Activation.GELU.valueRounding() * 0x1p-53 * 0.85);
    assertEquals(Activation.GELU, Activation.parse("gelu"));
    assertThrows(IllegalArgumentException.class, () -> Activation.parse("swish"));
  }

  /** Shapes that do not connect name both layers and both shapes. */
  @Test
  void layersThatDoNotConnectNameBoth() {
    WeightsAndBias a = new WeightsAndBias(6, 5, new double[30], new double[5]);
    WeightsAndBias b = new WeightsAndBias(4, 3, new double[12], new double[3]);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new LayerChain(List.of(a, b), Activation.RELU));
    assertTrue(e.getMessage().contains("layer 0's W is [6×5] but layer 1's W is [4×3]"), e.getMessage());
  }

  /**
   * The backward is the adjoint of the forward: for random θ and X, dW_l and db_l of a 3-layer tanh chain match
   * central differences of L at 1e-7 relative (step 1e-5: truncation h²·L'''/6 ≈ 1e-10, rounding u·L/h ≈ 1e-11).
   */
  @Test
  void gradientsMatchCentralDifferences() {
    Random rng = new Random(3);
    int[] w = {4, 3, 3, 2};
    List<WeightsAndBias> layers = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      layers.add(new WeightsAndBias(w[l], w[l + 1], Close.random(rng, w[l] * w[l + 1]), Close.random(rng, w[l + 1])));
    }
    LayerChain chain = new LayerChain(layers, Activation.TANH);
    Block block = Block.of(9, 4, Close.random(rng, 36), 2, Close.random(rng, 18));
    ChainPartial g = ChainPartial.empty(w).add(block, chain, Loss.SQUARED, ChainKernel.CORRECT, null, null);
    for (int l = 0; l < 3; l++) {
      double[][] dW = zeros(w, true);
      double[][] db = zeros(w, false);
      for (int q = 0; q < dW[l].length; q++) {
        dW[l][q] = 1;
        assertEquals(fd(chain, block, dW, db), g.dWSum[l][q], 1e-7 * Math.max(1, Math.abs(g.dWSum[l][q])), "dW" + l + "[" + q + "]");
        dW[l][q] = 0;
      }
      for (int q = 0; q < db[l].length; q++) {
        db[l][q] = 1;
        assertEquals(fd(chain, block, dW, db), g.dbSum[l][q], 1e-7 * Math.max(1, Math.abs(g.dbSum[l][q])), "db" + l + "[" + q + "]");
        db[l][q] = 0;
      }
    }
  }

  private static double fd(LayerChain chain, Block block, double[][] dW, double[][] db) {
    double h = 1e-5;
    double plus = ChainPartial.empty(chain.widths()).add(block, chain.plus(h, dW, db), Loss.SQUARED, ChainKernel.CORRECT, null, null).lossSum();
    double minus = ChainPartial.empty(chain.widths()).add(block, chain.plus(-h, dW, db), Loss.SQUARED, ChainKernel.CORRECT, null, null).lossSum();
    return (plus - minus) / (2 * h);
  }

  /** Zero direction arrays shaped like every layer's W (or b). */
  private static double[][] zeros(int[] w, boolean weights) {
    double[][] z = new double[w.length - 1][];
    for (int l = 0; l + 1 < w.length; l++) {
      z[l] = new double[weights ? w[l] * w[l + 1] : w[l + 1]];
    }
    return z;
  }
}
