package dev.adjoint.run;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.verify.CheckResult;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** report.json of a chain's run (the chain's {@link RunReport}): the same keys where they mean the same. */
public final class ChainReport {
  private ChainReport() {}

  public static Map<String, Object> of(RunOptions o, ChainResult r) {
    LayerChain chain = r.chain();
    int depth = chain.depth();
    Map<String, Object> report = new LinkedHashMap<>();
    report.put("formula", "z_l = h_{l-1}·W_l + b_l, h_l = σ(z_l) (l < L), Y = z_L; dW_l = h_{l-1}ᵀ·G_l, db_l = 1ᵀ·G_l, "
        + "G_{l-1} = (G_l·W_lᵀ) ⊙ σ'(z_{l-1}), dX = G_1·W_1ᵀ");
    Map<String, Object> input = new LinkedHashMap<>();
    input.put("path", o.input().path());
    input.put("format", o.input().format().name().toLowerCase());
    input.put("features", o.input().features().describe());
    input.put("targets", o.input().targets() == null ? null : o.input().targets().describe());
    input.put("id_column", o.input().idColumn());
    input.put("read_path", r.readPath());
    input.put("weights", o.chain().weights().isEmpty() ? "random N(0, 1/w_l), seed " + o.initSeed() + " + l"
        : String.join(",", o.chain().weights()));
    input.put("bias", o.chain().biases().isEmpty() ? "zeros or from the .npz" : String.join(",", o.chain().biases()));
    report.put("input", input);
    Map<String, Object> shapes = new LinkedHashMap<>();
    shapes.put("n", r.rows());
    shapes.put("skipped_rows", r.metrics().skippedRows());
    shapes.put("widths", chain.widths());
    shapes.put("activation", chain.activation.cliName());
    shapes.put("parameters", chain.parameterCount());
    report.put("shapes", shapes);
    report.put("loss_function", o.loss().cliName());
    report.put("reduction", o.reduction().cliName());
    report.put("loss", r.loss());
    report.put("loss_sum", r.sum().lossSum());
    List<Map<String, Object>> layers = new ArrayList<>();
    for (int l = 0; l < depth; l++) {
      Gradients g = r.layers().get(l);
      Map<String, Object> layer = new LinkedHashMap<>();
      layer.put("layer", l);
      layer.put("W", new int[] {g.inputDim(), g.outputDim()});
      layer.put("dW", ChainSpec.gradientName("dW", l, depth));
      layer.put("db", ChainSpec.gradientName("db", l, depth));
      layer.put("activation_after", l < depth - 1 ? chain.activation.cliName() : "none");
      layers.add(layer);
    }
    report.put("layers", layers);
    Map<String, Object> layout = new LinkedHashMap<>();
    layout.put("partitions", r.partitions());
    layout.put("block_rows", r.blockRows());
    layout.put("blocks", r.metrics().blockCount());
    layout.put("tree_depth", o.treeDepth());
    layout.put("aggregation", o.aggregation().cliName());
    report.put("layout", layout);
    report.put("blas", BlasInfo.current().toMap());
    report.put("driver_memory", RunReport.driverMemory(r.heapPeakBytes(), r.heapLiveAfterGcPeakBytes()));
    Map<String, Object> time = new LinkedHashMap<>();
    time.put("read_s", r.metrics().readNanos() / 1e9);
    time.put("forward_s", r.metrics().forwardNanos() / 1e9);
    time.put("backward_s", r.metrics().backwardNanos() / 1e9);
    time.put("checks_in_pass_s", r.metrics().checkNanos() / 1e9);
    time.put("setup_wall_s", r.readSetupNanos() / 1e9);
    time.put("gradient_pass_wall_s", r.gradientPassNanos() / 1e9);
    time.put("checks_driver_wall_s", r.checkNanos() / 1e9);
    report.put("time", time);
    List<Map<String, Object>> checks = RunReport.checkRows(r.checks());
    Map<String, Object> verification = new LinkedHashMap<>();
    verification.put("ran", r.checks().stream().map(CheckResult::check).distinct().toList());
    verification.put("verdict", r.checks().isEmpty() ? "not run" : r.verified() ? "pass" : "fail");
    verification.put("checks", checks);
    report.put("verification", verification);
    report.put("outputs", r.written());
    return report;
  }
}
