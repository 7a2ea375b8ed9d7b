package dev.adjoint.job;

import dev.adjoint.data.Blocks;
import dev.adjoint.data.InputException;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.Weights;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.GradientSum;
import dev.adjoint.kernel.LayerParams;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.study.AccumulationMode;
import dev.adjoint.study.AccumulationSum;
import dev.adjoint.study.ErrorBounds;
import dev.adjoint.study.ExactSum;
import dev.adjoint.study.MicroBatches;
import dev.adjoint.study.Normalisation;
import dev.adjoint.study.SampledEntries;
import dev.adjoint.study.StudyResults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkEnv;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * The gradient-accumulation study's passes on Spark, as named steps. The math is in
 * {@code dev.adjoint.study} ({@link AccumulationSum}, {@link ExactSum}, {@link Normalisation},
 * {@link ErrorBounds}); this class only reads the blocks, numbers their rows, broadcasts, folds each
 * partition into a partial and sums the partials with {@link FixedTree} (every result is an action's
 * return value), and times the passes.
 */
public final class AccumulationStudy {
  private final SparkSession spark;
  private final JavaSparkContext jsc;
  private final StudyOptions o;
  /** The loss: as asked, or (auto) squared when the input has targets, else sum. */
  private Loss loss;

  private AccumulationStudy(SparkSession spark, StudyOptions o) {
    this.spark = spark;
    this.jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    this.o = o;
  }

  /** Tree depth of the study's own aggregations (exact reference, modes, full batch). */
  private static final int TREE_DEPTH = 2;

  public static StudyResults run(SparkSession spark, StudyOptions o) throws Exception {
    return new AccumulationStudy(spark, o).run();
  }

  private StudyResults run() throws Exception {
    Table table = openTable();
    LayerParams params = params(table);
    int blockRows = o.blockRows() > 0 ? o.blockRows() : Blocks.rowsForBytes(Blocks.DEFAULT_BLOCK_BYTES,
        params.inputDim, params.outputDim);
    JavaRDD<Block> blocks = Blocks.of(table, blockRows).setName("adjoint study blocks")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long[] firstRows = firstRowOfEachPartition(blocks);
      long n = firstRows[firstRows.length - 1];
      if (n == 0) {
        throw new InputException(o.input().path() + ": the input has no rows");
      }
      for (int k : o.microBatches()) {
        if (k > n) {
          throw new InputException("--micro-batches " + k + " is more than the input's " + n + " rows");
        }
      }
      long t0 = System.nanoTime();
      double[] fullMean;
      try (LayerJob job = new LayerJob(jsc, params, loss)) {
        fullMean = job.gradientSum(blocks, TREE_DEPTH).finish(Reduction.MEAN).dW();
      }
      double fullSeconds = seconds(t0);

      List<MicroBatches> splits = splits(n);
      long[] prefixes = prefixes(n);
      SampledEntries entries = SampledEntries.choose(params.inputDim, params.outputDim, o.sampleEntries(), o.seed());
      long t1 = System.nanoTime();
      ExactSum exact = exactSums(blocks, firstRows, params, entries, prefixes);
      double referenceSeconds = seconds(t1);

      List<StudyResults.NormalisationRow> normalisation = new ArrayList<>();
      List<StudyResults.PrecisionRow> precision = new ArrayList<>();
      for (AccumulationMode mode : AccumulationMode.values()) {
        long t = System.nanoTime();
        AccumulationSum sums = accumulate(blocks, firstRows, params, mode, splits);
        double s = seconds(t);
        precision.addAll(precisionRows(sums, exact, prefixes, blockRows, blocks.getNumPartitions(), s));
        if (mode == AccumulationMode.F64) {
          normalisation.addAll(normalisationRows(sums, fullMean));
        }
      }
      blocks.unpersist(false);
      StudyResults.Setup setup = new StudyResults.Setup(o.input().path(), n, params.inputDim, params.outputDim,
          loss.cliName(), blockRows, blocks.getNumPartitions(), entries.size(), entries.all(),
          Dense.blasImplementation(), fullSeconds, referenceSeconds);
      return new StudyResults(setup, normalisation, precision, partitioning(table, params, blockRows),
          throughput(table, params, n));
    } finally {
      blocks.unpersist(false);
    }
  }

  /** The input, with targets unless the loss is sum; with loss auto, without them when the column is missing. */
  private Table openTable() {
    loss = o.loss();
    if (loss == null) {
      try {
        loss = Loss.SQUARED;
        return Table.open(spark, o.input(), false);
      } catch (InputException missingTargets) {
        if (!missingTargets.getMessage().contains("no targets column")) {
          throw missingTargets;
        }
        loss = Loss.SUM;
        return Table.open(spark, new TableSpec(o.input().path(), o.input().format(), o.input().features(), null, null),
            false);
      }
    }
    return Table.open(spark, o.input(), false);
  }

  private LayerParams params(Table table) {
    if (loss.needsTargets() && !table.hasTargets) {
      throw new InputException("--loss squared needs targets: " + o.input().path() + " has no column "
          + o.input().targets().describe() + "; use --loss sum");
    }
    LayerParams p;
    if (o.weightsPath() != null) {
      p = Weights.load(spark.sparkContext().hadoopConfiguration(), o.weightsPath(), o.biasPath());
      Weights.requireInputDim(p, table.features, o.weightsPath());
    } else {
      int m = table.hasTargets ? table.targets : o.outDim();
      if (m <= 0) {
        throw new InputException("no --weights and no targets: pass --weights W.npy or --out-dim M");
      }
      p = Weights.random(table.features, m, o.initSeed());
    }
    if (table.hasTargets && table.targets != p.outputDim) {
      throw new InputException(o.input().path() + ": targets have width " + table.targets + " but W is ("
          + p.inputDim + ", " + p.outputDim + ")");
    }
    return p;
  }

  /** Global row index of each partition's first row, and n last: one counting pass over the cached blocks. */
  private long[] firstRowOfEachPartition(JavaRDD<Block> blocks) {
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

  /** Equal and short-last splits for every k, and equal splits of growing prefixes for the n series. */
  private List<MicroBatches> splits(long n) {
    List<MicroBatches> splits = new ArrayList<>();
    for (int k : o.microBatches()) {
      splits.add(MicroBatches.equal(n, k));
      splits.add(MicroBatches.shortLast(n, k));
    }
    for (long rows : prefixes(n)) {
      if (rows < n || !o.microBatches().contains(o.growthK())) {
        splits.add(MicroBatches.equal(rows, o.growthK()));
      }
    }
    return splits;
  }

  /** Prefix lengths of the "as n grows" series: n/64, n/16, n/4 (those holding ≥ growthK rows) and n. */
  private long[] prefixes(long n) {
    List<Long> p = new ArrayList<>();
    for (long div : new long[] {64, 16, 4}) {
      if (n / div >= Math.max(o.growthK(), 1) && (p.isEmpty() || n / div > p.get(p.size() - 1))) {
        p.add(n / div);
      }
    }
    p.add(n);
    return p.stream().distinct().mapToLong(Long::longValue).toArray();
  }

  /** Folds each partition's blocks (numbered from the partition's first row) into a partial, summed by the fixed tree. */
  private <T> T foldNumbered(JavaRDD<Block> blocks, long[] firstRows, T zero, BlockFold<T> fold,
      Function2<T, T, T> merge, String what) throws Exception {
    Broadcast<long[]> bcFirstRows = jsc.broadcast(firstRows);
    jsc.setJobDescription("adjoint study: " + what);
    try {
      JavaRDD<T> partials = blocks.mapPartitionsWithIndex((partition, it) -> {
        T acc = fold.empty();
        long row = bcFirstRows.value()[partition];
        while (it.hasNext()) {
          Block b = it.next();
          acc = fold.add(acc, b, row);
          row += b.rows;
        }
        return List.of(acc).iterator();
      }, true);
      return FixedTree.aggregate(partials, merge, TREE_DEPTH, zero);
    } finally {
      jsc.setJobDescription(null);
      bcFirstRows.destroy();
    }
  }

  /** A partial's empty value and how a numbered block folds in (serialisable, run in the tasks). */
  private interface BlockFold<T> extends java.io.Serializable {
    T empty();

    T add(T acc, Block block, long firstRow);
  }

  private ExactSum exactSums(JavaRDD<Block> blocks, long[] firstRows, LayerParams params, SampledEntries entries,
      long[] prefixes) throws Exception {
    Broadcast<LayerParams> bc = jsc.broadcast(params);
    try {
      return foldNumbered(blocks, firstRows, ExactSum.empty(entries, prefixes), new ExactFold(bc, loss, entries, prefixes),
          ExactSum::merge, "exact reference (double-double) of " + entries.size() + " dW entries");
    } finally {
      bc.destroy();
    }
  }

  /** Folds numbered blocks into {@link ExactSum}s. */
  private record ExactFold(Broadcast<LayerParams> bc, Loss loss, SampledEntries entries, long[] prefixes)
      implements BlockFold<ExactSum> {
    @Override
    public ExactSum empty() {
      return ExactSum.empty(entries, prefixes);
    }

    @Override
    public ExactSum add(ExactSum acc, Block block, long firstRow) {
      return acc.add(block, firstRow, bc.value(), loss);
    }
  }

  private AccumulationSum accumulate(JavaRDD<Block> blocks, long[] firstRows, LayerParams params,
      AccumulationMode mode, List<MicroBatches> splits) throws Exception {
    Broadcast<LayerParams> bc = jsc.broadcast(params);
    try {
      return foldNumbered(blocks, firstRows, AccumulationSum.empty(mode, params.inputDim, params.outputDim, splits),
          new ModeFold(bc, loss, mode, params.inputDim, params.outputDim, splits), AccumulationSum::merge,
          "micro-batch sums, " + mode.label);
    } finally {
      bc.destroy();
    }
  }

  /** Folds numbered blocks into {@link AccumulationSum}s of one mode. */
  private record ModeFold(Broadcast<LayerParams> bc, Loss loss, AccumulationMode mode, int d, int m,
      List<MicroBatches> splits) implements BlockFold<AccumulationSum> {
    @Override
    public AccumulationSum empty() {
      return AccumulationSum.empty(mode, d, m, splits);
    }

    @Override
    public AccumulationSum add(AccumulationSum acc, Block block, long firstRow) {
      return acc.add(block, firstRow, bc.value(), loss);
    }
  }

  /** Each equal split of a mode against the exact sums of its prefix, with the bounds. */
  private List<StudyResults.PrecisionRow> precisionRows(AccumulationSum sums, ExactSum exact, long[] prefixes,
      int blockRows, int partitions, double seconds) {
    List<StudyResults.PrecisionRow> rows = new ArrayList<>();
    SampledEntries entries = exact.entries();
    for (int s = 0; s < sums.splits().size(); s++) {
      MicroBatches split = sums.splits().get(s);
      if (!split.kind().equals("equal")) {
        continue;
      }
      int p = Arrays.binarySearch(prefixes, split.rows());
      double[] dW = sums.accumulated(s);
      double[] ex = exact.exact(p);
      double[] s1 = exact.termMagnitude(p);
      double[] s2 = exact.forwardMagnitude(p);
      double depth = ErrorBounds.depth(split.maxSize(), blockRows, partitions, split.k());
      double[] computed = new double[entries.size()];
      double[] bounds = new double[entries.size()];
      for (int e = 0; e < entries.size(); e++) {
        computed[e] = entries.of(dW, e);
        bounds[e] = ErrorBounds.bound(sums.mode, blockRows, depth, entries.inputDim(), ex[e], s1[e], s2[e]);
      }
      ErrorBounds.Errors err = ErrorBounds.errors(sums.mode, computed, ex, bounds);
      rows.add(new StudyResults.PrecisionRow(sums.mode, split.rows(), split.k(), err.relative(), err.maxUlps(),
          err.boundRelative(), seconds));
    }
    return rows;
  }

  /** (a) and (b) of every full-length split against the full-batch mean gradient. */
  private static List<StudyResults.NormalisationRow> normalisationRows(AccumulationSum sums, double[] fullMean) {
    List<StudyResults.NormalisationRow> rows = new ArrayList<>();
    for (int s = 0; s < sums.splits().size(); s++) {
      MicroBatches split = sums.splits().get(s);
      if (split.rows() != sums.splits().get(0).rows()) {
        continue;  // a prefix of the n series
      }
      long[] batchRows = sums.batchRows(s);
      Normalisation.Comparison c = Normalisation.compare(sums.batchSums(s), batchRows, fullMean);
      long min = Arrays.stream(batchRows).min().orElse(0);
      long max = Arrays.stream(batchRows).max().orElse(0);
      rows.add(new StudyResults.NormalisationRow(split.kind(), split.k(), min, max,
          (double) batchRows[split.k() - 1] / split.rows(), c.sumThenDivideDiff(), c.meanOfMeansBias()));
    }
    return rows;
  }

  /**
   * Part 3: for each partition count (a real repartition of the input, as --partitions does), each tree
   * depth, each aggregation and each repeat, one pass; its dW compared bitwise with every other, and relatively
   * with the very first pass and with the first repeat of its own configuration. Bytes to the driver: the partials that reach it × one partial's size in Spark's serializer.
   */
  private List<StudyResults.PartitionRow> partitioning(Table table, LayerParams params, int blockRows) throws Exception {
    List<StudyResults.PartitionRow> rows = new ArrayList<>();
    Map<BitKey, Integer> groups = new LinkedHashMap<>();
    double[] base = null;
    long partialBytes = serializedBytes(GradientSum.empty(params.inputDim, params.outputDim));
    try (LayerJob job = new LayerJob(jsc, params, loss)) {
      for (int partitions : o.partitions()) {
        JavaRDD<Block> blocks = Blocks.of(table.repartition(partitions), blockRows)
            .setName("adjoint study blocks, " + partitions + " partitions").persist(StorageLevel.MEMORY_AND_DISK());
        try {
          blocks.count();  // the shuffle and the cache, outside the timed passes
          for (int depth : o.treeDepths()) {
            for (LayerJob.Aggregation aggregation : LayerJob.Aggregation.values()) {
              double[] firstRepeat = null;
              for (int r = 0; r < o.repeats(); r++) {
                long t = System.nanoTime();
                double[] dW = job.gradientSum(blocks, depth, aggregation).finish(Reduction.SUM).dW();
                double s = seconds(t);
                if (base == null) {
                  base = dW;
                }
                if (firstRepeat == null) {
                  firstRepeat = dW;
                }
                int group = groups.computeIfAbsent(new BitKey(dW), key -> groups.size());
                long toDriver = aggregation == LayerJob.Aggregation.FIXED ? FixedTree.driverPartials(partitions, depth)
                    : sparkTreeAggregatePartials(partitions, depth);
                rows.add(new StudyResults.PartitionRow(partitions, depth, aggregation.cliName(), r, s, toDriver,
                    toDriver * partialBytes, Normalisation.relativeDiff(dW, base), Normalisation.relativeDiff(dW, firstRepeat),
                    group));
              }
            }
          }
        } finally {
          blocks.unpersist(false);
        }
      }
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

  /** Bytes of one object in the serializer Spark ships task results with. */
  private static long serializedBytes(Object value) {
    return SparkEnv.get().serializer().newInstance()
        .serialize(value, scala.reflect.ClassTag$.MODULE$.apply(Object.class)).remaining();
  }

  /** Part 4: float64 passes (read from the input, fixed tree) per block size, the best of the repeats. */
  private List<StudyResults.ThroughputRow> throughput(Table table, LayerParams params, long n) throws Exception {
    List<StudyResults.ThroughputRow> rows = new ArrayList<>();
    try (LayerJob job = new LayerJob(jsc, params, loss)) {
      for (int b : o.throughputBlockRows()) {
        double best = Double.POSITIVE_INFINITY;
        double bestKernel = Double.POSITIVE_INFINITY;
        for (int r = 0; r < o.repeats(); r++) {
          long t = System.nanoTime();
          GradientSum sum = job.gradientSum(Blocks.of(table, b), TREE_DEPTH);
          best = Math.min(best, seconds(t));
          bestKernel = Math.min(bestKernel, (sum.forwardNanos() + sum.backwardNanos()) / 1e9);
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

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }
}
