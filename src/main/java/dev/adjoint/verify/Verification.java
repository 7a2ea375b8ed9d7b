package dev.adjoint.verify;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The driver's proof of a distributed result, in two steps around the pass: {@link #plan} says what the
 * pass must evaluate beside the gradient (a {@link ProbePlan}: perturbed losses, Freivalds vectors, a
 * sample of whole blocks), and {@link #check} runs the checks {@link VerifyOptions} selects on what it
 * summed (a {@link ProbeSum}), one class each, every tolerance from {@link Tolerances}.
 *
 * <ul>
 *   <li>{@link ReferenceCheck}: the row count and L of every row against the gradient pass's; L, dW and
 *       db recomputed with plain loops over the sampled blocks (or every row, streamed); Y and dX of
 *       sampled rows recomputed from their x.
 *   <li>{@link FiniteDifferenceCheck}: central differences of the distributed loss in single entries of
 *       W and b, and (on the driver) in entries of x of the sampled rows.
 *   <li>{@link DirectionalCheck}: central differences along random unit directions (V, v) of (W, b)
 *       against ⟨dW, V⟩ + ⟨db, v⟩.
 *   <li>{@link FreivaldsCheck}: dW·r against Xᵀ·(G·r) for random ±1 vectors r, and Σ db against Σ G.
 * </ul>
 *
 * The data pass is not repeated: the probes ride on the gradient pass (or, in tests, on one pass of their
 * own, {@link #run}); only {@code --reference full} passes over the rows again.
 */
public final class Verification {
  private final LayerUnderTest layer;
  private final VerifyOptions options;
  private final FiniteDifferenceCheck fd;
  private final SharedProbePass probes;
  private final ProbePlan plan;
  private VerificationCost cost;

  /** Plans the checks: {@code blockRows} is the most rows the kernel sums in its own precision. */
  public Verification(WeightsAndBias params, Loss loss, BlockKernel kernel, VerifyOptions options, int blockRows) {
    this.layer = new LayerUnderTest(params, loss, kernel, blockRows);
    this.options = options;
    this.fd = new FiniteDifferenceCheck(layer, options);
    this.probes = new SharedProbePass(sharedChecks(), options.seed());
    this.plan = probes.plan(layer, needsSample() ? options.sampleBlocks() : 0, options.seed() ^ 0xb10c5L);
  }

  /** What the pass must evaluate beside the gradient. */
  public ProbePlan plan() {
    return plan;
  }

  /**
   * Runs the selected checks on {@code result} and the probes {@code sum} the same pass summed (in
   * {@code probeSeconds}); {@code passes} reaches the rows again for {@code --reference full} only (may
   * be null otherwise). One result per compared quantity.
   */
  public List<CheckResult> check(Gradients result, ProbeSum sum, double probeSeconds, DataPasses passes) {
    long start = System.nanoTime();
    ResultUnderTest r = new ResultUnderTest(layer, passes, result, sum.blocks);
    List<SampledRow> rows = sampledRows(sum.sample);
    List<CheckResult> out = new ArrayList<>();
    long streamed = 0;
    if (options.runs(VerifyOptions.REFERENCE)) {
      long t0 = System.nanoTime();
      List<CheckResult> ref = new ReferenceCheck(r, options).run(sum, rows);
      out.addAll(timed(ref, (System.nanoTime() - t0) / 1e9));
      streamed = options.fullReference() ? 8L * r.n * (r.d + (r.loss.needsTargets() ? r.loss.targetWidth(r.m) : 0)) : 0;
    }
    long t0 = System.nanoTime();
    out.addAll(timed(probes.results(r, sum, 0), (System.nanoTime() - t0) / 1e9));
    if (options.runs(VerifyOptions.FINITE_DIFFERENCE)) {
      out.add(fd.inputEntries(r, rows));
    }
    long sampleBytes = sum.sample.bytes();
    cost = new VerificationCost(probeSeconds, (System.nanoTime() - start) / 1e9, sum.bytes() - sampleBytes, sampleBytes,
        streamed);
    return out;
  }

  /** What the last {@link #check} cost (null before it ran). */
  public VerificationCost cost() {
    return cost;
  }

  /** Both steps with a pass of the probes' own (tests and the self-test's small cases). */
  public List<CheckResult> run(DataPasses passes, Gradients result) {
    long t0 = System.nanoTime();
    ProbeSum sum = passes.probe(plan);
    return check(result, sum, (System.nanoTime() - t0) / 1e9, passes);
  }

  /** The first result of a group carries the group's driver time. */
  private static List<CheckResult> timed(List<CheckResult> results, double seconds) {
    List<CheckResult> out = new ArrayList<>(results);
    if (!out.isEmpty()) {
      CheckResult c = out.get(0);
      out.set(0, new CheckResult(c.check(), c.compared(), c.error(), c.tolerance(), c.passed(), seconds, c.note()));
    }
    return out;
  }

  private boolean needsSample() {
    boolean sampledSums = options.runs(VerifyOptions.REFERENCE) && !options.fullReference();
    boolean sampledRows = (options.runs(VerifyOptions.REFERENCE) || options.runs(VerifyOptions.FINITE_DIFFERENCE))
        && options.sampleRows() > 0;
    return sampledSums || sampledRows;
  }

  /** Up to {@code sampleRows} rows of the sampled blocks, chosen by the seed, with the Y and dX the pass computed. */
  private List<SampledRow> sampledRows(BlockSample sample) {
    List<SampledRow> all = new ArrayList<>();
    long total = sample.rows();
    if (total == 0 || options.sampleRows() <= 0) {
      return all;
    }
    int[] picked = SeededIndices.sample((int) Math.min(Integer.MAX_VALUE, total),
        (int) Math.min(options.sampleRows(), total), new Random(options.seed() + 7));
    java.util.Arrays.sort(picked);
    int p = 0;
    long offset = 0;
    for (BlockSample.Entry e : sample.entries()) {
      while (p < picked.length && picked[p] < offset + e.block.rows) {
        all.add(SampledRow.of(e.block, (int) (picked[p] - offset), e.activations()));
        p++;
      }
      offset += e.block.rows;
    }
    return all;
  }

  /** The checks on the shared probes, in the order they draw from its generator and print. */
  private List<SharedProbePass.Check> sharedChecks() {
    List<SharedProbePass.Check> checks = new ArrayList<>();
    if (options.runs(VerifyOptions.FINITE_DIFFERENCE)) {
      checks.add(fd);
    }
    if (options.runs(VerifyOptions.DIRECTIONAL) && options.directions() > 0) {
      checks.add(new DirectionalCheck(layer, options.directions()));
    }
    if (options.runs(VerifyOptions.FREIVALDS) && options.probes() > 0) {
      checks.add(new FreivaldsCheck(layer, options.probes()));
    }
    return checks;
  }
}
