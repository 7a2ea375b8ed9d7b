package dev.adjoint.job;

import dev.adjoint.bench.DriverBytes;
import dev.adjoint.blas.BlasInfo;
import dev.adjoint.data.Blocks;
import dev.adjoint.data.InputException;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.Weights;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.GradientSum;
import dev.adjoint.kernel.LayerParams;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.study.AccumulationMode;
import dev.adjoint.study.AccumulationSum;
import dev.adjoint.study.ErrorBounds;
import dev.adjoint.study.ExactSum;
import dev.adjoint.study.Magnitudes;
import dev.adjoint.study.MicroBatches;
import dev.adjoint.study.Normalisation;
import dev.adjoint.study.SampledEntries;
import dev.adjoint.study.StudyResults;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
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
    CachedParts first = onCachedBlocks(table, params, blockRows);
    return new StudyResults(first.setup(), first.normalisation(), first.precision(),
        partitioning(table, params, blockRows), throughput(table, params, first.setup().rows()));
  }

  /** What the passes over the cached, numbered blocks measure: the setup, parts 1 and 2. */
  private record CachedParts(StudyResults.Setup setup, List<StudyResults.NormalisationRow> normalisation,
      List<StudyResults.PrecisionRow> precision) {}

  /** Parts 1 and 2 on the input's blocks, cached for their passes and unpersisted after. */
  private CachedParts onCachedBlocks(Table table, LayerParams params, int blockRows) throws Exception {
    JavaRDD<Block> blocks = Blocks.of(table, blockRows).setName("adjoint study blocks")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long[] firstRows = firstRowOfEachPartition(blocks);
      long n = firstRows[firstRows.length - 1];
      requireEnoughRows(n);
      List<MicroBatches> splits = splits(n);
      int partitions = blocks.getNumPartitions();
      requireMemoryFor(splits, params, partitions);

      long t0 = System.nanoTime();
      GradientSum full;
      try (LayerJob job = new LayerJob(jsc, params, loss)) {
        full = job.gradientSum(blocks, TREE_DEPTH);
      }
      double[] fullMean = full.finish(Reduction.MEAN).dW();
      double fullSeconds = seconds(t0);
      // h of the full pass: each term is added once per block of its partition, then merged across partitions
      int fullRoundings = (int) Math.min(Integer.MAX_VALUE, full.blockCount() + partitions);

      long[] prefixes = prefixes(n);
      SampledEntries entries = SampledEntries.choose(params.inputDim, params.outputDim, o.sampleEntries(), o.seed());
      long t1 = System.nanoTime();
      ExactSum exact = exactSums(blocks, firstRows, params, ExactSum.empty(entries, prefixes), "float64 data");
      double referenceSeconds = seconds(t1);
      ExactSum exact32 = exactSums(blocks, firstRows, params, ExactSum.overFloat32Data(entries, prefixes),
          "float32-rounded data");
      Magnitudes magnitudes = magnitudes(blocks, firstRows, params);

      List<StudyResults.NormalisationRow> normalisation = new ArrayList<>();
      List<StudyResults.PrecisionRow> precision = new ArrayList<>();
      for (AccumulationMode mode : AccumulationMode.values()) {
        long t = System.nanoTime();
        AccumulationSum sums = accumulate(blocks, firstRows, params, mode, splits);
        double s = seconds(t);
        precision.addAll(precisionRows(sums, exact, exact32, prefixes, blockRows, s));
        if (mode == AccumulationMode.F64) {
          normalisation.addAll(normalisationRows(sums, fullMean, magnitudes, blockRows, fullRoundings));
        }
      }
      StudyResults.Setup setup = new StudyResults.Setup(o.input().path(),
          o.input().format().name().toLowerCase(Locale.ROOT), n, params.inputDim, params.outputDim,
          loss.cliName(), blockRows, partitions, entries.size(), entries.all(), BlasInfo.current().implementation(),
          fullSeconds, referenceSeconds, o.microBatches(), o.growthK());
      return new CachedParts(setup, normalisation, precision);
    } finally {
      blocks.unpersist(false);
    }
  }

  /** Every k, and the growth series' k, needs at least k rows. */
  private void requireEnoughRows(long n) {
    if (n == 0) {
      throw new InputException(o.input().path() + ": the input has no rows");
    }
    for (int k : o.microBatches()) {
      if (k > n) {
        throw new InputException("--micro-batches " + k + " is more than the " + n + " rows of " + o.input().path()
            + "; expected k ≤ " + n);
      }
    }
    if (o.growthK() > n) {
      throw new InputException("--growth-k " + o.growthK() + " is more than the " + n + " rows of "
          + o.input().path() + "; expected k ≤ " + n);
    }
  }

  /**
   * Refuses, before the passes, splits whose partials cannot fit the executors: a partial holds every
   * batch's dW sum (Σk of d·m doubles, twice with Neumaier's compensation); a task folding a partition
   * holds one, a task merging them up to the fixed tree's largest fan-in plus the one it builds.
   */
  private void requireMemoryFor(List<MicroBatches> splits, LayerParams params, int partitions) {
    long batches = splits.stream().mapToLong(MicroBatches::k).sum();
    long partial = 8L * batches * params.inputDim * params.outputDim;
    long withCompensation = 2 * partial;
    int fanIn = FixedTree.fanIns(partitions, TREE_DEPTH).stream().mapToInt(Integer::intValue).max().orElse(1);
    long perTask = (fanIn + 1L) * withCompensation;
    int tasks = MemoryCheck.tasksPerExecutor(spark.sparkContext());
    long user = MemoryCheck.userMemory(spark.sparkContext());
    if (tasks * perTask > user) {
      throw new InputException(String.format(Locale.ROOT,
          "the study keeps %d micro-batch sums of dW (%d, %d) per partial: %s (%s with Neumaier's compensation); a "
              + "task merging partials holds up to %d + 1 and %d task(s) run per executor: %s, more than an "
              + "executor's %s of user memory (heap %s). Use fewer or smaller --micro-batches (now %s) or a smaller "
              + "--growth-k (now %d), or give the executors more memory (--driver-memory/ADJOINT_DRIVER_MEMORY in "
              + "local mode, spark.executor.memory on a cluster)", batches, params.inputDim, params.outputDim,
          MemoryCheck.mb(partial), MemoryCheck.mb(withCompensation), fanIn, tasks, MemoryCheck.mb(tasks * perTask),
          MemoryCheck.mb(user), MemoryCheck.mb(MemoryCheck.heapPerExecutor(spark.sparkContext())), o.microBatches(),
          o.growthK()));
    }
  }

  /** The input, with targets unless the loss is sum; with loss auto, squared when the target column is there. */
  private Table openTable() {
    TableSpec in = o.input();
    boolean targets = in.targets() != null && Table.hasColumns(spark, in, in.targets());
    loss = o.loss() != null ? o.loss() : targets ? Loss.SQUARED : Loss.SUM;
    if (loss.needsTargets() && !targets) {
      throw new InputException("--loss squared needs targets: " + in.path() + " has no "
          + (in.targets() == null ? "target column" : in.targets().describe()) + "; pass --target-col or use --loss sum");
    }
    return Table.open(spark, loss.needsTargets() ? in : new TableSpec(in.path(), in.format(), in.features(), null,
        in.idColumn()), false);
  }

  private LayerParams params(Table table) {
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

  /**
   * The k series first (for every k, equal then short-last), then the n series: equal splits of the
   * growing prefixes in growthK batches, n itself included unless the k series already has that split.
   */
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

  private ExactSum exactSums(JavaRDD<Block> blocks, long[] firstRows, LayerParams params, ExactSum empty,
      String data) throws Exception {
    Broadcast<LayerParams> bc = jsc.broadcast(params);
    try {
      return foldNumbered(blocks, firstRows, empty, new ExactFold(bc, loss, empty.copyOfEmpty()), ExactSum::merge,
          "exact reference (double-double) of " + empty.entries().size() + " dW entries, " + data);
    } finally {
      bc.destroy();
    }
  }

  /** S1 and S2 of every dW entry, for the normalisation's rounding agreement. */
  private Magnitudes magnitudes(JavaRDD<Block> blocks, long[] firstRows, LayerParams params) throws Exception {
    Broadcast<LayerParams> bc = jsc.broadcast(params);
    try {
      return foldNumbered(blocks, firstRows, Magnitudes.empty(params.inputDim, params.outputDim),
          new MagnitudeFold(bc, loss, params.inputDim, params.outputDim), Magnitudes::merge, "magnitudes |X|ᵀ|G|");
    } finally {
      bc.destroy();
    }
  }

  /** Folds blocks into {@link Magnitudes}. */
  private record MagnitudeFold(Broadcast<LayerParams> bc, Loss loss, int d, int m) implements BlockFold<Magnitudes> {
    @Override
    public Magnitudes empty() {
      return Magnitudes.empty(d, m);
    }

    @Override
    public Magnitudes add(Magnitudes acc, Block block, long firstRow) {
      return acc.add(block, bc.value(), loss);
    }
  }

  /** Folds numbered blocks into {@link ExactSum}s. */
  private record ExactFold(Broadcast<LayerParams> bc, Loss loss, ExactSum zero) implements BlockFold<ExactSum> {
    @Override
    public ExactSum empty() {
      return zero.copyOfEmpty();
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

  /** Each equal split of a mode against the exact sums of its prefix, with the bounds entry by entry. */
  private static List<StudyResults.PrecisionRow> precisionRows(AccumulationSum sums, ExactSum exact, ExactSum exact32,
      long[] prefixes, int blockRows, double seconds) {
    List<StudyResults.PrecisionRow> rows = new ArrayList<>();
    SampledEntries entries = exact.entries();
    boolean float32 = sums.mode.gemm == Precision.FLOAT32;
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
      int h = sums.roundings(s);
      double[] computed = new double[entries.size()];
      double[] bounds = new double[entries.size()];
      for (int e = 0; e < entries.size(); e++) {
        computed[e] = entries.of(dW, e);
        bounds[e] = ErrorBounds.bound(sums.mode, blockRows, h, entries.inputDim(), ex[e], s1[e], s2[e]);
      }
      ErrorBounds.Errors err = ErrorBounds.errors(sums.mode, computed, ex, bounds);
      double float32Data = float32 ? Dense.normwiseRelError(computed, exact32.exact(p)) : Double.NaN;
      rows.add(new StudyResults.PrecisionRow(sums.mode, split.rows(), split.k(), err.relative(), err.maxUlps(),
          err.boundRelative(), h, err.overBound(), float32Data, seconds));
    }
    return rows;
  }

  /**
   * (a) and (b) of the k series' splits (every --micro-batches k, equal and short-last; not the growth
   * series) against the full-batch mean gradient, with the rounding agreement of each.
   */
  private List<StudyResults.NormalisationRow> normalisationRows(AccumulationSum sums, double[] fullMean,
      Magnitudes magnitudes, int blockRows, int fullRoundings) {
    List<StudyResults.NormalisationRow> rows = new ArrayList<>();
    long n = sums.splits().get(0).rows();
    for (int s = 0; s < o.microBatches().size() * 2; s++) {
      MicroBatches split = sums.splits().get(s);  // splits() puts the k series first
      long[] batchRows = sums.batchRows(s);
      Normalisation.Comparison c = Normalisation.compare(sums.batchSums(s), batchRows, fullMean);
      long min = Arrays.stream(batchRows).min().orElse(0);
      long max = Arrays.stream(batchRows).max().orElse(0);
      double agreement = Normalisation.roundingAgreement(magnitudes, blockRows, sums.roundings(s), fullRoundings,
          split.k(), n, fullMean);
      rows.add(new StudyResults.NormalisationRow(split.kind(), split.k(), min, max,
          (double) batchRows[split.k() - 1] / split.rows(), c.sumThenDivideDiff(), c.meanOfMeansBias(), agreement));
    }
    return rows;
  }

  /**
   * Part 3: for each partition count (a real repartition of the input, as --partitions does), each tree
   * depth, each aggregation and each repeat, one pass; its dW compared bitwise with every other, and relatively
   * with the very first pass and with the first repeat of its own configuration. Bytes to the driver: as
   * measured by {@link DriverBytes} (Spark's resultSize of every task of the pass: the partials that reach
   * the driver plus each task's metrics, ~4 KB a task); beside them, how many partials reach it.
   */
  private List<StudyResults.PartitionRow> partitioning(Table table, LayerParams params, int blockRows) throws Exception {
    List<StudyResults.PartitionRow> rows = new ArrayList<>();
    Map<BitKey, Integer> groups = new LinkedHashMap<>();
    double[] base = null;
    DriverBytes driverBytes = DriverBytes.listen(spark.sparkContext());
    try (LayerJob job = new LayerJob(jsc, params, loss)) {
      for (int partitions : o.partitions()) {
        JavaRDD<Block> blocks = Blocks.of(table.repartition(partitions), blockRows)
            .setName("adjoint study blocks, " + partitions + " partitions").persist(StorageLevel.MEMORY_AND_DISK());
        try {
          blocks.count();  // the shuffle and the cache, outside the timed passes
          driverBytes.takeBytes();  // and outside the measured bytes
          for (int depth : o.treeDepths()) {
            for (LayerJob.Aggregation aggregation : LayerJob.Aggregation.values()) {
              double[] firstRepeat = null;
              for (int r = 0; r < o.repeats(); r++) {
                long t = System.nanoTime();
                double[] dW = job.gradientSum(blocks, depth, aggregation).finish(Reduction.SUM).dW();
                double s = seconds(t);
                long bytes = driverBytes.takeBytes();
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
