package dev.adjoint.job;

import dev.adjoint.verify.ProbeSum;
import java.io.Serializable;

/**
 * What the gradient pass aggregates when the checks ride on it: the {@link MeasuredPartial} and, beside
 * it, the checks' {@link ProbeSum} over the same blocks — summed apart, so a fault in one aggregation
 * shows against the other. (A class, not a record: Spark's Kryo cannot serialise records.)
 */
public final class PassWithProbes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final MeasuredPartial pass;
  private final ProbeSum probes;

  public PassWithProbes(MeasuredPartial pass, ProbeSum probes) {
    this.pass = pass;
    this.probes = probes;
  }

  public MeasuredPartial pass() {
    return pass;
  }

  public ProbeSum probes() {
    return probes;
  }

  /** Merges both. Mutates and returns {@code this}. */
  public PassWithProbes merge(PassWithProbes other) {
    pass.merge(other.pass);
    probes.merge(other.probes);
    return this;
  }
}
