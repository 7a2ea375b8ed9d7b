package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;
import java.util.List;
import java.util.function.Consumer;

/** The passes over the data that the checks need; the Spark job provides them, the checks never see an RDD. */
public interface DataPasses {
  /** One distributed pass evaluating {@code plan}; the sum of its partials. */
  ProbeSum probe(ProbePlan plan);

  /**
   * About {@code count} rows chosen by a seeded hash of their position, with Y and dX (G scaled by
   * {@code gradientScale}) computed by the distributed pass through {@code kernel}.
   */
  List<SampledRow> sampleRows(WeightsAndBias p, Loss loss, BlockKernel kernel, double gradientScale, int count, long seed);

  /** Every block, one partition at a time, to a consumer on the driver. */
  void streamBlocks(Consumer<Block> consumer);
}
