package dev.adjoint.run;

import dev.adjoint.job.LayerPasses;
import dev.adjoint.job.MeasuredPartial;
import dev.adjoint.job.PartitionFold;
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
    FIRST_PARTITION_TWICE;

    PartitionFold<WeightsAndBias, Block, MeasuredPartial> around(PartitionFold<WeightsAndBias, Block, MeasuredPartial> fold) {
      if (this == NONE) {
        return fold;
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
    Random rng = new Random(seed);
    int blockRows = Math.max(1, n / (2 * partitions));
    List<Block> list = new ArrayList<>();
    for (int start = 0; start < n; start += blockRows) {
      int rows = Math.min(blockRows, n - start);
      list.add(Block.of(rows, dim, gaussian(rng, rows * dim), dim, gaussian(rng, rows * dim)));
    }
    WeightsAndBias p = new WeightsAndBias(dim, dim, gaussian(rng, dim * dim), gaussian(rng, dim));
    JavaRDD<Block> blocks = jsc.parallelize(list, partitions).setName("adjoint selftest blocks")
        .persist(StorageLevel.MEMORY_ONLY());
    try {
      List<Row> rows = new ArrayList<>();
      for (Bug bug : Bug.values()) {
        Gradients g;
        try (LayerPasses job = new LayerPasses(jsc, p, Loss.SQUARED, bug.kernel, bug.fault::around)) {
          g = job.gradientSum(blocks, 2).gradient().finish(Reduction.SUM);
        }
        List<CheckResult> results = new Verification(new SparkDataPasses(jsc, blocks, 2, n), g, p, Loss.SQUARED, bug.kernel,
            VerifyOptions.defaults(VerifyOptions.ALL), blockRows).run();
        rows.add(new Row(bug, results));
      }
      return rows;
    } finally {
      blocks.unpersist(false);
    }
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
