package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import java.util.function.Consumer;

/** The passes over the data that the checks need; the Spark job provides them, the checks never see an RDD. */
public interface DataPasses {
  /**
   * One distributed pass evaluating {@code plan} (blocks numbered within their partition for the sample,
   * whose partials come from {@link ProbeSum#kernelPartial}); the sum of its partials.
   */
  ProbeSum probe(ProbePlan plan);

  /** Every block, one partition at a time, to a consumer on the driver. */
  void streamBlocks(Consumer<Block> consumer);
}
