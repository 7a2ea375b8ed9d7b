package dev.adjoint.run;

import dev.adjoint.data.BlockReader;
import dev.adjoint.data.CsvDiagnosis;
import dev.adjoint.data.InputException;
import dev.adjoint.data.Npy;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.RowException;
import dev.adjoint.data.Table;
import dev.adjoint.data.TargetRule;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.job.InjectedFault;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.MeasuredPartial;
import dev.adjoint.job.MemoryCheck;
import dev.adjoint.job.PassWithProbes;
import dev.adjoint.job.Progress;
import dev.adjoint.job.SparkDataPasses;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.ProbeSum;
import dev.adjoint.verify.Verification;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;

/** One run, as named steps: open the input, load W and b, the gradient pass, activations, outputs. */
public final class RunSteps {
  private RunSteps() {}

  public static RunResult run(SparkSession spark, RunOptions o) throws IOException {
    try (HeapSampler heap = new HeapSampler(50)) {
      return run(spark, o, heap);
    }
  }

  private static RunResult run(SparkSession spark, RunOptions o, HeapSampler heap) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    OutputDir out = o.output() == null ? null : OutputDir.prepare(hadoop, o.output(), o.overwrite());

    long t0 = System.nanoTime();
    Table table = openInput(spark, o, false);
    // the memory check sees W's shape before a random W is allocated and before any of X is read
    WeightsAndBias params = WeightFiles.forTable(hadoop, o.weightsPath(), o.biasPath(), o.input(), table, o.outDim(),
        o.initSeed(), o.loss(), (d, m) -> MemoryCheck.require(spark.sparkContext(), d, m, blockRows(o, d, m)));
    requireTargets(o, table);
    if (o.loss().kind() == dev.adjoint.kernel.Loss.Kind.CROSS_ENTROPY && params.outputDim < 2) {
      throw new InputException("--loss cross-entropy over m = " + params.outputDim + " output is 0 for every row: "
          + "W needs one column per class, m ≥ 2 (for one output, --loss logistic)");
    }
    TargetRule targetRule = TargetRule.of(o.loss(), params.outputDim);
    table = table.requiring(targetRule);
    int blockRows = blockRows(o, params.inputDim, params.outputDim);
    JavaRDD<Block> blocks = BlockReader.of(table, blockRows, o.skipInvalid());
    String readPath = BlockReader.readPath(table);
    StorageLevel cacheLevel = null;
    if (o.verify() != null && o.verify().fullReference()) {
      // the full reference streams every row again: keep the blocks (in memory if they fit comfortably, else on
      // disk); the other checks ride on the gradient pass and need no second read
      cacheLevel = o.cache().level(spark.sparkContext(), estimatedBytes(table));
      if (cacheLevel != null) {
        blocks.setName("adjoint blocks").persist(cacheLevel);
      }
    }
    long t1 = System.nanoTime();

    BlockKernel kernel = o.precision().kernel();
    try (LayerPasses job = new LayerPasses(jsc, params, o.loss(), kernel,
        fold -> InjectedFault.around(jsc.getConf(), fold))) {
      MeasuredPartial pass;
      Verification verification = o.verify() == null ? null
          : new Verification(params, o.loss(), kernel, o.verify(), blockRows);
      ProbeSum probes = null;
      try {
        if (verification == null) {
          pass = job.gradientSum(blocks, o.treeDepth(), o.aggregation());
        } else {
          PassWithProbes both = job.gradientSumWithProbes(blocks, o.treeDepth(), o.aggregation(), verification.plan());
          pass = both.pass();
          probes = both.probes();
        }
      } catch (RuntimeException e) {
        throw diagnosed(spark, o, e, o.partitions() > 0 ? null : table);
      }
      long t2 = System.nanoTime();
      GradientPartial sum = pass.gradient();
      PassMetrics metrics = pass.metrics();
      if (sum.rowCount() == 0) {
        throw new InputException(o.input().path() + ": the input has no rows"
            + (metrics.skippedRows() > 0 ? " left after skipping " + metrics.skippedRows() + " with NaN or ±Inf" : ""));
      }
      Gradients g = sum.finish(o.reduction());
      double gScale = o.reduction().scale(sum.rowCount());

      List<Row> shown = List.of();
      List<String> written = new ArrayList<>();
      Table withIds = null;
      boolean show = o.showRows() > 0 && sum.rowCount() <= o.showRows();
      if (show || (o.writeActivations() && out != null)) {
        withIds = openInput(spark, o, true).requiring(targetRule);
      }
      if (out != null) {
        out.clearOwnResults();
      }
      if (o.writeActivations() && out != null) {
        JavaRDD<Row> acts = job.activations(BlockReader.of(withIds, blockRows, o.skipInvalid()), gScale);
        jsc.setJobDescription("adjoint: write Y and dX");
        spark.createDataFrame(acts, activationSchema(withIds)).write().parquet(out.resolve("activations"));
        written.add(out.resolve("activations"));
      }
      if (show) {
        shown = LayerPasses.take(job.activations(BlockReader.of(withIds, blockRows, o.skipInvalid()), gScale), o.showRows());
      }
      long t3 = System.nanoTime();
      List<CheckResult> checks = List.of();
      if (verification != null) {
        checks = verification.check(g, probes, metrics.checkNanos() / 1e9,
            new SparkDataPasses(jsc, blocks, o.treeDepth()));
        if (cacheLevel != null) {
          blocks.unpersist(true);
        }
      }
      RunResult result = new RunResult(g, sum, metrics, params, withIds == null ? table.idColumn : withIds.idColumn,
          blocks.getNumPartitions(), blockRows, t1 - t0, t2 - t1, t3 - t2, shown, written, checks, heap.peakBytes(),
          heap.liveAfterGcPeakBytes(), cacheLevel == null ? "none" : cacheLevel.description(), readPath,
          verification == null ? null : verification.cost());
      if (out != null) {
        Progress.announce("writing results to " + o.output());
        writeResults(out, o, result, written);
      }
      return result;
    }
  }

  /** Spark's estimate of the input's size in bytes (from file sizes), or -1 when it has none. */
  static long estimatedBytes(Table table) {
    try {
      scala.math.BigInt size = table.rows.queryExecution().optimizedPlan().stats().sizeInBytes();
      return size.isValidLong() ? size.longValue() : Long.MAX_VALUE;
    } catch (RuntimeException e) {
      return -1;
    }
  }

  static Table openInput(SparkSession spark, RunOptions o, boolean withIds) {
    Table t = Table.open(spark, o.input(), withIds);
    return o.partitions() > 0 ? t.repartition(o.partitions()) : t;
  }

  /**
   * A failed pass, said with more of where: a bad row with the file(s) its partition read; text that
   * is not a number in a CSV with its file, line and column. Other errors unchanged.
   */
  static RuntimeException diagnosed(SparkSession spark, RunOptions o, RuntimeException e, Table table) {
    if (o.input().format() == dev.adjoint.data.TableSpec.Format.CSV && isCastError(e)) {
      String where = CsvDiagnosis.firstNonNumber(spark, o.input());
      if (where != null) {
        return new InputException(where, e);
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof RowException row && table != null) {
        List<String> files = table.filesOfPartition(row.partition());
        if (!files.isEmpty()) {
          return new InputException(row.getMessage() + " (partition " + row.partition() + " reads "
              + String.join(", ", files) + ")", e);
        }
        return row;
      }
    }
    return e;
  }

  private static boolean isCastError(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof org.apache.spark.SparkThrowable st && "CAST_INVALID_INPUT".equals(st.getCondition())) {
        return true;
      }
    }
    return false;
  }

  private static int blockRows(RunOptions o, int d, int m) {
    return o.blockRows() > 0 ? o.blockRows() : BlockReader.rowsForBytes(o.blockBytes(), d, m);
  }

  static void requireTargets(RunOptions o, Table table) {
    if (o.loss().needsTargets() && !table.hasTargets) {
      throw new InputException(missingTargets(o.loss()));
    }
  }

  /** What a loss that needs targets says when the input has none (before Spark starts, or after, alike). */
  public static String missingTargets(dev.adjoint.kernel.Loss loss) {
    return "--loss " + loss.cliName() + " needs targets: give --target-cols, --target-prefix or --target-col"
        + (loss.kind() == dev.adjoint.kernel.Loss.Kind.CROSS_ENTROPY ? " (probabilities), or --label-col (class indices)"
        : "");
  }

  static StructType activationSchema(Table t) {
    return new StructType(new StructField[] {
        t.idField,
        DataTypes.createStructField("y", DataTypes.createArrayType(DataTypes.DoubleType, false), false),
        DataTypes.createStructField("dx", DataTypes.createArrayType(DataTypes.DoubleType, false), false)});
  }

  private static void writeResults(OutputDir out, RunOptions o, RunResult r, List<String> written) throws IOException {
    Gradients g = r.gradients();
    WeightsAndBias p = r.params();
    if (o.weightsPath() == null) {
      out.writeAtomically("W.npy", s -> Npy.write(s, new int[] {p.inputDim, p.outputDim}, p.weights));
      out.writeAtomically("b.npy", s -> Npy.write(s, new int[] {p.outputDim}, p.bias));
      written.add(out.resolve("W.npy"));
      written.add(out.resolve("b.npy"));
    }
    out.writeAtomically("dW.npy", s -> Npy.write(s, new int[] {g.inputDim(), g.outputDim()}, g.dW()));
    out.writeAtomically("db.npy", s -> Npy.write(s, new int[] {g.outputDim()}, g.db()));
    written.add(out.resolve("dW.npy"));
    written.add(out.resolve("db.npy"));
    written.add(out.resolve("report.json"));
    Map<String, Object> report = RunReport.of(o, r);
    out.writeAtomically("report.json", s -> RunReport.write(report, s));
  }
}
