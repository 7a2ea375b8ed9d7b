package dev.adjoint.run;

import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.VerificationCost;
import java.util.List;
import org.apache.spark.sql.Row;

/**
 * What a run produced: the finished gradients, the raw partial (its sums, n), the pass's metrics, the parameters
 * used, how the work was laid out, wall times in nanoseconds, a few activation rows when the input is
 * small enough to show, the files written, and the verification's results, and how blocks were read
 * ({@code columnar} from Parquet's column batches, or {@code rows}), and what the checks cost (null when none ran).
 */
public record RunResult(
    Gradients gradients,
    GradientPartial sum,
    PassMetrics metrics,
    WeightsAndBias params,
    String idColumn,
    int partitions,
    int blockRows,
    long readSetupNanos,
    long gradientPassNanos,
    long activationsNanos,
    List<Row> shownActivations,
    List<String> written,
    List<CheckResult> checks,
    long heapPeakBytes,
    long heapLiveAfterGcPeakBytes,
    String cacheLevel,
    String readPath,
    VerificationCost verificationCost) {

  /** Whether every check that ran passed (true when none ran). */
  public boolean verified() {
    return checks.stream().allMatch(CheckResult::passed);
  }
}
