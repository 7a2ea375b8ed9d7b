package dev.adjoint.run;

import dev.adjoint.job.Aggregation;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.MeasuredPartial;
import dev.adjoint.job.PartitionFold;
import dev.adjoint.job.PassWithProbes;
import dev.adjoint.job.SparkDataPasses;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.PassMetrics;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.PlantedKernels;
import dev.adjoint.verify.Verification;
import dev.adjoint.verify.VerifyOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Every check against every planted bug on a small generated case: shows that each bug is caught by
 * at least one check and that the correct layer passes them all.
 */
public final class SelfTest {
  private SelfTest() {}

  /** A planted bug: a kernel variant, or a fault in the aggregation of partials. */
  public enum Bug {
    NONE("none (the correct layer)", BlockKernel.CORRECT, PlantedFault.NONE),
    WRONG_G("dW from the wrong G (loss derivative not applied)", PlantedKernels.WRONG_G, PlantedFault.NONE),
    DB_MEAN("db as the block mean of G, not the sum", PlantedKernels.DB_MEAN, PlantedFault.NONE),
    DX_USES_W("dX = G·W instead of G·Wᵀ (square W)", PlantedKernels.DX_USES_W, PlantedFault.NONE),
    DROP_PARTITION("one partition's partial dropped", BlockKernel.CORRECT, PlantedFault.DROP_FIRST_PARTITION),
    DOUBLE_PARTITION("one partition counted twice", BlockKernel.CORRECT, PlantedFault.FIRST_PARTITION_TWICE),
    NO_BIAS("bias left out of the forward", PlantedKernels.NO_BIAS_FORWARD, PlantedFault.NONE);

    public final String description;
    final BlockKernel kernel;
    final PlantedFault fault;

    Bug(String description, BlockKernel kernel, PlantedFault fault) {
      this.description = description;
      this.kernel = kernel;
      this.fault = fault;
    }
  }

  /** Faults planted in the aggregation, wrapped around the gradient pass's fold from outside the job. */
  public enum PlantedFault {
    NONE,
    /** Partition 0's partial is lost. */
    DROP_FIRST_PARTITION,
    /** Partition 0's partial is counted twice. */
    FIRST_PARTITION_TWICE,
    /** The first row of partition 0's first block never reaches the gradient (the checks' probes still see it). */
    DROP_ONE_ROW;

    PartitionFold<WeightsAndBias, Block, MeasuredPartial> around(PartitionFold<WeightsAndBias, Block, MeasuredPartial> fold) {
      if (this == NONE) {
        return fold;
      }
      if (this == DROP_ONE_ROW) {
        return (partition, blocks, p) -> fold.fold(partition, partition == 0 ? withoutFirstRow(blocks) : blocks, p);
      }
      final PlantedFault fault = this;
      return (partition, blocks, p) -> {
        MeasuredPartial partial = fold.fold(partition, blocks, p);
        if (partition != 0) {
          return partial;
        }
        return fault == DROP_FIRST_PARTITION ? MeasuredPartial.empty(p.inputDim, p.outputDim)
            : partial.merge(new MeasuredPartial(partial.gradient().copy(), PassMetrics.empty()));
      };
    }
  }

  /** The blocks with the first row of the first non-empty one left out. */
  private static java.util.Iterator<Block> withoutFirstRow(java.util.Iterator<Block> blocks) {
    List<Block> out = new ArrayList<>();
    boolean dropped = false;
    while (blocks.hasNext()) {
      Block b = blocks.next();
      if (!dropped && b.rows > 0) {
        int d = b.features;
        int w = b.targetWidth;
        b = Block.of(b.rows - 1, d, java.util.Arrays.copyOfRange(b.x, d, b.x.length), w,
            b.targets == null ? null : java.util.Arrays.copyOfRange(b.targets, w, b.targets.length));
        dropped = true;
      }
      out.add(b);
    }
    return out.iterator();
  }

  /** One bug's row of the table: the results of every check. */
  public record Row(Bug bug, List<CheckResult> results) {
    /** Whether any comparison of {@code check} failed. */
    public boolean caughtBy(String check) {
      return results.stream().anyMatch(r -> r.check().equals(check) && !r.passed());
    }

    public boolean caught() {
      return results.stream().anyMatch(r -> !r.passed());
    }
  }

  /**
   * Runs every bug on n rows, d = m (square W, so dX = G·W is possible), squared loss, in
   * {@code partitions} partitions none of which is empty.
   */
  public static List<Row> run(JavaSparkContext jsc, int n, int dim, int partitions, long seed) {
    try (Case c = Case.generate(jsc, n, dim, partitions, seed)) {
      List<Row> rows = new ArrayList<>();
      for (Bug bug : Bug.values()) {
        rows.add(new Row(bug, c.check(bug.kernel, bug.fault, VerifyOptions.defaults(VerifyOptions.ALL))));
      }
      return rows;
    }
  }

  /**
   * The generated case every planted bug runs on: n rows of X ~ N(0, 1) and T ~ N(0, 1), W and b ~ N(0, 1)
   * with d = m, cached in blocks of n/(2·partitions) rows over {@code partitions} partitions.
   */
  record Case(JavaSparkContext jsc, JavaRDD<Block> blocks, WeightsAndBias params, int blockRows, Loss loss)
      implements AutoCloseable {
    static Case generate(JavaSparkContext jsc, int n, int dim, int partitions, long seed) {
      return generate(jsc, n, dim, partitions, seed, Loss.SQUARED);
    }

    static Case generate(JavaSparkContext jsc, int n, int dim, int partitions, long seed, Loss loss) {
      Random rng = new Random(seed);
      int blockRows = Math.max(1, n / (2 * partitions));
      List<Block> list = new ArrayList<>();
      for (int start = 0; start < n; start += blockRows) {
        int rows = Math.min(blockRows, n - start);
        list.add(Block.of(rows, dim, gaussian(rng, rows * dim), loss.targetWidth(dim), targets(rng, rows, dim, loss)));
      }
      WeightsAndBias p = new WeightsAndBias(dim, dim, gaussian(rng, dim * dim), gaussian(rng, dim));
      if (loss.classLabels()) {  // row 0: x = c·W₍:,0₎ with y₀₀ = 800 + b₀, past exp's overflow at 709.78
        double norm = 0;
        for (int k = 0; k < dim; k++) {
          norm += p.weights[k * dim] * p.weights[k * dim];
        }
        for (int k = 0; k < dim; k++) {
          list.get(0).x[k] = 800 / norm * p.weights[k * dim];
        }
      }
      JavaRDD<Block> blocks = jsc.parallelize(list, partitions).setName("adjoint selftest blocks")
          .persist(StorageLevel.MEMORY_ONLY());
      return new Case(jsc, blocks, p, blockRows, loss);
    }

    /** T ~ N(0, 1) (×2 for Huber, so residuals fall both sides of δ = 1), uniform in [0, 1], or class labels. */
    private static double[] targets(Random rng, int rows, int dim, Loss loss) {
      double[] t = new double[rows * loss.targetWidth(dim)];
      for (int k = 0; k < t.length; k++) {
        t[k] = switch (loss.targetDomain()) {
          case REAL -> (loss.kind() == Loss.Kind.HUBER ? 2 : 1) * rng.nextGaussian();
          case UNIT_INTERVAL -> rng.nextDouble();
          case CLASS_INDEX -> rng.nextInt(dim);
        };
      }
      return t;
    }

    /**
     * One planted bug's run as {@code run} does it: the gradient pass with the checks' probes riding on it
     * (the planted fault wraps its fold, so the sampled blocks' partials carry the bug too), then the checks.
     */
    List<CheckResult> check(BlockKernel kernel, PlantedFault fault, VerifyOptions options) {
      Verification v = new Verification(params, loss, kernel, options, blockRows);
      try (LayerPasses job = new LayerPasses(jsc, params, loss, kernel, fault::around)) {
        PassWithProbes pass = job.gradientSumWithProbes(blocks, 2, Aggregation.FIXED, v.plan());
        Gradients g = pass.pass().gradient().finish(Reduction.SUM);
        return v.check(g, pass.probes(), pass.pass().metrics().checkNanos() / 1e9, new SparkDataPasses(jsc, blocks, 2));
      }
    }

    /** dW of the correct layer (to choose the entry the sensitivity table perturbs). */
    double[] correctWeightGradient() {
      try (LayerPasses job = new LayerPasses(jsc, params, loss)) {
        return job.gradientSum(blocks, 2).gradient().finish(Reduction.SUM).dW();
      }
    }

    @Override
    public void close() {
      blocks.unpersist(false);
    }
  }

  /** A nonlinear loss's row of the second table: the correct layer, or the loss's planted bug. */
  public record LossRow(Loss loss, String bug, boolean correct, List<CheckResult> results) {
    public boolean caughtBy(String check) {
      return results.stream().anyMatch(r -> r.check().equals(check) && !r.passed());
    }

    public boolean caught() {
      return results.stream().anyMatch(r -> !r.passed());
    }
  }

  /** Each nonlinear loss's planted bug. */
  private static final List<Object[]> LOSS_BUGS = List.of(
      new Object[] {Loss.CROSS_ENTROPY_LABELS, "softmax without the max shift (overflows)", PlantedKernels.SOFTMAX_NO_SHIFT},
      new Object[] {Loss.LOGISTIC, "G = σ(Y), the − T left out", PlantedKernels.SIGMOID_WITHOUT_TARGETS},
      new Object[] {Loss.huber(Loss.DEFAULT_HUBER_DELTA), "Huber clipped at 2δ, not δ", PlantedKernels.HUBER_DOUBLE_DELTA});

  /**
   * For each nonlinear loss, the correct layer and the loss's planted bug on n rows, d = m, in
   * {@code partitions} partitions (targets in the loss's domain; for cross-entropy one row's logit above 709,
   * where e^y overflows).
   */
  public static List<LossRow> runLosses(JavaSparkContext jsc, int n, int dim, int partitions, long seed) {
    List<LossRow> rows = new ArrayList<>();
    for (Object[] bug : LOSS_BUGS) {
      Loss loss = (Loss) bug[0];
      try (Case c = Case.generate(jsc, n, dim, partitions, seed, loss)) {
        VerifyOptions all = VerifyOptions.defaults(VerifyOptions.ALL);
        rows.add(new LossRow(loss, "none (the correct layer)", true, c.check(BlockKernel.CORRECT, PlantedFault.NONE, all)));
        rows.add(new LossRow(loss, (String) bug[1], false, c.check((BlockKernel) bug[2], PlantedFault.NONE, all)));
      }
    }
    return rows;
  }

  /** True when each loss's correct layer passes every check and its bug is caught by at least one. */
  public static boolean allLossesCaught(List<LossRow> rows) {
    return rows.stream().allMatch(r -> r.correct() ? !r.caught() : r.caught());
  }

  /** For each check, whether it failed in {@code results}. */
  public static Map<String, Boolean> verdicts(List<CheckResult> results) {
    Map<String, Boolean> m = new LinkedHashMap<>();
    for (String check : List.of(VerifyOptions.REFERENCE, VerifyOptions.FINITE_DIFFERENCE, VerifyOptions.DIRECTIONAL,
        VerifyOptions.FREIVALDS)) {
      m.put(check, results.stream().anyMatch(r -> r.check().equals(check) && !r.passed()));
    }
    return m;
  }

  /** True when the correct layer passes every check and every bug is caught by at least one. */
  public static boolean allCaught(List<Row> rows) {
    return rows.stream().allMatch(r -> r.bug() == Bug.NONE ? !r.caught() : r.caught());
  }

  /** For each bug, which checks caught it (check name → caught). */
  public static Map<String, Boolean> verdicts(Row row) {
    Map<String, Boolean> m = new LinkedHashMap<>();
    for (String check : List.of(VerifyOptions.REFERENCE, VerifyOptions.FINITE_DIFFERENCE, VerifyOptions.DIRECTIONAL,
        VerifyOptions.FREIVALDS)) {
      m.put(check, row.caughtBy(check));
    }
    return m;
  }

  private static double[] gaussian(Random rng, int len) {
    double[] a = new double[len];
    for (int k = 0; k < len; k++) {
      a[k] = rng.nextGaussian();
    }
    return a;
  }
}
