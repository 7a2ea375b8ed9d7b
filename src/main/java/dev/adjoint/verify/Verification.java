package dev.adjoint.verify;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver's proof of a distributed result: runs the checks {@link VerifyOptions} selects, one class
 * each, every tolerance from {@link Tolerances}.
 *
 * <ul>
 *   <li>{@link ReferenceCheck}: L, dW, db recomputed on the driver from every row (streamed) with
 *       compensated sums; the row count; Y and dX of sampled rows recomputed from their x.
 *   <li>{@link FiniteDifferenceCheck}: central differences of the distributed loss in single entries of
 *       W and b, and (on the driver) in entries of x for the sampled rows.
 *   <li>{@link DirectionalCheck}: central differences along random unit directions (V, v) of (W, b)
 *       against ⟨dW, V⟩ + ⟨db, v⟩.
 *   <li>{@link FreivaldsCheck}: dW·r against Xᵀ·(G·r) for random ±1 vectors r, and Σ db against Σ G.
 * </ul>
 *
 * The finite-difference, directional and Freivalds checks share one extra distributed pass
 * ({@link SharedProbePass}); the reference is one more; the sampled rows, which the reference and the
 * finite differences in x both use, are fetched once.
 */
public final class Verification {
  private final ResultUnderTest r;
  private final VerifyOptions options;

  /** {@code blockRows}: the most rows the kernel sums in its own precision before adding into float64. */
  public Verification(DataPasses passes, Gradients result, WeightsAndBias params, Loss loss, BlockKernel kernel,
      VerifyOptions options, int blockRows) {
    this.r = new ResultUnderTest(passes, result, params, loss, kernel, blockRows);
    this.options = options;
  }

  /** Runs the selected checks; one result per compared quantity. */
  public List<CheckResult> run() {
    List<CheckResult> out = new ArrayList<>();
    long t0 = System.nanoTime();
    List<SampledRow> rows = sampleRows();
    double sampleSeconds = (System.nanoTime() - t0) / 1e9;
    if (options.runs(VerifyOptions.REFERENCE)) {
      out.addAll(new ReferenceCheck(r, options).run(rows, sampleSeconds));
    }
    FiniteDifferenceCheck fd = new FiniteDifferenceCheck(r, options);
    List<SharedProbePass.Check> shared = sharedPassChecks(fd);
    if (!shared.isEmpty()) {
      out.addAll(SharedProbePass.run(r, shared, options.seed()));
    }
    if (options.runs(VerifyOptions.FINITE_DIFFERENCE)) {
      out.add(fd.inputEntries(rows, sampleSeconds));
    }
    return out;
  }

  /** The rows whose Y and dX the reference and the finite differences in x check (none if neither runs). */
  private List<SampledRow> sampleRows() {
    boolean needed = options.runs(VerifyOptions.REFERENCE) || options.runs(VerifyOptions.FINITE_DIFFERENCE);
    if (!needed || options.sampleRows() <= 0) {
      return List.of();
    }
    return r.passes.sampleRows(r.params, r.loss, r.kernel, r.s, options.sampleRows(), options.seed());
  }

  /** The checks on the shared pass, in the order they draw from its generator and print. */
  private List<SharedProbePass.Check> sharedPassChecks(FiniteDifferenceCheck fd) {
    List<SharedProbePass.Check> checks = new ArrayList<>();
    if (options.runs(VerifyOptions.FINITE_DIFFERENCE)) {
      checks.add(fd);
    }
    if (options.runs(VerifyOptions.DIRECTIONAL) && options.directions() > 0) {
      checks.add(new DirectionalCheck(r, options.directions()));
    }
    if (options.runs(VerifyOptions.FREIVALDS) && options.probes() > 0) {
      checks.add(new FreivaldsCheck(r, options.probes()));
    }
    return checks;
  }
}
