package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
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

/** The verification's passes over the (cached) blocks, on Spark. */
public final class SparkDataPasses implements DataPasses {
  private final JavaSparkContext jsc;
  private final JavaRDD<Block> blocks;
  private final int treeDepth;
  private final long rows;

  public SparkDataPasses(JavaSparkContext jsc, JavaRDD<Block> blocks, int treeDepth, long rows) {
    this.jsc = jsc;
    this.blocks = blocks;
    this.treeDepth = treeDepth;
    this.rows = rows;
  }

  @Override
  public ProbeSum probe(ProbePlan plan) {
    return BlockAggregation.sum(jsc, "adjoint verify: " + plan.lossSets().size() + " perturbed losses, "
        + plan.probeCount() + " Freivalds probes", blocks, plan, (partition, it, shared) -> {
          ProbeSum partial = ProbeSum.empty(shared);
          while (it.hasNext()) {
            partial.add(it.next(), shared);
          }
          return partial;
        }, ProbeSum::merge, ProbeSum.empty(plan), Aggregation.FIXED, treeDepth);
  }

  /**
   * Keeps each row with probability ≈ 2·count/n by a seeded hash of (partition, row), computing Y and dX
   * of its whole block as the activation pass does; the partials are lists, concatenated in partition
   * order by the fixed tree, and the first {@code count} rows are returned.
   */
  @Override
  public List<SampledRow> sampleRows(WeightsAndBias p, Loss loss, BlockKernel kernel, double gradientScale, int count,
      long seed) {
    final double rate = Math.min(1.0, 2.0 * count / Math.max(1, rows));
    ArrayList<SampledRow> picked = BlockAggregation.sum(jsc, "adjoint verify: Y and dX of sampled rows", blocks, p,
        (partition, it, params) -> {
          ArrayList<SampledRow> out = new ArrayList<>();
          long index = 0;
          while (it.hasNext()) {
            Block b = it.next();
            BlockActivations computed = null;  // the whole block's Y and dX, as the activation pass computes them
            for (int i = 0; i < b.rows; i++, index++) {
              if (keep(seed, partition, index, rate)) {
                if (computed == null) {
                  computed = LinearLayer.activations(b, params, loss, gradientScale, kernel);
                }
                out.add(SampledRow.of(b, i, computed));
              }
            }
          }
          return out;
        }, SparkDataPasses::concat, new ArrayList<>(), Aggregation.FIXED, treeDepth);
    return new ArrayList<>(picked.subList(0, Math.min(count, picked.size())));
  }

  private static <T> ArrayList<T> concat(ArrayList<T> first, ArrayList<T> then) {
    first.addAll(then);
    return first;
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
