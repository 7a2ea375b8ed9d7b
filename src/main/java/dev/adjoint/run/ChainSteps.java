package dev.adjoint.run;

import dev.adjoint.data.BlockReader;
import dev.adjoint.data.InputException;
import dev.adjoint.data.Npy;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.Table;
import dev.adjoint.data.TargetRule;
import dev.adjoint.data.WeightFiles;
import dev.adjoint.job.ChainPasses;
import dev.adjoint.job.ChainWithProbes;
import dev.adjoint.job.InjectedFault;
import dev.adjoint.job.MeasuredChain;
import dev.adjoint.job.MemoryCheck;
import dev.adjoint.job.Progress;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.ChainVerification;
import dev.adjoint.verify.CheckResult;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * One run of a chain of layers, as named steps (the chain's {@link RunSteps}): open the input, load or draw
 * the layers, the gradient pass with the checks' probes riding on it, activations, outputs (all or nothing).
 */
public final class ChainSteps {
  private ChainSteps() {}

  public static ChainResult run(SparkSession spark, RunOptions o) throws IOException {
    return run(spark, o, ChainKernel.CORRECT);
  }

  /** {@link #run(SparkSession, RunOptions)} through {@code kernel} (the self-test's planted bugs). */
  public static ChainResult run(SparkSession spark, RunOptions o, ChainKernel kernel) throws IOException {
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    Configuration hadoop = spark.sparkContext().hadoopConfiguration();
    ChainSpec spec = o.chain();
    long t0 = System.nanoTime();
    Table table = RunSteps.openInput(spark, o, false);
    LayerChain chain = WeightFiles.chainForTable(hadoop, spec.weights(), spec.biases(), spec.widths(), o.input(), table,
        spec.activation(), o.initSeed(), o.loss(), (d, m) -> MemoryCheck.require(spark.sparkContext(), d, m, 1));
    OutputDir out = o.output() == null ? null : OutputDir.prepare(hadoop, o.output(), o.overwrite(), ownNames(chain));
    RunSteps.requireTargets(o, table);
    if (o.loss().kind() == Loss.Kind.CROSS_ENTROPY && chain.outputDim() < 2) {
      throw new InputException("--loss cross-entropy over m = " + chain.outputDim() + " output is 0 for every row: "
          + "the last W needs one column per class, m ≥ 2");
    }
    TargetRule targetRule = TargetRule.of(o.loss(), chain.outputDim());
    table = table.requiring(targetRule);
    int blockRows = o.blockRows() > 0 ? o.blockRows()
        : BlockReader.rowsForBytes(o.blockBytes(), chain.inputDim(), chain.widthSum());
    JavaRDD<Block> blocks = BlockReader.of(table, blockRows, o.skipInvalid());
    String readPath = BlockReader.readPath(table);
    long t1 = System.nanoTime();

    try (ChainPasses job = new ChainPasses(jsc, chain, o.loss(), kernel,
        fold -> InjectedFault.around(jsc.getConf(), fold))) {
      ChainVerification verification = o.verify() == null ? null
          : new ChainVerification(chain, o.loss(), kernel, o.verify());
      MeasuredChain pass;
      ChainWithProbes both = null;
      try {
        if (verification == null) {
          pass = job.gradientSum(blocks, o.treeDepth(), o.aggregation(), false);
        } else {
          both = job.gradientSumWithProbes(blocks, o.treeDepth(), o.aggregation(), verification.plan());
          pass = both.pass();
        }
      } catch (RuntimeException e) {
        throw RunSteps.diagnosed(spark, o, e, o.partitions() > 0 ? null : table);
      }
      long t2 = System.nanoTime();
      if (pass.gradient().rowCount() == 0) {
        throw new InputException(o.input().path() + ": the input has no rows");
      }
      List<Gradients> grads = pass.gradient().finish(o.reduction());
      double gScale = o.reduction().scale(pass.gradient().rowCount());
      List<CheckResult> checks = verification == null ? List.of()
          : verification.check(pass.gradient(), both.probes(), pass.metrics().checkNanos() / 1e9);
      long t3 = System.nanoTime();

      List<Row> shown = List.of();
      Table withIds = null;
      boolean show = o.showRows() > 0 && pass.gradient().rowCount() <= o.showRows();
      if (show || (o.writeActivations() && out != null)) {
        withIds = RunSteps.openInput(spark, o, true).requiring(targetRule);
      }
      if (show) {
        shown = new ArrayList<>(job.activations(BlockReader.of(withIds, blockRows, o.skipInvalid()), gScale)
            .take(o.showRows()));
      }
      List<String> written = new ArrayList<>();
      ChainResult result = new ChainResult(grads, pass.gradient(), pass.metrics(), chain,
          withIds == null ? table.idColumn : withIds.idColumn, blocks.getNumPartitions(), blockRows, t1 - t0, t2 - t1,
          t3 - t2, shown, written, checks, readPath);
      if (out != null) {
        Progress.announce("writing results to " + o.output());
        out.clearOwnResults();
        if (o.writeActivations()) {
          JavaRDD<Row> acts = job.activations(BlockReader.of(withIds, blockRows, o.skipInvalid()), gScale);
          jsc.setJobDescription("adjoint: write Y and dX");
          spark.createDataFrame(acts, RunSteps.activationSchema(withIds)).write().parquet(out.resolve("activations"));
          written.add(out.resolve("activations"));
        }
        writeResults(out, o, result, written);
      }
      return result;
    }
  }

  /** Every name a chain's run may write into its folder (what --overwrite may replace). */
  static List<String> ownNames(LayerChain chain) {
    List<String> names = new ArrayList<>(OutputDir.RESULT_NAMES);
    for (int l = 0; l < chain.depth(); l++) {
      for (String base : new String[] {"dW", "db", "W", "b"}) {
        names.add(ChainSpec.gradientName(base, l, chain.depth()));
      }
    }
    return names.stream().distinct().toList();
  }

  private static void writeResults(OutputDir out, RunOptions o, ChainResult r, List<String> written) throws IOException {
    LayerChain chain = r.chain();
    int depth = chain.depth();
    Map<String, OutputDir.Writer> files = new LinkedHashMap<>();
    for (int l = 0; l < depth; l++) {
      Gradients g = r.layers().get(l);
      WeightsAndBias p = chain.layer(l);
      if (o.chain().weights().isEmpty()) {
        files.put(ChainSpec.gradientName("W", l, depth), s -> Npy.write(s, new int[] {p.inputDim, p.outputDim}, p.weights));
        files.put(ChainSpec.gradientName("b", l, depth), s -> Npy.write(s, new int[] {p.outputDim}, p.bias));
      }
      files.put(ChainSpec.gradientName("dW", l, depth), s -> Npy.write(s, new int[] {g.inputDim(), g.outputDim()}, g.dW()));
      files.put(ChainSpec.gradientName("db", l, depth), s -> Npy.write(s, new int[] {g.outputDim()}, g.db()));
    }
    for (String name : files.keySet()) {
      written.add(out.resolve(name));
    }
    written.add(out.resolve("report.json"));
    Map<String, Object> report = ChainReport.of(o, r);
    files.put("report.json", s -> RunReport.write(report, s));
    for (Map.Entry<String, OutputDir.Writer> f : files.entrySet()) {
      out.writeAtomically(f.getKey(), f.getValue());
    }
  }
}
