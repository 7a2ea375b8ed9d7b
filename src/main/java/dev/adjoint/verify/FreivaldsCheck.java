package dev.adjoint.verify;

import dev.adjoint.kernel.Loss;

import java.util.List;
import java.util.Random;

/**
 * Freivalds' check: dW·r against Xᵀ·(G·r) for k random ±1 vectors r — O(n(d + m)) per vector instead
 * of the O(ndm) of recomputing dW — and Σⱼ dbⱼ against the total of G, 1ᵀG1. Xᵀ·(G·R) and ΣG come from
 * the {@link SharedProbePass}.
 */
final class FreivaldsCheck implements SharedProbePass.Check {
  private final int k;
  private final int m;
  /** Whether every row of G sums to 0 (softmax cross-entropy): then a constant r gives G·r = 0. */
  private final boolean rowsSumToZero;
  /** R [m×k] row-major, entries ±1. */
  private final double[] probes;

  FreivaldsCheck(LayerUnderTest layer, int k) {
    this.k = k;
    this.m = layer.m;
    this.rowsSumToZero = layer.loss.kind() == Loss.Kind.CROSS_ENTROPY;
    this.probes = new double[layer.m * k];
  }

  /**
   * Draws R. When the rows of G sum to 0, a column of R with every entry equal would make G·r = 0 on every
   * row and compare rounding with rounding; such a column is drawn again (m ≥ 2: half the draws or more
   * are not constant).
   */
  @Override
  public void plan(SharedProbePass pass, Random rng) {
    for (int q = 0; q < probes.length; q++) {
      probes[q] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    for (int q = 0; q < k; q++) {
      while (rowsSumToZero && m > 1 && constant(q)) {
        for (int j = 0; j < m; j++) {
          probes[j * k + q] = rng.nextBoolean() ? 1.0 : -1.0;
        }
      }
    }
    pass.setProbes(probes, k);
  }

  private boolean constant(int q) {
    for (int j = 1; j < m; j++) {
      if (probes[j * k + q] != probes[q]) {
        return false;
      }
    }
    return true;
  }

  @Override
  public List<CheckResult> results(ResultUnderTest r, ProbeSum sum, double seconds) {
    return List.of(weights(r, sum, seconds), bias(r, sum));
  }

  /** (dW·R)_cq against (Xᵀ·(G·R))_cq·s for every row c of dW and probe q. */
  private CheckResult weights(ResultUnderTest r, ProbeSum sum, double seconds) {
    int d = r.d;
    int m = r.m;
    double[] dW = r.result.dW();
    Comparison c = new Comparison(d * k);
    for (int row = 0; row < d; row++) {
      for (int q = 0; q < k; q++) {
        double v = 0;
        double abs = 0;
        for (int j = 0; j < m; j++) {
          v += dW[row * m + j] * probes[j * k + q];
          abs += Math.abs(dW[row * m + j]);
        }
        c.set(row * k + q, v, sum.xtGR[row * k + q] * r.s,
            r.tolerances.freivaldsRowTolerance(Math.sqrt(sum.xColSq[row] * sum.gRowL1Sq),
                Math.sqrt(sum.xColSq[row] * sum.sumE2), SharedProbePass.absColumn(r, sum, row), abs, v));
      }
    }
    return c.result(VerifyOptions.FREIVALDS, "dW·r vs Xᵀ(G·r)", seconds,
        k + " random ±1 vectors r; " + SharedProbePass.NOTE);
  }

  /**
   * Σⱼ dbⱼ against ΣG·s; for cross-entropy, whose every row of G sums to 0 (so that 1ᵀG1 = 0 and the
   * comparison would be of two rounding errors), db·r against 1ᵀ(G·r)·s for each probe vector r instead.
   */
  private CheckResult bias(ResultUnderTest r, ProbeSum sum) {
    if (r.loss.kind() == Loss.Kind.CROSS_ENTROPY && k > 0) {
      return biasAlongProbes(r, sum);
    }
    double dbSum = 0;
    double dbAbs = 0;
    for (double v : r.result.db()) {
      dbSum += v;
      dbAbs += Math.abs(v);
    }
    Comparison c = new Comparison(1);
    c.set(0, dbSum, sum.sumG.value() * r.s, r.tolerances.freivaldsBiasTolerance(sum.absSumG, sum.sumE, dbAbs, dbSum));
    return c.result(VerifyOptions.FREIVALDS, "db·1 vs 1ᵀG1", 0, SharedProbePass.NOTE);
  }

  /**
   * (db·R)_q against (1ᵀ·(G·R))_q·s: the bias tolerance with Σ|G|, plus the rounding of each row's G·r
   * (γ_{m}(2⁻⁵³)·Σ|G|, scaled) that 1ᵀG1 does not have.
   */
  private CheckResult biasAlongProbes(ResultUnderTest r, ProbeSum sum) {
    double[] db = r.result.db();
    Comparison c = new Comparison(k);
    for (int q = 0; q < k; q++) {
      double v = 0;
      double abs = 0;
      for (int j = 0; j < r.m; j++) {
        v += db[j] * probes[j * k + q];
        abs += Math.abs(db[j]);
      }
      double tol = r.tolerances.freivaldsBiasTolerance(sum.absSumG, sum.sumE, abs, v)
          + 2 * Tolerances.gamma(r.m, Tolerances.U64) * sum.absSumG * r.s;
      c.set(q, v, sum.sumGR[q].value() * r.s, tol);
    }
    return c.result(VerifyOptions.FREIVALDS, "db·r vs 1ᵀ(G·r)", 0, k + " random ±1 vectors r (softmax rows of G sum "
        + "to 0); " + SharedProbePass.NOTE);
  }
}
