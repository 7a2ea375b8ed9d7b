package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;

/**
 * The flat index of the parameters (W, b) of a d→m layer: entries 0 … d·m − 1 are W row-major (entry
 * k·m + j is Wₖⱼ), entries d·m … d·m + m − 1 are b. The same index runs over a gradient (dW, db) or a
 * direction (V, v) of the same shapes.
 */
record ParamIndex(int d, int m) {
  /** d·m + m, the number of parameters. */
  int size() {
    return d * m + m;
  }

  /** Whether entry e is in W (else in b). */
  boolean isWeight(int e) {
    return e < d * m;
  }

  /** The flat index of bⱼ. */
  int biasEntry(int j) {
    return d * m + j;
  }

  /** Entry e of (w, b): w[e] or b[e − d·m]. */
  double get(double[] w, double[] b, int e) {
    return isWeight(e) ? w[e] : b[e - d * m];
  }

  /** Entry e of the parameters. */
  double get(WeightsAndBias p, int e) {
    return get(p.weights, p.bias, e);
  }

  /** A copy of {@code p} with entry e set to {@code value}; {@code p} is not modified. */
  WeightsAndBias with(WeightsAndBias p, int e, double value) {
    double[] w = p.weights.clone();
    double[] b = p.bias.clone();
    if (isWeight(e)) {
      w[e] = value;
    } else {
      b[e - d * m] = value;
    }
    return new WeightsAndBias(d, m, w, b);
  }

  /** How many of {@code entries} are in W. */
  int countWeights(int[] entries) {
    int count = 0;
    for (int e : entries) {
      count += isWeight(e) ? 1 : 0;
    }
    return count;
  }
}
