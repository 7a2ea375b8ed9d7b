package dev.adjoint.run;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.run.SelfTest.PlantedFault;
import dev.adjoint.verify.CheckResult;
import dev.adjoint.verify.PlantedKernels;
import dev.adjoint.verify.VerifyOptions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.DoubleFunction;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * How small an error each check catches: planted kernels that are wrong by a relative ε (one dW entry,
 * all of dW, db) and a fold that drops one row, on the self-test's generated case, through the same
 * pass and checks as a run. ε is scanned down from 10⁻¹ by factors of 10 until no check catches it; a
 * check's figure is the smallest ε it caught with every larger ε caught too.
 */
public final class Sensitivity {
  private Sensitivity() {}

  /** The largest and smallest ε tried. */
  static final int FIRST_EXPONENT = -1;
  static final int LAST_EXPONENT = -15;

  /** The checks, in the table's order. */
  public static final List<String> CHECKS = List.of(VerifyOptions.REFERENCE, VerifyOptions.FINITE_DIFFERENCE,
      VerifyOptions.DIRECTIONAL, VerifyOptions.FREIVALDS);

  /**
   * One planted error's line: per check, the smallest ε caught (NaN: not caught at 10⁻¹); for the dropped
   * row, 1 when caught.
   */
  public record Line(String error, Map<String, Double> smallestCaught) {}

  /** The table for n rows, d = m = {@code dim}, in {@code partitions} partitions. */
  public static List<Line> run(JavaSparkContext jsc, int n, int dim, int partitions, long seed) {
    try (SelfTest.Case c = SelfTest.Case.generate(jsc, n, dim, partitions, seed)) {
      VerifyOptions options = VerifyOptions.defaults(VerifyOptions.ALL);
      List<CheckResult> correct = c.check(BlockKernel.CORRECT, PlantedFault.NONE, options);
      for (CheckResult r : correct) {
        if (!r.passed()) {
          throw new IllegalStateException("the correct layer failed a check, so no planted error can be judged: " + r);
        }
      }
      int entry = largestEntry(c.correctWeightGradient());
      List<Line> lines = new ArrayList<>();
      lines.add(scan("one dW entry × (1 + ε) (its largest)", eps -> PlantedKernels.scaledWeightEntry(eps, entry), c,
          options));
      lines.add(scan("all of dW × (1 + ε)", PlantedKernels::scaledWeightGradient, c, options));
      lines.add(scan("db × (1 + ε)", PlantedKernels::scaledBiasGradient, c, options));
      Map<String, Double> dropped = new LinkedHashMap<>();
      List<CheckResult> results = c.check(BlockKernel.CORRECT, PlantedFault.DROP_ONE_ROW, options);
      for (String check : CHECKS) {
        dropped.put(check, caughtBy(results, check) ? 1.0 : Double.NaN);
      }
      lines.add(new Line("one row of " + n + " dropped", dropped));
      return lines;
    }
  }

  private static Line scan(String error, DoubleFunction<BlockKernel> planted, SelfTest.Case c, VerifyOptions options) {
    Map<String, Double> smallest = new LinkedHashMap<>();
    Map<String, Boolean> stillCatching = new LinkedHashMap<>();
    for (String check : CHECKS) {
      smallest.put(check, Double.NaN);
      stillCatching.put(check, true);
    }
    for (int e = FIRST_EXPONENT; e >= LAST_EXPONENT; e--) {
      double eps = Math.pow(10, e);
      List<CheckResult> results = c.check(planted.apply(eps), PlantedFault.NONE, options);
      boolean any = false;
      for (String check : CHECKS) {
        boolean caught = stillCatching.get(check) && caughtBy(results, check);
        stillCatching.put(check, caught);
        if (caught) {
          smallest.put(check, eps);
          any = true;
        }
      }
      if (!any) {
        break;
      }
    }
    return new Line(error, smallest);
  }

  private static boolean caughtBy(List<CheckResult> results, String check) {
    return results.stream().anyMatch(r -> r.check().equals(check) && !r.passed());
  }

  private static int largestEntry(double[] dW) {
    int best = 0;
    for (int q = 1; q < dW.length; q++) {
      if (Math.abs(dW[q]) > Math.abs(dW[best])) {
        best = q;
      }
    }
    return best;
  }
}
