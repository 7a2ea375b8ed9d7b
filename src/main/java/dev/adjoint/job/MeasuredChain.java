package dev.adjoint.job;

import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.PassMetrics;
import java.io.Serializable;

/**
 * What a chain's gradient pass aggregates: the pure {@link ChainPartial} and the {@link PassMetrics} of the
 * blocks it folded (the chain's {@link MeasuredPartial}). A class, not a record: Kryo cannot serialise records.
 */
public final class MeasuredChain implements Serializable {
  private static final long serialVersionUID = 1L;

  private final ChainPartial gradient;
  private final PassMetrics metrics;

  public MeasuredChain(ChainPartial gradient, PassMetrics metrics) {
    this.gradient = gradient;
    this.metrics = metrics;
  }

  public static MeasuredChain empty(int[] widths) {
    return new MeasuredChain(ChainPartial.empty(widths), PassMetrics.empty());
  }

  public ChainPartial gradient() {
    return gradient;
  }

  public PassMetrics metrics() {
    return metrics;
  }

  /** Merges the other's sums and metrics into this one's. Mutates and returns {@code this}. */
  public MeasuredChain merge(MeasuredChain other) {
    long t0 = System.nanoTime();
    gradient.merge(other.gradient);
    metrics.merge(other.metrics);
    metrics.addMerge(System.nanoTime() - t0);
    return this;
  }
}
