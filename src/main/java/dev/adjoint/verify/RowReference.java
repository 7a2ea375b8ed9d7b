package dev.adjoint.verify;

import dev.adjoint.kernel.Loss;
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

  /** The row's outputs yᵢ [m] from xᵢ [d] ({@link #output} for every j). */
  static double[] outputs(double[] x, WeightsAndBias p) {
    double[] y = new double[p.outputDim];
    for (int j = 0; j < y.length; j++) {
      y[j] = output(x, 0, p, j);
    }
    return y;
  }

  /** The row's G: gᵢⱼ = ∂ℓ/∂yᵢⱼ for every j ({@code t} may be null for the sum loss). [d] → [m]. */
  static double[] lossGradients(double[] x, double[] t, WeightsAndBias p, Loss loss) {
    double[] g = new double[p.outputDim];
    lossAndGradient(outputs(x, p), t, loss, g);
    return g;
  }

  /**
   * ℓ of one row and its G (into {@code g}), each straight from its definition — not the kernel's
   * arrangement of it: for entries y [c] (a row's m outputs, or for element-wise losses any c of them) and
   * their targets t (c values; one class label for cross-entropy with labels; null for the sum loss).
   */
  static double lossAndGradient(double[] y, double[] t, Loss loss, double[] g) {
    int c = y.length;
    double l = 0;
    switch (loss.kind()) {
      case SUM -> {
        for (int j = 0; j < c; j++) {
          l += y[j];
          g[j] = 1.0;
        }
      }
      case SQUARED -> {
        for (int j = 0; j < c; j++) {
          g[j] = y[j] - t[j];
          l += 0.5 * g[j] * g[j];
        }
      }
      case LOGISTIC -> {  // ℓ = −[t·log σ(y) + (1 − t)·log σ(−y)], log σ(z) = −softplus(−z)
        for (int j = 0; j < c; j++) {
          l += t[j] * softplus(-y[j]) + (1 - t[j]) * softplus(y[j]);
          g[j] = 1 / (1 + Math.exp(-y[j])) - t[j];
        }
      }
      case CROSS_ENTROPY -> {  // log pⱼ = (yⱼ − max) − log Σₖ e^{yₖ − max}; ℓ = −Σ tⱼ log pⱼ; g = (Σt)·p − t
        double max = Double.NEGATIVE_INFINITY;
        for (double v : y) {
          max = Math.max(max, v);
        }
        double z = 0;
        for (double v : y) {
          z += Math.exp(v - max);
        }
        double logZ = Math.log(z);
        double tSum = 0;
        for (int j = 0; j < c; j++) {
          double tj = loss.classLabels() ? (j == (int) t[0] ? 1 : 0) : t[j];
          double logP = (y[j] - max) - logZ;
          l -= tj * logP;
          tSum += tj;
          g[j] = Math.exp(logP);
        }
        for (int j = 0; j < c; j++) {
          g[j] = tSum * g[j] - (loss.classLabels() ? (j == (int) t[0] ? 1 : 0) : t[j]);
        }
      }
      case HUBER -> {
        double delta = loss.huberDelta();
        for (int j = 0; j < c; j++) {
          double r = y[j] - t[j];
          boolean inside = Math.abs(r) <= delta;
          l += inside ? 0.5 * r * r : delta * Math.abs(r) - 0.5 * delta * delta;
          g[j] = inside ? r : (r > 0 ? delta : -delta);
        }
      }
    }
    return l;
  }

  /** log(1 + e^a), without overflow: max(a, 0) + log(1 + e^{−|a|}). */
  private static double softplus(double a) {
    return Math.max(a, 0) + Math.log1p(Math.exp(-Math.abs(a)));
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
