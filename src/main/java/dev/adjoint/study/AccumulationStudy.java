package dev.adjoint.study;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.data.BlockReader;
import dev.adjoint.data.InputException;
import dev.adjoint.data.Table;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.job.FixedTree;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.MeasuredPartial;
import dev.adjoint.job.MemoryCheck;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
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

  public static StudyResults run(SparkSession spark, StudyOptions o) throws Exception {
    return new AccumulationStudy(spark, o).run();
  }

  private StudyResults run() throws Exception {
    Table table = openTable();
    StudyPasses passes = new StudyPasses(spark, o, loss);
    WeightsAndBias params = params(table);
    table = table.requiring(dev.adjoint.data.TargetRule.of(loss, params.outputDim));
    int blockRows = o.blockRows() > 0 ? o.blockRows() : BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES,
        params.inputDim, params.outputDim);
    CachedParts first = onCachedBlocks(passes, table, params, blockRows);
    return new StudyResults(first.setup(), first.normalisation(), first.precision(),
        passes.partitioning(table, params, blockRows), passes.throughput(table, params, first.setup().rows()));
  }

  /** What the passes over the cached, numbered blocks measure: the setup, parts 1 and 2. */
  private record CachedParts(StudyResults.Setup setup, List<StudyResults.NormalisationRow> normalisation,
      List<StudyResults.PrecisionRow> precision) {}

  /** Parts 1 and 2 on the input's blocks, cached for their passes and unpersisted after. */
  private CachedParts onCachedBlocks(StudyPasses passes, Table table, WeightsAndBias params, int blockRows) throws Exception {
    JavaRDD<Block> blocks = BlockReader.of(table, blockRows).setName("adjoint study blocks")
        .persist(StorageLevel.MEMORY_AND_DISK());
    try {
      long[] firstRows = passes.firstRowOfEachPartition(blocks);
      long n = firstRows[firstRows.length - 1];
      requireEnoughRows(n);
      List<MicroBatches> splits = splits(n);
      int partitions = blocks.getNumPartitions();
      requireMemoryFor(splits, params, partitions);

      long t0 = System.nanoTime();
      MeasuredPartial full;
      try (LayerPasses job = new LayerPasses(jsc, params, loss)) {
        full = job.gradientSum(blocks, StudyPasses.TREE_DEPTH);
      }
      double[] fullMean = full.gradient().finish(Reduction.MEAN).dW();
      double fullSeconds = StudyPasses.seconds(t0);
      // h of the full pass: each term is added once per block of its partition, then merged across partitions
      int fullRoundings = (int) Math.min(Integer.MAX_VALUE, full.metrics().blockCount() + partitions);

      long[] prefixes = prefixes(n);
      SampledEntries entries = SampledEntries.choose(params.inputDim, params.outputDim, o.sampleEntries(), o.seed());
      long t1 = System.nanoTime();
      ExactSum exact = passes.exactSums(blocks, firstRows, params, ExactSum.empty(entries, prefixes), "float64 data");
      double referenceSeconds = StudyPasses.seconds(t1);
      ExactSum exact32 = passes.exactSums(blocks, firstRows, params, ExactSum.overFloat32Data(entries, prefixes),
          "float32-rounded data");
      Magnitudes magnitudes = passes.magnitudes(blocks, firstRows, params);

      List<StudyResults.NormalisationRow> normalisation = new ArrayList<>();
      List<StudyResults.PrecisionRow> precision = new ArrayList<>();
      for (AccumulationMode mode : AccumulationMode.values()) {
        long t = System.nanoTime();
        AccumulationSum sums = passes.accumulate(blocks, firstRows, params, mode, splits);
        double s = StudyPasses.seconds(t);
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
  private void requireMemoryFor(List<MicroBatches> splits, WeightsAndBias params, int partitions) {
    long batches = splits.stream().mapToLong(MicroBatches::k).sum();
    long partial = 8L * batches * params.inputDim * params.outputDim;
    long withCompensation = 2 * partial;
    int fanIn = FixedTree.fanIns(partitions, StudyPasses.TREE_DEPTH).stream().mapToInt(Integer::intValue).max().orElse(1);
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
      throw new InputException("--loss " + loss.cliName() + " needs targets: " + in.path() + " has no "
          + (in.targets() == null ? "target column" : in.targets().describe()) + "; pass --target-col or use --loss sum");
    }
    return Table.open(spark, loss.needsTargets() ? in : new TableSpec(in.path(), in.format(), in.features(), null,
        in.idColumn()), false);
  }

  private WeightsAndBias params(Table table) {
    return WeightFiles.forTable(spark.sparkContext().hadoopConfiguration(), o.weightsPath(), o.biasPath(), o.input(),
        table, o.outDim(), o.initSeed(), loss, (d, m) -> { });
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
}
