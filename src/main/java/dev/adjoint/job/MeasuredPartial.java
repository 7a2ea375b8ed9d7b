package dev.adjoint.job;

import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.PassMetrics;
import java.io.Serializable;

/**
 * What the gradient pass aggregates: the pure {@link GradientPartial} and, beside it, the
 * {@link PassMetrics} of the blocks it folded. Merging merges both and times the partial's merge into
 * the metrics; the partial never sees the clock. (A class, not a record: Spark's Kryo cannot serialise
 * records.)
 */
public final class MeasuredPartial implements Serializable {
  private static final long serialVersionUID = 1L;

  private final GradientPartial gradient;
  private final PassMetrics metrics;

  public MeasuredPartial(GradientPartial gradient, PassMetrics metrics) {
    this.gradient = gradient;
    this.metrics = metrics;
  }

  /** The empty partial for W [d×m], nothing measured. */
  public static MeasuredPartial empty(int inputDim, int outputDim) {
    return new MeasuredPartial(GradientPartial.empty(inputDim, outputDim), PassMetrics.empty());
  }

  public GradientPartial gradient() {
    return gradient;
  }

  public PassMetrics metrics() {
    return metrics;
  }

  /** Merges the other's sums and metrics into this one's. Mutates and returns {@code this}. */
  public MeasuredPartial merge(MeasuredPartial other) {
    long t0 = System.nanoTime();
    gradient.merge(other.gradient);
    metrics.merge(other.metrics);
    metrics.addMerge(System.nanoTime() - t0);
    return this;
  }
}
