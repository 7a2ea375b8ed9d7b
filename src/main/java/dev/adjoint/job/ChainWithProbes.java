package dev.adjoint.job;

import dev.adjoint.verify.ChainProbeSum;
import java.io.Serializable;

/** The chain's gradient pass and its checks' probes, aggregated side by side (a class: Kryo). */
public final class ChainWithProbes implements Serializable {
  private static final long serialVersionUID = 1L;

  private final MeasuredChain pass;
  private final ChainProbeSum probes;

  public ChainWithProbes(MeasuredChain pass, ChainProbeSum probes) {
    this.pass = pass;
    this.probes = probes;
  }

  public MeasuredChain pass() {
    return pass;
  }

  public ChainProbeSum probes() {
    return probes;
  }

  /** Merges both sides. Mutates and returns {@code this}. */
  public ChainWithProbes merge(ChainWithProbes other) {
    pass.merge(other.pass);
    probes.merge(other.probes);
    return this;
  }
}
