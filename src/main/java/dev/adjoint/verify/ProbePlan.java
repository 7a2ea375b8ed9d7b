package dev.adjoint.verify;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * What one verification pass over the data evaluates (broadcast to the tasks): the loss at the base
 * parameters and at each of {@code lossSets} (finite-difference and directional probes), and the
 * Freivalds products Xᵀ·(G·R) for the probe vectors R [m×k] row-major ({@code k} = 0: none), and
 * how many whole blocks to keep as the reference's sample.
 * (A class, not a record: Spark's Kryo cannot serialise records.)
 */
public final class ProbePlan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final WeightsAndBias base;
  private final Loss loss;
  private final BlockKernel kernel;
  private final ArrayList<WeightsAndBias> lossSets;
  /** For each loss set, the output column it is the layer of (a d×1 set), or −1 for the whole layer. */
  private final int[] setColumns;
  private final double[] probes;
  private final int probeCount;
  private final int sampleBlocks;
  private final long sampleSeed;
  /** The first set of each pair (θ₊ at p, θ₋ at p + 1) of a central difference. */
  private final int[] pairs;
  private transient WeightsAndBias stacked;
  private transient int[] stackedOffsets;

  public ProbePlan(WeightsAndBias base, Loss loss, BlockKernel kernel, List<WeightsAndBias> lossSets, double[] probes,
      int probeCount) {
    this(base, loss, kernel, lossSets, null, null, probes, probeCount, 0, 0);
  }

  /** With a sample of {@code sampleBlocks} whole blocks chosen by a hash seeded with {@code sampleSeed} ({@link BlockSample}). */
  public ProbePlan(WeightsAndBias base, Loss loss, BlockKernel kernel, List<WeightsAndBias> lossSets, double[] probes,
      int probeCount, int sampleBlocks, long sampleSeed) {
    this(base, loss, kernel, lossSets, null, null, probes, probeCount, sampleBlocks, sampleSeed);
  }

  /**
   * {@code setColumns[p]} ≥ 0 makes loss set p the layer of one output column j: W's column j [d×1] and
   * bⱼ, whose loss is summed over that column of Y and T only (null: every set is a whole layer).
   * {@code pairs} lists the sets p whose loss and that of p + 1 make a central difference (null: none),
   * for which the pass also sums the loss's remainder bound.
   */
  public ProbePlan(WeightsAndBias base, Loss loss, BlockKernel kernel, List<WeightsAndBias> lossSets, int[] setColumns,
      int[] pairs, double[] probes, int probeCount, int sampleBlocks, long sampleSeed) {
    this.pairs = pairs == null ? new int[0] : pairs.clone();
    this.base = base;
    this.loss = loss;
    this.kernel = kernel;
    this.lossSets = new ArrayList<>(lossSets);
    this.setColumns = setColumns == null ? filled(lossSets.size()) : setColumns.clone();
    this.probes = probes;
    this.probeCount = probeCount;
    this.sampleBlocks = sampleBlocks;
    this.sampleSeed = sampleSeed;
  }

  private static int[] filled(int size) {
    int[] c = new int[size];
    java.util.Arrays.fill(c, -1);
    return c;
  }

  /**
   * Every layer the pass evaluates side by side — the base, then each loss set — as one layer of
   * m + Σₚ mₚ outputs: W's columns and b's entries of each, in order. One forward GEMM of this layer
   * gives every set's Y (each output column depends on its own column of W only); wider GEMMs run
   * closer to the machine's peak than one narrow GEMM per set.
   */
  public WeightsAndBias stacked() {
    if (stacked == null) {
      int d = base.inputDim;
      int width = base.outputDim;
      for (WeightsAndBias set : lossSets) {
        width += set.outputDim;
      }
      double[] w = new double[d * width];
      double[] b = new double[width];
      int[] offsets = new int[lossSets.size()];
      int offset = 0;
      for (int p = -1; p < lossSets.size(); p++) {
        WeightsAndBias set = p < 0 ? base : lossSets.get(p);
        if (p >= 0) {
          offsets[p] = offset;
        }
        for (int k = 0; k < d; k++) {
          System.arraycopy(set.weights, k * set.outputDim, w, k * width + offset, set.outputDim);
        }
        System.arraycopy(set.bias, 0, b, offset, set.outputDim);
        offset += set.outputDim;
      }
      stackedOffsets = offsets;
      stacked = new WeightsAndBias(d, width, w, b);
    }
    return stacked;
  }

  /** The first output of loss set {@code p} in {@link #stacked} (the base's are 0 … m − 1). */
  public int stackedOffset(int p) {
    stacked();
    return stackedOffsets[p];
  }

  /** The output column loss set {@code p} covers, or −1 for the whole layer. */
  public int setColumn(int p) {
    return setColumns[p];
  }

  /** How many pairs of sets make central differences. */
  public int pairCount() {
    return pairs.length;
  }

  /** The θ₊ set of pair q (θ₋ is the next set). */
  public int pairPlus(int q) {
    return pairs[q];
  }

  /** Blocks kept whole for the sampled reference (0: none). */
  public int sampleBlocks() {
    return sampleBlocks;
  }

  long sampleSeed() {
    return sampleSeed;
  }

  public WeightsAndBias base() {
    return base;
  }

  public Loss loss() {
    return loss;
  }

  public BlockKernel kernel() {
    return kernel;
  }

  public List<WeightsAndBias> lossSets() {
    return lossSets;
  }

  public double[] probes() {
    return probes;
  }

  public int probeCount() {
    return probeCount;
  }
}
