package dev.adjoint.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.ChainPasses;
import dev.adjoint.job.ChainWithProbes;
import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.ChainVerification;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.VerifyOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** The chain's checks on real Spark: every planted bug caught where it must be, and relu's kinks counted. */
class ChainSelfTestTest {
  private static JavaSparkContext jsc() {
    return JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());
  }

  /**
   * The correct chain passes all four checks; each planted bug fails the checks that can see it: a wrong G
   * (transpose, σ' left out) is used on both sides of Freivalds' identity, so only the others see it; a
   * dropped db fails all four.
   */
  @Test
  void everyPlantedBugIsCaughtByTheChecksThatCanSeeIt() {
    List<ChainSelfTest.Row> rows = ChainSelfTest.run(jsc(), 200, 4, 3, 11);
    assertTrue(ChainSelfTest.allCaught(rows), rows.toString());
    assertEquals(4, rows.size());
    Map<String, Boolean> none = SelfTest.verdicts(rows.get(0).results());
    assertEquals(Map.of("reference", false, "finite-difference", false, "directional", false, "freivalds", false), none);
    for (int i = 1; i <= 2; i++) {
      assertEquals(Map.of("reference", true, "finite-difference", true, "directional", true, "freivalds", false),
          SelfTest.verdicts(rows.get(i).results()), rows.get(i).bug());
    }
    assertEquals(Map.of("reference", true, "finite-difference", true, "directional", true, "freivalds", true),
        SelfTest.verdicts(rows.get(3).results()), rows.get(3).bug());
  }

  /**
   * relu with pre-activations within the step of 0: half the rows are X = 0, so z₀ = b₀ = 10⁻⁶ there, and every
   * move of b₀ by h/2 ≈ 3·10⁻⁵ crosses the kink. The crossings are counted and their first-order effect taken off
   * the perturbed losses, so the checks pass with tolerances that still mean something (uncorrected, the central
   * difference of b₀ straddles 100 kinks and misses half their slope: errors of 2% and 870% were measured at
   * steps 2⁻¹⁴; corrected, 1e-5 and 0.5% at today's steps, within tolerances of 2e-5 and 1%).
   */
  @Test
  void reluKinksWithinTheStepAreCountedAndCorrected() {
    Random rng = new Random(5);
    int[] w = {3, 4, 4, 2};
    List<WeightsAndBias> layers = new ArrayList<>();
    for (int l = 0; l < 3; l++) {
      double[] b = new double[w[l + 1]];
      java.util.Arrays.fill(b, l == 0 ? 1e-6 : 0.1);
      layers.add(new WeightsAndBias(w[l], w[l + 1], gaussian(rng, w[l] * w[l + 1]), b));
    }
    LayerChain chain = new LayerChain(layers, Activation.RELU);
    List<Block> blocks = new ArrayList<>();
    for (int k = 0; k < 20; k++) {
      double[] x = gaussian(rng, 10 * 3);
      for (int r = 0; r < 10; r += 2) {
        java.util.Arrays.fill(x, r * 3, r * 3 + 3, 0.0);
      }
      blocks.add(Block.of(10, 3, x, 2, gaussian(rng, 20)));
    }
    JavaRDD<Block> rdd = jsc().parallelize(blocks, 3);
    VerifyOptions all = new VerifyOptions(VerifyOptions.ALL, 16, 12, 2, 2, 8, 2, false, 2e10, 3);
    ChainVerification v = new ChainVerification(chain, Loss.SQUARED, ChainKernel.CORRECT, all);
    try (ChainPasses job = new ChainPasses(jsc(), chain, Loss.SQUARED, ChainKernel.CORRECT, UnaryOperator.identity())) {
      ChainWithProbes both = job.gradientSumWithProbes(rdd, 2, Aggregation.FIXED, v.plan());
      List<CheckResult> results = v.check(both.pass().gradient(), both.probes(), 0);
      assertTrue(results.stream().allMatch(CheckResult::passed), results.toString());
      CheckResult fd = results.stream().filter(r -> r.check().equals("finite-difference")).findFirst().orElseThrow();
      long kinks = Long.parseLong(fd.note().replaceAll(".*, (\\d+) relu kink\\(s\\) crossed.*", "$1"));
      assertTrue(kinks >= 100, "b₀'s entries move 100 zero rows' z₀ across 0 each: " + fd.note());
      assertTrue(fd.tolerance() < 1e-4, "a meaningful finite-difference tolerance: " + fd);
      // every direction moves all 100 zero rows of every b₀ entry across the kink at once: the residual after the
      // first-order correction is larger there (measured 0.5%), and its tolerance still well below 1
      assertTrue(results.stream().filter(r -> r.check().equals("directional")).allMatch(r -> r.tolerance() < 5e-2),
          results.toString());
      assertTrue(results.stream().filter(r -> r.check().equals("directional"))
          .allMatch(r -> !r.note().contains(" 0 relu kink")), results.toString());
    }
  }

  private static double[] gaussian(Random rng, int len) {
    double[] a = new double[len];
    for (int k = 0; k < len; k++) {
      a[k] = rng.nextGaussian();
    }
    return a;
  }
}
