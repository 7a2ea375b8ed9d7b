package dev.adjoint.cli;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.run.ChainResult;
import dev.adjoint.run.RunOptions;
import java.io.PrintStream;
import java.util.Locale;

/** What {@code run} prints for a chain of layers (the chain's {@link Summary}). */
final class ChainSummary {
  private ChainSummary() {}

  static void print(PrintStream out, RunOptions o, ChainResult r) {
    out.printf(Locale.ROOT, "Adjoint: chain %s over n=%d rows; loss %s, reduction %s%n", r.chain(), r.rows(),
        o.loss().cliName(), o.reduction().cliName());
    Summary.printInputAndLayout(out, o, r.readPath(), r.partitions(), r.blockRows(), r.metrics());
    out.printf(Locale.ROOT, "  loss     L = %s%n", Summary.num(r.loss()));
    if (!r.shownActivations().isEmpty()) {
      out.printf(Locale.ROOT, "  Y  [%d×%d]  (rows by %s)%n", r.shownActivations().size(), r.chain().outputDim(), r.idColumn());
      Summary.printRows(out, r.shownActivations(), 1);
    }
    for (int l = 0; l < r.layers().size(); l++) {
      Gradients g = r.layers().get(l);
      Summary.matrix(out, "dW" + l, g.dW(), g.inputDim(), g.outputDim());
      Summary.matrix(out, "db" + l, g.db(), 1, g.outputDim());
    }
    if (!r.shownActivations().isEmpty()) {
      out.printf(Locale.ROOT, "  dX [%d×%d]%n", r.shownActivations().size(), r.chain().inputDim());
      Summary.printRows(out, r.shownActivations(), 2);
    }
    out.printf(Locale.ROOT, "  time     gradient pass %.3f s wall; task time: read %.3f s, forward %.3f s, backward %.3f s, "
        + "checks' probes %.3f s%n", r.gradientPassNanos() / 1e9, r.metrics().readNanos() / 1e9,
        r.metrics().forwardNanos() / 1e9, r.metrics().backwardNanos() / 1e9, r.metrics().checkNanos() / 1e9);
    out.printf(Locale.ROOT, "  BLAS     %s, float64 products%n", BlasInfo.current().describe());
    Summary.printChecks(out, r.checks());
    out.printf(Locale.ROOT, "  memory   driver heap: limit %d MB, peak used %d MB, peak live after GC %d MB; a block's "
        + "state %d doubles per row beside X%n", Runtime.getRuntime().maxMemory() >> 20, r.heapPeakBytes() >> 20,
        r.heapLiveAfterGcPeakBytes() >> 20, r.chain().stateWidth());
    for (String path : r.written()) {
      out.printf(Locale.ROOT, "  wrote    %s%n", path);
    }
  }
}
