package dev.adjoint.bench;

import dev.adjoint.data.BlockReader;
import dev.adjoint.data.Table;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.DriverBytes;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.Arrays;
import java.util.function.Supplier;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.rdd.RDD;
import org.apache.spark.storage.RDDInfo;
import org.apache.spark.storage.StorageLevel;

/**
 * Times whole forward + backward passes (Y, G = Y − T, dW, db and dX: three GEMMs, 6·n·d·m flops) of
 * the squared-loss layer over one table, the ways {@code scripts/bench} compares: Adjoint over blocks
 * cached in memory, Adjoint reading Parquet, and the row-at-a-time baseline ({@link RowAtATime}).
 * Also counts the bytes tasks send to the driver per pass ({@link DriverBytes}).
 */
public final class PassBenchmark implements AutoCloseable {
  /** One measured system or configuration; {@code gflops} counts 6·n·d·m flops per pass. */
  public record Result(String name, double secondsPerPass, double gflops, int blockRows, int partitions,
      long driverBytesPerPass, double maxRelDiffToAdjoint) {}

  private final JavaSparkContext jsc;
  private final Table table;
  private final WeightsAndBias params;
  private final DriverBytes driverBytes;
  private final int treeDepth;
  private GradientPartial lastAdjoint;

  public PassBenchmark(JavaSparkContext jsc, Table table, WeightsAndBias params, int treeDepth) {
    if (!table.hasTargets) {
      throw new IllegalArgumentException("the benchmark uses the squared loss and needs a table with targets");
    }
    this.jsc = jsc;
    this.table = table;
    this.params = params;
    this.treeDepth = treeDepth;
    this.driverBytes = DriverBytes.listen(jsc.sc());
  }

  /** 6·n·d·m: three GEMMs of 2·n·d·m flops each (the O(n·m) loss and bias work left out). */
  public double flopsPerPass(long rows) {
    return 6.0 * rows * params.inputDim * params.outputDim;
  }

  /**
   * Adjoint over blocks of {@code blockRows} rows cached in memory (in {@code partitions} partitions, or as
   * read when ≤ 0): the first pass fills the cache and is not counted; the median of the next
   * {@code passes} is.
   */
  public Result cached(String name, int blockRows, int partitions, int passes) {
    Table t = partitions > 0 ? table.repartition(partitions) : table;
    JavaRDD<Block> blocks = BlockReader.of(t, blockRows).setName("bench blocks").persist(StorageLevel.MEMORY_ONLY());
    try (LayerPasses job = new LayerPasses(jsc, params, Loss.SQUARED)) {
      pass(job, blocks);
      requireFullyCached(blocks.rdd());
      Timed<GradientPartial> timed = timed(passes, () -> pass(job, blocks));
      lastAdjoint = timed.last();
      return result(name, median(timed.seconds()), lastAdjoint.rowCount(), blockRows, blocks.getNumPartitions(),
          timed.driverBytesPerPass(), 0);
    } finally {
      blocks.unpersist(true);
    }
  }

  /** Adjoint reading Parquet in every pass (no cache): the best of {@code repeats} passes after one warm-up. */
  public Result fromParquet(String name, int blockRows, int repeats) {
    JavaRDD<Block> blocks = BlockReader.of(table, blockRows);
    try (LayerPasses job = new LayerPasses(jsc, params, Loss.SQUARED)) {
      pass(job, blocks);
      Timed<GradientPartial> timed = timed(repeats, () -> pass(job, blocks));
      return result(name, Arrays.stream(timed.seconds()).min().orElseThrow(), timed.last().rowCount(), blockRows,
          blocks.getNumPartitions(), timed.driverBytesPerPass(), 0);
    }
  }

  /**
   * The row-at-a-time baseline over examples cached in memory: first pass fills the cache, the median of
   * the next {@code passes} counts. Its dW is compared with the last Adjoint pass's (max |ΔdW| / max |dW|).
   */
  public Result rowAtATime(String name, int passes) {
    JavaRDD<double[][]> examples = RowAtATime.examples(table).setName("bench examples")
        .persist(StorageLevel.MEMORY_ONLY());
    try {
      RowAtATime.pass(jsc, examples, params);
      requireFullyCached(examples.rdd());
      Timed<RowAtATime.Sums> timed = timed(passes, () -> RowAtATime.pass(jsc, examples, params));
      RowAtATime.Sums sums = timed.last();
      double diff = lastAdjoint == null ? Double.NaN : Dense.normwiseRelError(sums.dW, lastAdjoint.dWSum);
      return result(name, median(timed.seconds()), sums.rows, 1, examples.getNumPartitions(),
          timed.driverBytesPerPass(), diff);
    } finally {
      examples.unpersist(true);
    }
  }

  /** The dW sum of the last Adjoint pass over cached blocks (null before one ran). */
  public GradientPartial lastAdjoint() {
    return lastAdjoint;
  }

  private GradientPartial pass(LayerPasses job, JavaRDD<Block> blocks) {
    return job.gradientSum(blocks, treeDepth, Aggregation.FIXED, true).gradient();
  }

  private Result result(String name, double seconds, long rows, int blockRows, int partitions, long bytes, double diff) {
    return new Result(name, seconds, flopsPerPass(rows) / seconds / 1e9, blockRows, partitions, bytes, diff);
  }

  /** Seconds of each of {@code passes} runs of {@code pass}, its last result, and the driver's bytes per run. */
  private record Timed<T>(double[] seconds, T last, long driverBytesPerPass) {}

  private <T> Timed<T> timed(int passes, Supplier<T> pass) {
    driverBytes.takeBytes();
    double[] seconds = new double[passes];
    T last = null;
    for (int r = 0; r < passes; r++) {
      long t0 = System.nanoTime();
      last = pass.get();
      seconds[r] = (System.nanoTime() - t0) / 1e9;
    }
    return new Timed<>(seconds, last, driverBytes.takeBytes() / Math.max(1, passes));
  }

  static double median(double[] seconds) {
    double[] s = seconds.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  /** Timing a cache that spilled would time Parquet reads: refuse it, and say how to give it memory. */
  private void requireFullyCached(RDD<?> rdd) {
    int cached = 0;
    for (RDDInfo info : jsc.sc().getRDDStorageInfo()) {
      if (info.id() == rdd.id()) {
        cached = info.numCachedPartitions();
      }
    }
    if (cached < rdd.getNumPartitions()) {
      throw new IllegalStateException("only " + cached + " of " + rdd.getNumPartitions() + " partitions of '"
          + rdd.name() + "' fit in memory; give the driver more (ADJOINT_DRIVER_MEMORY) or use fewer --rows");
    }
  }

  @Override
  public void close() {
    driverBytes.close();
  }
}
