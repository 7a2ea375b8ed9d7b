package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;

/**
 * One row of the layer with plain loops, straight from the formulas — no BLAS, no kernel: the reference
 * the checks recompute from. The row xᵢ is read from {@code x} at {@code offset} (a whole block's
 * row-major X, or one row at offset 0); nothing is modified.
 */
final class RowReference {
  private RowReference() {}

  /** Forward: yᵢⱼ = bⱼ + Σₖ xᵢₖ·Wₖⱼ, summed from bⱼ in increasing k. */
  static double output(double[] x, int offset, WeightsAndBias p, int j) {
    int m = p.outputDim;
    double y = p.bias[j];
    for (int k = 0; k < p.inputDim; k++) {
      y += x[offset + k] * p.weights[k * m + j];
    }
    return y;
  }

  /** The magnitude of yᵢⱼ's terms, |bⱼ| + Σₖ|xᵢₖ·Wₖⱼ|, for the rounding bound of that one entry. */
  static double outputMagnitude(double[] x, int offset, WeightsAndBias p, int j) {
    int m = p.outputDim;
    double e = Math.abs(p.bias[j]);
    for (int k = 0; k < p.inputDim; k++) {
      e += Math.abs(x[offset + k] * p.weights[k * m + j]);
    }
    return e;
  }

  /** ∂ℓ/∂yᵢⱼ: yᵢⱼ − tᵢⱼ for the squared loss, 1 for the sum. */
  static double lossGradient(double y, double t, boolean squared) {
    return squared ? y - t : 1.0;
  }

  /** The row's G: gᵢⱼ = ∂ℓ/∂yᵢⱼ for every j ({@code t} may be null for the sum loss). [d] → [m]. */
  static double[] lossGradients(double[] x, double[] t, WeightsAndBias p, boolean squared) {
    double[] g = new double[p.outputDim];
    for (int j = 0; j < g.length; j++) {
      g[j] = lossGradient(output(x, 0, p, j), squared ? t[j] : 0.0, squared);
    }
    return g;
  }

  /** Backward to the input: dxᵢₖ = Σⱼ gᵢⱼ·Wₖⱼ, in increasing j. */
  static double inputGradient(double[] g, WeightsAndBias p, int k) {
    int m = p.outputDim;
    double dx = 0;
    for (int j = 0; j < m; j++) {
      dx += g[j] * p.weights[k * m + j];
    }
    return dx;
  }

  /** ‖xᵢ‖₁ over the d features at {@code offset}. */
  static double norm1(double[] x, int offset, int d) {
    double norm = 0;
    for (int k = 0; k < d; k++) {
      norm += Math.abs(x[offset + k]);
    }
    return norm;
  }

  /** The row bound eᵢ = ‖xᵢ‖₁·max|W| + max|b| (≥ Σₖ|xᵢₖ||Wₖⱼ| + |bⱼ| for every j). */
  static double rowBound(double norm1, double wMax, double bMax) {
    return norm1 * wMax + bMax;
  }
}
