package dev.adjoint.run;

import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.verify.CheckResult;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * What a chain's run produced (the chain's {@link RunResult}): each layer's finished gradients, the raw
 * partial, the pass's metrics, the chain used, the layout, wall times (ns), shown rows, files written, checks.
 */
public record ChainResult(
    List<Gradients> layers,
    ChainPartial sum,
    PassMetrics metrics,
    LayerChain chain,
    String idColumn,
    int partitions,
    int blockRows,
    long readSetupNanos,
    long gradientPassNanos,
    long checkNanos,
    List<Row> shownActivations,
    List<String> written,
    List<CheckResult> checks,
    String readPath) {

  /** Whether every check that ran passed (true when none ran). */
  public boolean verified() {
    return checks.stream().allMatch(CheckResult::passed);
  }

  public double loss() {
    return layers.get(0).loss();
  }

  public long rows() {
    return sum.rowCount();
  }
}
