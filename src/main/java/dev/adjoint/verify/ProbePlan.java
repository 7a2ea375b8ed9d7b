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
 * Freivalds products Xᵀ·(G·R) for the probe vectors R [m×k] row-major ({@code k} = 0: none).
 * (A class, not a record: Spark's Kryo cannot serialise records.)
 */
public final class ProbePlan implements Serializable {
  private static final long serialVersionUID = 1L;

  private final WeightsAndBias base;
  private final Loss loss;
  private final BlockKernel kernel;
  private final ArrayList<WeightsAndBias> lossSets;
  private final double[] probes;
  private final int probeCount;

  public ProbePlan(WeightsAndBias base, Loss loss, BlockKernel kernel, List<WeightsAndBias> lossSets, double[] probes,
      int probeCount) {
    this.base = base;
    this.loss = loss;
    this.kernel = kernel;
    this.lossSets = new ArrayList<>(lossSets);
    this.probes = probes;
    this.probeCount = probeCount;
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
