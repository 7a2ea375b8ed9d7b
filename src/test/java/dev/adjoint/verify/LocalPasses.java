package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** The checks' passes over blocks held in memory, for testing the checks' math without Spark. */
final class LocalPasses implements DataPasses {
  private final List<Block> blocks;

  LocalPasses(List<Block> blocks) {
    this.blocks = blocks;
  }

  @Override
  public ProbeSum probe(ProbePlan plan) {
    ProbeSum s = ProbeSum.empty(plan);
    blocks.forEach(b -> s.add(b, plan));
    return s;
  }

  @Override
  public List<SampledRow> sampleRows(WeightsAndBias p, Loss loss, BlockKernel kernel, double scale, int count, long seed) {
    List<SampledRow> out = new ArrayList<>();
    for (Block b : blocks) {
      BlockActivations computed = LinearLayer.activations(b, p, loss, scale, kernel);
      for (int i = 0; i < b.rows && out.size() < count; i++) {
        out.add(SampledRow.of(b, i, computed));
      }
    }
    return out;
  }

  @Override
  public void streamBlocks(Consumer<Block> consumer) {
    blocks.forEach(consumer);
  }
}
