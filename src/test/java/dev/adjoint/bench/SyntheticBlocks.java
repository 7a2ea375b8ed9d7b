package dev.adjoint.bench;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * The synthetic labelled rows the in-JVM benchmarks ({@link LossBench}, {@link ChainBench}) time over, cached
 * as blocks: X uniform on (−√3, √3) (unit variance), labels uniform over K classes, seeded per partition, so
 * the same shape gives the same rows in every benchmark and run.
 */
final class SyntheticBlocks {
  private SyntheticBlocks() {}

  /** Partitions hold at most this many bytes of X and G (as scripts/bench's parts_for), in multiples of the cores. */
  private static final long PARTITION_BYTES = 512L << 20;

  /** A multiple of {@code cores}, each partition at most {@link #PARTITION_BYTES} of X [rows×dim] and G [rows×classes]. */
  static int partitions(int cores, long rows, int dim, int classes) {
    long bytes = 8L * rows * (dim + classes);
    return (int) (cores * ((bytes + cores * PARTITION_BYTES - 1) / (cores * PARTITION_BYTES)));
  }

  /** {@code rows} labelled rows of {@code dim} features in blocks of {@code blockRows}, persisted in memory (not yet filled). */
  static JavaRDD<Block> cached(JavaSparkContext jsc, long rows, int dim, int classes, int partitions, int blockRows,
      String name) {
    return jsc.parallelize(IntStream.range(0, partitions).boxed().toList(), partitions)
        .mapPartitionsWithIndex((index, it) -> generate(rows, dim, classes, partitions, index, blockRows), true)
        .setName(name).persist(StorageLevel.MEMORY_ONLY());
  }

  /** One partition's rows of the synthetic table, in blocks of {@code blockRows}, seeded by the partition. */
  static Iterator<Block> generate(long rows, int dim, int classes, int partitions, int index, int blockRows) {
    long start = rows * index / partitions;
    long end = rows * (index + 1) / partitions;
    SplittableRandom rng = new SplittableRandom(1600 + index);
    double scale = Math.sqrt(3);  // uniform(−√3, √3): unit variance
    List<Block> out = new ArrayList<>();
    for (long r = start; r < end; r += blockRows) {
      int n = (int) Math.min(blockRows, end - r);
      double[] x = new double[n * dim];
      for (int k = 0; k < x.length; k++) {
        x[k] = scale * (2 * rng.nextDouble() - 1);
      }
      double[] labels = new double[n];
      for (int i = 0; i < n; i++) {
        labels[i] = rng.nextInt(classes);
      }
      out.add(Block.of(n, dim, x, 1, labels));
    }
    return out.iterator();
  }

  /** W [in×out] with entries of variance 1/in (outputs of unit variance for unit-variance inputs), b uniform on (−1, 1). */
  static WeightsAndBias uniform(SplittableRandom rng, int in, int out) {
    double[] w = new double[in * out];
    for (int k = 0; k < w.length; k++) {
      w[k] = Math.sqrt(3.0 / in) * (2 * rng.nextDouble() - 1);
    }
    double[] b = new double[out];
    for (int k = 0; k < b.length; k++) {
      b[k] = 2 * rng.nextDouble() - 1;
    }
    return new WeightsAndBias(in, out, w, b);
  }
}
