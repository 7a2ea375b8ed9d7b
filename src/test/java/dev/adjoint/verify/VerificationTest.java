package dev.adjoint.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The checks' math on in-memory blocks: the correct result passes, and the tolerances are tight. */
class VerificationTest {
  private static final int N = 500;
  private static final int D = 6;
  private static final int M = 3;

  private final Random rng = new Random(99);
  private final List<Block> blocks = new ArrayList<>();
  private WeightsAndBias p;
  private Loss loss;

  /** Every loss: the polynomial ones, and the nonlinear ones with targets in their domain. */
  static List<Loss> losses() {
    return Loss.all();
  }

  VerificationTest() {
    init(Loss.SQUARED);
  }

  private VerificationTest init(Loss loss) {
    this.loss = loss;
    blocks.clear();
    for (int start = 0; start < N; start += 64) {
      int rows = Math.min(64, N - start);
      double[] x = gaussian(rows * D, 3.0);
      blocks.add(Block.of(rows, D, x, loss.targetWidth(M), targets(loss, rows)));
    }
    p = new WeightsAndBias(D, M, gaussian(D * M, 1.0), gaussian(M, 1.0));
    return this;
  }

  /** Targets the loss allows: Gaussian, in [0, 1] (logistic, cross-entropy), or class labels 0 … M−1. */
  private double[] targets(Loss loss, int rows) {
    return switch (loss.targetDomain()) {
      case REAL -> gaussian(rows * M, 1.0);
      case UNIT_INTERVAL -> {
        double[] t = new double[rows * M];
        for (int k = 0; k < t.length; k++) {
          t[k] = rng.nextDouble();
        }
        yield t;
      }
      case CLASS_INDEX -> {
        double[] t = new double[rows];
        for (int k = 0; k < rows; k++) {
          t[k] = rng.nextInt(M);
        }
        yield t;
      }
    };
  }

  /** The test's data for {@code loss}. */
  private static VerificationTest with(Loss loss) {
    return new VerificationTest().init(loss);
  }

  /**
   * The relative error the finite-difference checks can resolve: near 10⁻¹³ for the polynomial losses (no
   * truncation, large steps); for the nonlinear ones rounding/h and truncation·h² balance near 10⁻⁸ here.
   */
  private static double fdResolution(Loss loss) {
    return loss.thirdDerivativeIsZero() ? 1e-8 : 1e-5;
  }

  private double[] gaussian(int len, double scale) {
    double[] a = new double[len];
    for (int k = 0; k < len; k++) {
      a[k] = scale * rng.nextGaussian();
    }
    return a;
  }

  private Gradients distributed(Reduction reduction) {
    return distributed(loss, reduction);
  }

  private Gradients distributed(Loss loss, Reduction reduction) {
    return distributed(loss, reduction, BlockKernel.CORRECT);
  }

  private Gradients distributed(Loss loss, Reduction reduction, BlockKernel kernel) {
    GradientPartial s = GradientPartial.empty(D, M);
    blocks.forEach(b -> s.add(b, p, loss, kernel));
    return s.finish(reduction);
  }

  private List<CheckResult> verify(Gradients g, Loss loss) {
    return new Verification(p, loss, BlockKernel.CORRECT, VerifyOptions.defaults(VerifyOptions.ALL), 64)
        .run(new LocalPasses(blocks), g);
  }

  @ParameterizedTest
  @MethodSource("losses")
  void theCorrectResultPassesEveryCheckWithBothReductions(Loss loss) {
    with(loss).correctPasses();
  }

  private void correctPasses() {
    for (Reduction reduction : Reduction.values()) {
      List<CheckResult> results = verify(distributed(loss, reduction), loss);
      assertEquals(VerifyOptions.ALL, results.stream().map(CheckResult::check).collect(java.util.stream.Collectors.toSet()));
      for (CheckResult r : results) {
        assertTrue(r.passed(), loss + " " + reduction + ": " + r);
        assertTrue(r.tolerance() < (r.check().equals(VerifyOptions.REFERENCE)
            || r.check().equals(VerifyOptions.FREIVALDS) ? 1e-10 : 1e-6), "a tolerance that could not fail is no check: " + r);
      }
    }
  }

  /**
   * A result wrong by one part in 10⁸ in a single entry is caught: the tolerances are that tight (far
   * tighter in fact, near 1e-13 here), yet the correct result passes above. A result corrupted after the
   * kernel (here: in the sum itself) is caught by Freivalds over every row, and by the full reference; the
   * sampled reference recomputes the kernel's partials of its blocks, which are right, and passes.
   */
  @ParameterizedTest
  @MethodSource("losses")
  void aSmallErrorInOneEntryIsCaught(Loss loss) {
    with(loss).smallErrorCaught();
  }

  private void smallErrorCaught() {
    Gradients g = distributed(loss, Reduction.SUM);
    double[] dW = g.dW().clone();
    dW[D * M / 2] *= 1 + 1e-8;
    Gradients off = new Gradients(D, M, g.loss(), dW, g.db(), g.rows(), g.reduction());
    List<CheckResult> results = verify(off, loss);
    assertFalse(find(results, VerifyOptions.FREIVALDS, "dW").passed(), results.toString());
    assertTrue(find(results, VerifyOptions.REFERENCE, "dW").passed(), "the sample's partials are right: " + results);
    List<CheckResult> full = verifyFull(off, loss);
    assertFalse(find(full, VerifyOptions.REFERENCE, "dW").passed(), full.toString());

    double[] db = g.db().clone();
    db[0] *= 1 + 1e-8;
    Gradients offB = new Gradients(D, M, g.loss(), g.dW(), db, g.rows(), g.reduction());
    List<CheckResult> resultsB = verifyFull(offB, loss);
    assertFalse(find(resultsB, VerifyOptions.REFERENCE, "db").passed(), resultsB.toString());
  }

  /** A kernel whose dW is off by one part in 10⁸ is caught by the sampled reference and by every probe check. */
  @ParameterizedTest
  @MethodSource("losses")
  void aKernelErrorIsCaughtByTheSampledReference(Loss loss) {
    with(loss).kernelErrorCaught();
  }

  private void kernelErrorCaught() {
    BlockKernel scaled = PlantedKernels.scaledWeightGradient(fdResolution(loss));
    Gradients g = distributed(loss, Reduction.SUM, scaled);
    List<CheckResult> results = new Verification(p, loss, scaled, VerifyOptions.defaults(VerifyOptions.ALL), 64)
        .run(new LocalPasses(blocks), g);
    assertFalse(find(results, VerifyOptions.REFERENCE, "dW").passed(), results.toString());
    assertFalse(find(results, VerifyOptions.FREIVALDS, "dW").passed(), results.toString());
    assertFalse(find(results, VerifyOptions.FINITE_DIFFERENCE, "dW").passed(), results.toString());
    assertFalse(find(results, VerifyOptions.DIRECTIONAL, "⟨dW").passed(), results.toString());
  }

  private static CheckResult find(List<CheckResult> results, String check, String compared) {
    return results.stream().filter(r -> r.check().equals(check) && r.compared().startsWith(compared)).findFirst()
        .orElseThrow(() -> new AssertionError("no " + check + " " + compared + " in " + results));
  }

  private List<CheckResult> verifyFull(Gradients g, Loss loss) {
    return new Verification(p, loss, BlockKernel.CORRECT,
        VerifyOptions.defaults(VerifyOptions.ALL).withFullReference(true), 64).run(new LocalPasses(blocks), g);
  }

  /**
   * float32 products pass with tolerances from float32's unit roundoff; judged with float64's they
   * fail — so the tolerances really scale with u, and the float32 path really rounds to float32.
   */
  @ParameterizedTest
  @MethodSource("losses")
  void float32ProductsPassWithFloat32TolerancesOnly(Loss loss) {
    with(loss).float32Passes();
  }

  private void float32Passes() {
    BlockKernel f32 = Precision.FLOAT32.kernel();
    Gradients g = distributed(loss, Reduction.SUM, f32);
    List<CheckResult> results = new Verification(p, loss, f32, VerifyOptions.defaults(VerifyOptions.ALL), 64).run(new LocalPasses(blocks), g);
    for (CheckResult r : results) {
      assertTrue(r.passed(), r.toString());
    }
    CheckResult dW = results.stream().filter(r -> r.compared().equals("dW")).findFirst().orElseThrow();
    assertTrue(dW.error() > 1e-10, "float32 rounding is visible: " + dW);
    assertTrue(dW.tolerance() < 1e-3, "and the float32 tolerance still means something: " + dW);

    // the same float32 results judged as if computed in float64 (a kernel with float64's u)
    List<CheckResult> strict = new Verification(p, loss, BlockKernel.CORRECT,
        VerifyOptions.defaults(Set.of(VerifyOptions.REFERENCE)).withFullReference(true), 64).run(new LocalPasses(blocks), g);
    assertFalse(strict.stream().filter(r -> r.compared().equals("dW")).findFirst().orElseThrow().passed(),
        strict.toString());
  }

  /**
   * float32 tolerances stay finite at any n: within a block the sums are float32, across blocks float64,
   * so the bound is γ_B(2⁻²⁴) + γ_{blocks}(2⁻⁵³), not γ_n(2⁻²⁴), which is infinite past n = 2²⁴.
   */
  @org.junit.jupiter.api.Test
  void float32BoundsStayFiniteForLargeN() {
    double big = Tolerances.sumGamma(100_000_000L, 4096, 100_000_000L / 4096 + 1, Tolerances.U32);
    assertTrue(Double.isFinite(big) && big < 1e-3, "γ for 10⁸ rows in blocks of 4096: " + big);
    assertTrue(Double.isInfinite(Tolerances.gamma(100_000_000L, Tolerances.U32)), "the naive bound says nothing");
    assertFalse(CheckResult.of("x", "y", 0.0, Double.POSITIVE_INFINITY, 0, "").passed(), "an infinite tolerance fails");
    assertFalse(CheckResult.of("x", "y", 0.0, 1.0, 0, "").passed(), "a relative tolerance of 1 could pass anything: fails");
    assertTrue(CheckResult.of("x", "y", 0.0, 0.5, 0, "").passed(), "below 1 it can fail, and error 0 passes");
  }

  @ParameterizedTest
  @MethodSource("losses")
  void aWrongRowCountOrLossIsCaught(Loss loss) {
    with(loss).wrongCountCaught();
  }

  private void wrongCountCaught() {
    Gradients g = distributed(loss, Reduction.SUM);
    Gradients fewer = new Gradients(D, M, g.loss(), g.dW(), g.db(), g.rows() - 1, g.reduction());
    assertFalse(verify(fewer, loss).stream().filter(r -> r.compared().equals("row count n")).findFirst().orElseThrow()
        .passed());
    Gradients wrongL = new Gradients(D, M, g.loss() * (1 + 1e-9), g.dW(), g.db(), g.rows(), g.reduction());
    assertFalse(verify(wrongL, loss).stream().filter(r -> r.compared().equals("L, every row")).findFirst().orElseThrow().passed());
  }
}
