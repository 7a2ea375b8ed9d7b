package dev.adjoint.study;

import dev.adjoint.data.BlockReader;
import dev.adjoint.data.Table;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.BlockAggregation;
import dev.adjoint.job.DriverBytes;
import dev.adjoint.job.FixedTree;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.PartitionFold;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The study's passes on Spark. Each is a fold given to {@link BlockAggregation} (the one driver of every
 * pass: broadcast, fold each partition, fixed tree, destroy): the blocks are numbered from their
 * partition's first row, and the math of each fold is {@link AccumulationSum}, {@link ExactSum} or
 * {@link Magnitudes}. Parts 3 and 4 (partitioning, throughput) run the layer's own gradient pass.
 */
final class StudyPasses {
  /** Tree depth of the study's own aggregations (exact reference, modes, full batch). */
  static final int TREE_DEPTH = 2;

  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final StudyOptions o;
  private final Loss loss;

  StudyPasses(SparkSession spark, StudyOptions o, Loss loss) {
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.o = o;
    this.loss = loss;
  }

  /** Global row index of each partition's first row, and n last: one counting pass over the cached blocks. */
  long[] firstRowOfEachPartition(JavaRDD<Block> blocks) {
    jsc.setJobDescription("adjoint study: count rows per partition");
    List<Long> counts = blocks.mapPartitions(it -> {
      long c = 0;
      while (it.hasNext()) {
        c += it.next().rows;
      }
      return List.of(c).iterator();
    }, true).collect();
    long[] first = new long[counts.size() + 1];
    for (int p = 0; p < counts.size(); p++) {
      first[p + 1] = first[p] + counts.get(p);
    }
    return first;
  }

  /**
   * What every numbered fold reads on the executors: W and b, and the global index of each partition's
   * first row. (A class, not a record: Spark's Kryo cannot serialise records.)
   */
  private static final class Numbering implements Serializable {
    private static final long serialVersionUID = 1L;
    private final WeightsAndBias params;
    private final long[] firstRows;

    Numbering(WeightsAndBias params, long[] firstRows) {
      this.params = params;
      this.firstRows = firstRows;
    }

    WeightsAndBias params() {
      return params;
    }

    long[] firstRows() {
      return firstRows;
    }
  }

  /** How a block, numbered from {@code firstRow}, folds into a partial (run in the tasks). */
  private interface NumberedAdd<T> extends Serializable {
    T add(T acc, Block block, long firstRow, WeightsAndBias params);
  }

  /**
   * Folds each partition's blocks, numbered from the partition's first row, into a partial that starts as a
   * copy of {@code empty}; the partials are summed by the fixed tree.
   */
  private <T extends Serializable> T foldNumbered(JavaRDD<Block> blocks, long[] firstRows, WeightsAndBias params,
      T zero, SerializableCopy<T> empty, NumberedAdd<T> add, Function2<T, T, T> merge, String what) {
    PartitionFold<Numbering, Block, T> fold = (partition, it, shared) -> {
      T acc = empty.copy();
      long row = shared.firstRows()[partition];
      while (it.hasNext()) {
        Block b = it.next();
        acc = add.add(acc, b, row, shared.params());
        row += b.rows;
      }
      return acc;
    };
    return BlockAggregation.sum(jsc, "adjoint study: " + what, blocks, new Numbering(params, firstRows), fold, merge,
        zero, Aggregation.FIXED, TREE_DEPTH);
  }

  /** A fresh empty partial in each task. */
  private interface SerializableCopy<T> extends Serializable {
    T copy();
  }

  ExactSum exactSums(JavaRDD<Block> blocks, long[] firstRows, WeightsAndBias params, ExactSum empty, String data) {
    final Loss l = loss;
    final ExactSum zero = empty.copyOfEmpty();
    return foldNumbered(blocks, firstRows, params, empty, zero::copyOfEmpty,
        (acc, block, firstRow, p) -> acc.add(block, firstRow, p, l), ExactSum::merge,
        "exact reference (double-double) of " + empty.entries().size() + " dW entries, " + data);
  }

  /** S1 and S2 of every dW entry, for the normalisation's rounding agreement. */
  Magnitudes magnitudes(JavaRDD<Block> blocks, long[] firstRows, WeightsAndBias params) {
    final Loss l = loss;
    final int d = params.inputDim;
    final int m = params.outputDim;
    return foldNumbered(blocks, firstRows, params, Magnitudes.empty(d, m), () -> Magnitudes.empty(d, m),
        (acc, block, firstRow, p) -> acc.add(block, p, l), Magnitudes::merge, "magnitudes |X|ᵀ|G|");
  }

  AccumulationSum accumulate(JavaRDD<Block> blocks, long[] firstRows, WeightsAndBias params, AccumulationMode mode,
      List<MicroBatches> splits) {
    final Loss l = loss;
    final int d = params.inputDim;
    final int m = params.outputDim;
    return foldNumbered(blocks, firstRows, params, AccumulationSum.empty(mode, d, m, splits),
        () -> AccumulationSum.empty(mode, d, m, splits), (acc, block, firstRow, p) -> acc.add(block, firstRow, p, l),
        AccumulationSum::merge, "micro-batch sums, " + mode.label);
  }

  /**
   * Part 3: for each partition count (a real repartition of the input, as --partitions does), each tree
   * depth, each aggregation and each repeat, one pass; its dW compared bitwise with every other, and relatively
   * with the very first pass and with the first repeat of its own configuration. Bytes to the driver: as
   * measured by {@link DriverBytes} (Spark's resultSize of every task of the pass: the partials that reach
   * the driver plus each task's metrics, ~4 KB a task); beside them, how many partials reach it.
   */
  List<StudyResults.PartitionRow> partitioning(Table table, WeightsAndBias params, int blockRows) throws Exception {
    List<StudyResults.PartitionRow> rows = new ArrayList<>();
    Map<BitKey, Integer> groups = new LinkedHashMap<>();
    double[] base = null;
    DriverBytes driverBytes = DriverBytes.listen(spark.sparkContext());
    try (LayerPasses job = new LayerPasses(jsc, params, loss)) {
      for (int partitions : o.partitions()) {
        JavaRDD<Block> blocks = BlockReader.of(table.repartition(partitions), blockRows)
            .setName("adjoint study blocks, " + partitions + " partitions").persist(StorageLevel.MEMORY_AND_DISK());
        try {
          blocks.count();  // the shuffle and the cache, outside the timed passes
          driverBytes.takeBytes();  // and outside the measured bytes
          for (int depth : o.treeDepths()) {
            for (Aggregation aggregation : Aggregation.values()) {
              double[] firstRepeat = null;
              for (int r = 0; r < o.repeats(); r++) {
                long t = System.nanoTime();
                double[] dW = job.gradientSum(blocks, depth, aggregation).gradient().finish(Reduction.SUM).dW();
                double s = seconds(t);
                long bytes = driverBytes.takeBytes();
                if (base == null) {
                  base = dW;
                }
                if (firstRepeat == null) {
                  firstRepeat = dW;
                }
                int group = groups.computeIfAbsent(new BitKey(dW), key -> groups.size());
                long toDriver = aggregation == Aggregation.FIXED ? FixedTree.driverPartials(partitions, depth)
                    : sparkTreeAggregatePartials(partitions, depth);
                rows.add(new StudyResults.PartitionRow(partitions, depth, aggregation.cliName(), r, s, toDriver,
                    bytes, Dense.normwiseRelError(dW, base), Dense.normwiseRelError(dW, firstRepeat), group));
              }
            }
          }
        } finally {
          blocks.unpersist(false);
        }
      }
    } finally {
      driverBytes.close();
    }
    return rows;
  }

  /**
   * Partials Spark's treeAggregate sends to the driver (RDD.treeAggregate, finalAggregateOnExecutor
   * off): scale = max(⌈P^(1/depth)⌉, 2); while P > scale + ⌈P/scale⌉, P = ⌊P/scale⌋; then a fold of P partials.
   */
  static long sparkTreeAggregatePartials(int partitions, int depth) {
    int count = partitions;
    int scale = Math.max((int) Math.ceil(Math.pow(count, 1.0 / depth)), 2);
    while (count > scale + (int) Math.ceil((double) count / scale)) {
      count /= scale;
    }
    return count;
  }

  /** Part 4: float64 passes (read from the input, fixed tree) per block size, the best of the repeats. */
  List<StudyResults.ThroughputRow> throughput(Table table, WeightsAndBias params, long n) throws Exception {
    List<StudyResults.ThroughputRow> rows = new ArrayList<>();
    try (LayerPasses job = new LayerPasses(jsc, params, loss)) {
      for (int b : o.throughputBlockRows()) {
        double best = Double.POSITIVE_INFINITY;
        double bestKernel = Double.POSITIVE_INFINITY;
        for (int r = 0; r < o.repeats(); r++) {
          long t = System.nanoTime();
          PassMetrics pass = job.gradientSum(BlockReader.of(table, b), TREE_DEPTH).metrics();
          best = Math.min(best, seconds(t));
          bestKernel = Math.min(bestKernel, (pass.forwardNanos() + pass.backwardNanos()) / 1e9);
        }
        rows.add(new StudyResults.ThroughputRow(b, best, n / best, bestKernel,
            bestKernel > 0 ? n / bestKernel : Double.NaN));
      }
    }
    return rows;
  }

  /** A dW compared by its bits. */
  private record BitKey(double[] values) {
    @Override
    public boolean equals(Object other) {
      return other instanceof BitKey k && Arrays.equals(values, k.values);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(values);
    }
  }


  static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
