package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;
import java.util.List;
import java.util.Random;

/**
 * The directional check: central differences of the distributed loss along random unit directions
 * (V, v) of (W, b), step h = {@link Tolerances#step}(max(max|W|, max|b|)), against ⟨dW, V⟩ + ⟨db, v⟩ — two loss
 * evaluations per direction whatever d and m (PyTorch's gradcheck fast mode, JAX's check_vjp). Runs on
 * the {@link SharedProbePass}.
 */
final class DirectionalCheck implements SharedProbePass.Check {
  private final LayerUnderTest r;
  private final int count;
  private final double h;
  /** Direction q as a flat (W, b) vector of unit norm. */
  private final double[][] directions;
  /** The loss set of each direction's +h/2 point; −h/2 is the next. */
  private final int[] sets;
  private final int[] pairs;
  private final WeightsAndBias[] plus;
  private final WeightsAndBias[] minus;

  DirectionalCheck(LayerUnderTest layer, int count) {
    this.r = layer;
    this.count = count;
    this.h = Tolerances.step(Math.max(layer.wMax, layer.bMax), layer.loss);
    this.directions = new double[count][];
    this.sets = new int[count];
    this.pairs = new int[count];
    this.plus = new WeightsAndBias[count];
    this.minus = new WeightsAndBias[count];
  }

  @Override
  public void plan(SharedProbePass pass, Random rng) {
    for (int q = 0; q < count; q++) {
      directions[q] = unitDirection(rng);
      plus[q] = along(directions[q], h / 2);
      minus[q] = along(directions[q], -h / 2);
      sets[q] = pass.addLossSetPair(plus[q], minus[q], -1);
      pairs[q] = pass.pairOf(sets[q]);
    }
  }

  /** A Gaussian vector over the d·m + m parameters, divided by its Euclidean norm. */
  private double[] unitDirection(Random rng) {
    double[] v = new double[r.index.size()];
    double norm = 0;
    for (int e = 0; e < v.length; e++) {
      v[e] = rng.nextGaussian();
      norm += v[e] * v[e];
    }
    norm = Math.sqrt(norm);
    for (int e = 0; e < v.length; e++) {
      v[e] = v[e] / norm;
    }
    return v;
  }

  /** (W + t·V, b + t·v) for the flat direction {@code v}; the base parameters are not modified. */
  private WeightsAndBias along(double[] v, double t) {
    double[] w = r.params.weights.clone();
    double[] b = r.params.bias.clone();
    for (int e = 0; e < w.length; e++) {
      w[e] += t * v[e];
    }
    for (int j = 0; j < b.length; j++) {
      b[j] += t * v[r.index.biasEntry(j)];
    }
    return new WeightsAndBias(r.d, r.m, w, b);
  }

  @Override
  public List<CheckResult> results(ResultUnderTest result, ProbeSum sum, double seconds) {
    Comparison c = new Comparison(count);
    for (int q = 0; q < count; q++) {
      double fd = SharedProbePass.centralDifference(result, sum, sets[q], sets[q] + 1, h);
      Projection g = project(result, sum, q);
      double truncation = SharedProbePass.truncation(result, sum, pairs[q], h, g.shift, sum.sumX1Sq * r.m,
          g.maxStep / h);
      c.set(q, g.dot, fd, result.tolerances.directionalTolerance(SharedProbePass.lossBound(result, sum, sets[q]),
          SharedProbePass.lossBound(result, sum, sets[q] + 1), h, g.tauAlong, g.perturbed, g.absDot, fd, truncation));
    }
    String note = count + " random unit directions, step " + h + "; " + SharedProbePass.NOTE;
    return List.of(c.result(VerifyOptions.DIRECTIONAL, "⟨dW,V⟩ + ⟨db,v⟩", seconds, note));
  }

  /**
   * ⟨∇θ, vθ⟩ over the flat (W, b) index, with Σ|∇θ·vθ|, Σ|∇θ|·(|θ₊| + |θ₋|) and Σ|vθ|·τθ (each entry's own
   * rounding bound, {@link SharedProbePass#entryBound}) for its tolerance.
   */
  private record Projection(double dot, double absDot, double perturbed, double tauAlong, double shift, double maxStep) {}

  /** The analytic gradient (dW, db) projected on direction q. */
  private Projection project(ResultUnderTest result, ProbeSum sum, int q) {
    double dot = 0;
    double absDot = 0;
    double perturbed = 0;
    double tauAlong = 0;
    double shift = 0;
    double maxStep = 0;
    for (int e = 0; e < r.index.size(); e++) {
      maxStep = Math.max(maxStep, Math.abs(r.index.get(plus[q], e) - r.index.get(minus[q], e)));
      shift = Math.max(shift, FiniteDifferenceCheck.midpointShift(r.index.get(plus[q], e), r.index.get(minus[q], e),
          r.index.get(r.params, e)));
      double grad = r.index.get(result.result.dW(), result.result.db(), e);
      dot += grad * directions[q][e];
      absDot += Math.abs(grad * directions[q][e]);
      perturbed += Math.abs(grad) * (Math.abs(r.index.get(plus[q], e)) + Math.abs(r.index.get(minus[q], e)));
      tauAlong += Math.abs(directions[q][e]) * SharedProbePass.entryBound(result, sum, e);
    }
    return new Projection(dot, absDot, perturbed, tauAlong, shift, maxStep);
  }
}
