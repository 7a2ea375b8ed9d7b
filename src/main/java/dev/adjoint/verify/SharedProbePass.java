package dev.adjoint.verify;

import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The probes that the finite-difference, directional and Freivalds checks share: before the pass each
 * check adds the loss sets (perturbed parameters) or probe vectors it needs, drawing from one seeded
 * generator; the pass evaluates them once — beside the gradient, or in a pass of its own — into a
 * {@link ProbeSum}; after it each check reads its part.
 */
final class SharedProbePass {
  /** A check that runs on the shared probes. */
  interface Check {
    /** Adds what this check evaluates to {@code pass}, drawing any randomness from {@code rng}. */
    void plan(SharedProbePass pass, Random rng);

    /** This check's results from the summed probes, which took {@code seconds}. */
    List<CheckResult> results(ResultUnderTest r, ProbeSum sum, double seconds);
  }

  /** The note every result of the shared probes carries. */
  static final String NOTE = "probes summed in the gradient's pass";

  private final List<Check> checks;
  private final List<WeightsAndBias> lossSets = new ArrayList<>();
  private final List<Integer> setColumns = new ArrayList<>();
  private final List<Integer> pairs = new ArrayList<>();
  private double[] probes = new double[0];
  private int probeCount;

  /**
   * Plans {@code checks} in order with one generator seeded by {@code seed} (so each check's draws
   * depend on the checks before it).
   */
  SharedProbePass(List<Check> checks, long seed) {
    this.checks = List.copyOf(checks);
    Random rng = new Random(seed);
    for (Check check : checks) {
      check.plan(this, rng);
    }
  }

  /** What the pass evaluates, with the reference's sample of whole blocks. */
  ProbePlan plan(LayerUnderTest layer, int sampleBlocks, long sampleSeed) {
    int[] columns = setColumns.stream().mapToInt(Integer::intValue).toArray();
    int[] pairStarts = pairs.stream().mapToInt(Integer::intValue).toArray();
    return new ProbePlan(layer.params, layer.loss, layer.kernel, lossSets, columns, pairStarts, probes, probeCount,
        sampleBlocks, sampleSeed);
  }

  /** Every check's results in planning order. */
  List<CheckResult> results(ResultUnderTest r, ProbeSum sum, double seconds) {
    List<CheckResult> out = new ArrayList<>();
    for (Check check : checks) {
      out.addAll(check.results(r, sum, seconds));
    }
    return out;
  }

  /** Adds a loss set (the loss at {@code p}); returns its index in {@link ProbeSum}'s set sums. */
  int addLossSet(WeightsAndBias p) {
    return addColumnLossSet(p, -1);
  }

  /**
   * Adds a loss set of one output column j: {@code p} is the layer of that column alone (W's column j
   * [d×1] and bⱼ), its loss summed over column j of Y and T — all of L that depends on W's column j and bⱼ,
   * at 1/m of the cost of the whole layer. Returns its index.
   */
  int addColumnLossSet(WeightsAndBias p, int column) {
    lossSets.add(p);
    setColumns.add(column);
    return lossSets.size() - 1;
  }

  /**
   * Adds the two loss sets of a central difference, at θ₊ and θ₋ (each the layer of output column
   * {@code column}, or of every column when it is −1), whose remainder bound the pass sums too. Returns
   * the index of θ₊'s set (θ₋'s is the next); the pair's index is {@link #pairOf}.
   */
  int addLossSetPair(WeightsAndBias plus, WeightsAndBias minus, int column) {
    int p = addColumnLossSet(plus, column);
    addColumnLossSet(minus, column);
    pairs.add(p);
    return p;
  }

  /** The index among the pairs of the pair whose θ₊ set is {@code plusSet}. */
  int pairOf(int plusSet) {
    return pairs.indexOf(plusSet);
  }

  /** Sets the Freivalds probe vectors R [m×k] row-major. */
  void setProbes(double[] probes, int k) {
    this.probes = probes;
    this.probeCount = k;
  }

  /** η of loss set {@code set}: the rounding bound of its computed L ({@link Tolerances#lossSumBound}). */
  static double lossBound(ResultUnderTest r, ProbeSum sum, int set) {
    return r.tolerances.lossSumBound(r.n, sum.setAbsLossSums[set], sum.setAbsGE[set], sum.setAbsY[set], sum.setE2[set]);
  }

  /** (L at set {@code plus} − L at set {@code minus}) / h, scaled by s. */
  static double centralDifference(ResultUnderTest r, ProbeSum sum, int plus, int minus, double h) {
    return (sum.setLossSum(plus) - sum.setLossSum(minus)) / h * r.s;
  }

  /**
   * τ of flat (W, b) entry e: the rounding of that analytic entry ({@link Tolerances#analyticGradientBound})
   * from its own magnitudes, bounded by Cauchy–Schwarz over the rows: (|X|ᵀ|G|)ₖⱼ ≤ √(Σᵢxᵢₖ²·Σᵢgᵢⱼ²) and
   * (|X|ᵀe)ₖ ≤ √(Σᵢxᵢₖ²·Σᵢeᵢ²) for dWₖⱼ; (1ᵀ|G|)ⱼ and Σeᵢ for dbⱼ.
   */
  static double entryBound(ResultUnderTest r, ProbeSum sum, int e) {
    if (r.index.isWeight(e)) {
      int k = e / r.m;
      int j = e % r.m;
      return r.tolerances.analyticGradientBound(Math.sqrt(sum.xColSq[k] * sum.gColSq[j]),
          Math.sqrt(sum.xColSq[k] * sum.sumE2), absColumn(r, sum, k));
    }
    return r.tolerances.analyticGradientBound(sum.absColG[e - r.d * r.m], sum.sumE, r.n);
  }

  /** Σᵢ|xᵢₖ| ≤ √(n·Σᵢxᵢₖ²) (Cauchy–Schwarz). */
  static double absColumn(ResultUnderTest r, ProbeSum sum, int k) {
    return Math.sqrt(r.n * sum.xColSq[k]);
  }

  /**
   * The truncation of the central difference of pair {@code pair}, unscaled ({@link Tolerances#truncation}):
   * the pass's remainder bound, and the midpoint's {@code shift} off θ through the rows' Jacobian
   * {@code jacobianSq}, for steps of at most stepScale·h per entry.
   */
  static double truncation(ResultUnderTest r, ProbeSum sum, int pair, double h, double shift, double jacobianSq,
      double stepScale) {
    return r.tolerances.truncation(sum.pairRemainder[pair], h, shift, jacobianSq, stepScale);
  }
}
