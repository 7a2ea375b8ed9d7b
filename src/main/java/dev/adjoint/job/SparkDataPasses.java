package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.verify.DataPasses;
import dev.adjoint.verify.ProbePlan;
import dev.adjoint.verify.ProbeSum;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Consumer;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The verification's own passes over the blocks, on Spark: the probes in a pass of their own (the self-test;
 * runs fold them into the gradient pass, {@link LayerPasses#gradientSumWithProbes}) and the full reference's
 * stream of every row.
 */
public final class SparkDataPasses implements DataPasses {
  private final JavaSparkContext jsc;
  private final JavaRDD<Block> blocks;
  private final int treeDepth;

  public SparkDataPasses(JavaSparkContext jsc, JavaRDD<Block> blocks, int treeDepth) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.treeDepth = treeDepth;
  }

  @Override
  public ProbeSum probe(ProbePlan plan) {
    return BlockAggregation.sum(jsc, "adjoint verify: " + plan.lossSets().size() + " perturbed losses, "
        + plan.probeCount() + " Freivalds probes", blocks, plan, (partition, it, shared) -> {
          ProbeSum partial = ProbeSum.empty(shared);
          long index = 0;
          while (it.hasNext()) {
            partial.add(it.next(), shared, partition, index++, true);
          }
          return partial.finishPartition(shared, ProbeSum.kernelPartial(shared));
        }, ProbeSum::merge, ProbeSum.empty(plan), Aggregation.FIXED, treeDepth);
  }

  /** Bytes of blocks the driver fetches at a time when streaming (toLocalIterator would fetch whole partitions). */
  static final long STREAM_SLICE_BYTES = 16L << 20;

  /**
   * Partition by partition, in slices of about {@link #STREAM_SLICE_BYTES}: one small job per slice, so
   * the driver holds one slice at a time whatever the size of n or of a partition.
   */
  @Override
  public void streamBlocks(Consumer<Block> consumer) {
    jsc.setJobDescription("adjoint verify: stream rows to the driver's reference");
    try {
      List<long[]> shape = blocks.mapPartitions(it -> {
        long count = 0;
        long bytes = 0;
        while (it.hasNext()) {
          Block b = it.next();
          count++;
          bytes += 8L * (b.x.length + (b.targets == null ? 0 : b.targets.length));
        }
        return List.of(new long[] {count, bytes}).iterator();
      }).collect();
      for (int p = 0; p < shape.size(); p++) {
        long count = shape.get(p)[0];
        if (count == 0) {
          continue;
        }
        long perBlock = Math.max(1, shape.get(p)[1] / count);
        long slice = Math.max(1, STREAM_SLICE_BYTES / perBlock);
        for (long lo = 0; lo < count; lo += slice) {
          final long from = lo;
          final long to = Math.min(count, lo + slice);
          List<Block>[] got = blocks.mapPartitions(it -> sliceOf(it, from, to), true).collectPartitions(new int[] {p});
          got[0].forEach(consumer);
        }
      }
    } finally {
      jsc.setJobDescription(null);
    }
  }

  private static Iterator<Block> sliceOf(Iterator<Block> it, long from, long to) {
    List<Block> out = new ArrayList<>();
    for (long q = 0; q < to && it.hasNext(); q++) {
      Block b = it.next();
      if (q >= from) {
        out.add(b);
      }
    }
    return out.iterator();
  }
}
