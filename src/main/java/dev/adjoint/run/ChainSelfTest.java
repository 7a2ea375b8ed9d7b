package dev.adjoint.run;

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
import dev.adjoint.verify.PlantedChainKernels;
import dev.adjoint.verify.VerifyOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * The self-test's chain table: a chain d → w → w → 3 (tanh, squared loss; the middle layer square) with one bug
 * planted per layer — a wrong transpose in the middle layer, σ' left out, the first layer's db dropped — each
 * run through the same pass and checks as a real run; the correct chain must pass every check.
 */
public final class ChainSelfTest {
  private ChainSelfTest() {}

  /** A row of the chain table: which bug, and every check's result. */
  public record Row(String bug, boolean correct, List<CheckResult> results) {}

  /** The planted bugs, by layer. */
  static List<Object[]> bugs() {
    return List.of(
        new Object[] {"none (the correct chain)", ChainKernel.CORRECT},
        new Object[] {"layer 1: ∂L/∂h = G·W, not G·Wᵀ (square W)", PlantedChainKernels.wrongTranspose(1)},
        new Object[] {"layer 1: σ'(z₀) left out of G₀", PlantedChainKernels.slopeLeftOut(1)},
        new Object[] {"layer 0: db₀ dropped", PlantedChainKernels.biasGradientDropped(0)});
  }

  public static List<Row> run(JavaSparkContext jsc, int n, int dim, int partitions, long seed) {
    Random rng = new Random(seed);
    int m = 3;
    List<WeightsAndBias> layers = new ArrayList<>();
    int[] widths = {dim, dim, dim, m};
    for (int l = 0; l < 3; l++) {
      layers.add(new WeightsAndBias(widths[l], widths[l + 1], gaussian(rng, widths[l] * widths[l + 1], 1 / Math.sqrt(widths[l])),
          gaussian(rng, widths[l + 1], 0.1)));
    }
    LayerChain chain = new LayerChain(layers, Activation.TANH);
    List<Block> blocks = new ArrayList<>();
    for (int start = 0; start < n; start += 16) {
      int rows = Math.min(16, n - start);
      blocks.add(Block.of(rows, dim, gaussian(rng, rows * dim, 1), m, gaussian(rng, rows * m, 1)));
    }
    JavaRDD<Block> rdd = jsc.parallelize(blocks, partitions).cache();
    List<Row> out = new ArrayList<>();
    try {
      for (Object[] bug : bugs()) {
        ChainKernel kernel = (ChainKernel) bug[1];
        ChainVerification v = new ChainVerification(chain, Loss.SQUARED, kernel, VerifyOptions.defaults(VerifyOptions.ALL));
        try (ChainPasses job = new ChainPasses(jsc, chain, Loss.SQUARED, kernel, UnaryOperator.identity())) {
          ChainWithProbes both = job.gradientSumWithProbes(rdd, 2, Aggregation.FIXED, v.plan());
          out.add(new Row((String) bug[0], kernel == ChainKernel.CORRECT,
              v.check(both.pass().gradient(), both.probes(), 0)));
        }
      }
    } finally {
      rdd.unpersist(false);
    }
    return out;
  }

  /** True when the correct chain passes every check and every planted bug fails at least one. */
  public static boolean allCaught(List<Row> rows) {
    return rows.stream().allMatch(r -> r.correct() == r.results().stream().allMatch(CheckResult::passed));
  }

  private static double[] gaussian(Random rng, int len, double scale) {
    double[] a = new double[len];
    for (int k = 0; k < len; k++) {
      a[k] = rng.nextGaussian() * scale;
    }
    return a;
  }
}
