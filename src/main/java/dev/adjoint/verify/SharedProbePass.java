package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The one extra distributed pass that the finite-difference, directional and Freivalds checks share:
 * each check adds the loss sets (perturbed parameters) or probe vectors it needs to one {@link ProbePlan},
 * the passes evaluate it once ({@link DataPasses#probe}), and each check reads its part of the
 * {@link ProbeSum}.
 */
final class SharedProbePass {
  /** A check that runs on the shared pass. */
  interface Check {
    /** Adds what this check evaluates to {@code pass}, drawing any randomness from {@code rng}. */
    void plan(SharedProbePass pass, Random rng);

    /** This check's results from the summed pass, which took {@code seconds}. */
    List<CheckResult> results(ProbeSum sum, double seconds);
  }

  /** The note every result of the shared pass carries. */
  static final String NOTE = "one shared pass";

  private final ResultUnderTest r;
  private final List<WeightsAndBias> lossSets = new ArrayList<>();
  private double[] probes = new double[0];
  private int probeCount;

  private SharedProbePass(ResultUnderTest r) {
    this.r = r;
  }

  /**
   * Plans {@code checks} in order with one generator seeded by {@code seed} (so each check's draws
   * depend on the checks before it), runs the pass once, and returns every check's results in order.
   */
  static List<CheckResult> run(ResultUnderTest r, List<Check> checks, long seed) {
    SharedProbePass pass = new SharedProbePass(r);
    Random rng = new Random(seed);
    for (Check check : checks) {
      check.plan(pass, rng);
    }
    long t0 = System.nanoTime();
    ProbePlan plan = new ProbePlan(r.params, r.loss, r.kernel, pass.lossSets, pass.probes, pass.probeCount);
    ProbeSum sum = r.passes.probe(plan);
    double seconds = (System.nanoTime() - t0) / 1e9;
    List<CheckResult> out = new ArrayList<>();
    for (Check check : checks) {
      out.addAll(check.results(sum, seconds));
    }
    return out;
  }

  /** Adds a loss set (the loss at {@code p}); returns its index in {@link ProbeSum}'s set sums. */
  int addLossSet(WeightsAndBias p) {
    lossSets.add(p);
    return lossSets.size() - 1;
  }

  /** Sets the Freivalds probe vectors R [m×k] row-major. */
  void setProbes(double[] probes, int k) {
    this.probes = probes;
    this.probeCount = k;
  }

  /** η of loss set {@code set}: the rounding bound of its computed L ({@link Tolerances#lossSumBound}). */
  static double lossBound(ResultUnderTest r, ProbeSum sum, int set) {
    return r.tolerances.lossSumBound(r.n, sum.setAbsLossSums[set], sum.setAbsGE[set]);
  }

  /** (L at set {@code plus} − L at set {@code minus}) / h, scaled by s. */
  static double centralDifference(ResultUnderTest r, ProbeSum sum, int plus, int minus, double h) {
    return (sum.setLossSums[plus] - sum.setLossSums[minus]) / h * r.s;
  }

  /** τ_W: the rounding of any one analytic dW entry ({@link Tolerances#analyticGradientBound}). */
  static double weightGradientBound(ResultUnderTest r, ProbeSum sum) {
    return r.tolerances.analyticGradientBound(sum.absXG, sum.absXE);
  }

  /** τ_b: the rounding of any one analytic db entry. */
  static double biasGradientBound(ResultUnderTest r, ProbeSum sum) {
    return r.tolerances.analyticGradientBound(sum.absSumG, sum.sumE);
  }
}
