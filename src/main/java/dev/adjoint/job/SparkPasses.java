package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.LayerKernel;
import dev.adjoint.kernel.LayerParams;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import dev.adjoint.verify.DataPasses;
import dev.adjoint.verify.ProbePlan;
import dev.adjoint.verify.ProbeSum;
import dev.adjoint.verify.SampledRow;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;

/** The verification's passes over the (cached) blocks, on Spark. */
public final class SparkPasses implements DataPasses {
  private final JavaSparkContext jsc;
  private final JavaRDD<Block> blocks;
  private final int treeDepth;
  private final long rows;

  public SparkPasses(JavaSparkContext jsc, JavaRDD<Block> blocks, int treeDepth, long rows) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.treeDepth = treeDepth;
    this.rows = rows;
  }

  @Override
  public ProbeSum probe(ProbePlan plan) {
    Broadcast<ProbePlan> bc = jsc.broadcast(plan);
    jsc.setJobDescription("adjoint verify: " + plan.lossSets().size() + " perturbed losses, " + plan.probeCount()
        + " Freivalds probes");
    try {
      return blocks.treeAggregate(ProbeSum.empty(plan), (acc, block) -> acc.add(block, bc.value()), ProbeSum::merge,
          treeDepth);
    } finally {
      jsc.setJobDescription(null);
      bc.destroy();
    }
  }

  @Override
  public List<SampledRow> sampleRows(LayerParams p, Loss loss, LayerKernel kernel, double gradientScale, int count,
      long seed) {
    // keep each row with probability ≈ 2·count/n by a seeded hash of (partition, row), then the first count
    final double rate = Math.min(1.0, 2.0 * count / Math.max(1, rows));
    Broadcast<LayerParams> bc = jsc.broadcast(p);
    jsc.setJobDescription("adjoint verify: Y and dX of sampled rows");
    try {
      List<SampledRow> picked = blocks.mapPartitionsWithIndex((partition, it) -> {
        List<SampledRow> out = new ArrayList<>();
        long index = 0;
        while (it.hasNext()) {
          Block b = it.next();
          double[][] yAndDx = null;  // the whole block's Y and dX, as the activation pass computes them
          for (int i = 0; i < b.rows; i++, index++) {
            if (keep(seed, partition, index, rate)) {
              if (yAndDx == null) {
                yAndDx = LinearLayer.activations(b, bc.value(), loss, gradientScale, kernel);
              }
              out.add(rowOf(b, i, bc.value().outputDim, yAndDx));
            }
          }
        }
        return out.iterator();
      }, true).collect();
      return new ArrayList<>(picked.subList(0, Math.min(count, picked.size())));
    } finally {
      jsc.setJobDescription(null);
      bc.destroy();
    }
  }

  private static boolean keep(long seed, int partition, long index, double rate) {
    long h = seed * 0x9E3779B97F4A7C15L + partition * 0xC2B2AE3D27D4EB4FL + index;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return (h >>> 11) * 0x1.0p-53 < rate;
  }

  private static SampledRow rowOf(Block b, int i, int m, double[][] yAndDx) {
    int d = b.features;
    return new SampledRow(java.util.Arrays.copyOfRange(b.x, i * d, (i + 1) * d),
        b.targets == null ? null : java.util.Arrays.copyOfRange(b.targets, i * m, (i + 1) * m),
        java.util.Arrays.copyOfRange(yAndDx[0], i * m, (i + 1) * m),
        java.util.Arrays.copyOfRange(yAndDx[1], i * d, (i + 1) * d));
  }

  @Override
  public void streamBlocks(Consumer<Block> consumer) {
    jsc.setJobDescription("adjoint verify: stream rows to the driver's reference");
    try {
      Iterator<Block> it = blocks.toLocalIterator();
      while (it.hasNext()) {
        consumer.accept(it.next());
      }
    } finally {
      jsc.setJobDescription(null);
    }
  }
}
