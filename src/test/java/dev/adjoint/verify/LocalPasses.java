package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import java.util.List;
import java.util.function.Consumer;

/** The checks' passes over blocks held in memory (one partition), for testing the checks' math without Spark. */
final class LocalPasses implements DataPasses {
  private final List<Block> blocks;

  LocalPasses(List<Block> blocks) {
    this.blocks = blocks;
  }

  @Override
  public ProbeSum probe(ProbePlan plan) {
    ProbeSum s = ProbeSum.empty(plan);
    long index = 0;
    for (Block b : blocks) {
      s.add(b, plan, 0, index++, true);
    }
    return s.finishPartition(plan, ProbeSum.kernelPartial(plan));
  }

  @Override
  public void streamBlocks(Consumer<Block> consumer) {
    blocks.forEach(consumer);
  }
}
