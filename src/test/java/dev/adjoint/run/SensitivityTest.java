package dev.adjoint.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.verify.VerifyOptions;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The sensitivity table at n = 10⁴: a dW scaled by 1 + 10⁻⁷ is caught by every check (the target
 * for n = 10⁶ is shown by {@code selftest --sensitivity --rows 1000000}, too slow for a unit test), db off
 * by 10⁻⁷ by the checks that see db, one dropped row by the row count and by the all-row sums.
 */
class SensitivityTest {
  @Test
  void theChecksCatchOnePartInTenMillion() {
    List<Sensitivity.Line> lines = Sensitivity.run(JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()),
        10_000, 8, 3, 7);
    assertEquals(4, lines.size());
    Map<String, Double> allOfDw = lines.get(1).smallestCaught();
    for (String check : Sensitivity.CHECKS) {
      assertTrue(allOfDw.get(check) <= 1e-7, "dW × (1 + 1e-7) caught by " + check + ": " + lines.get(1));
    }
    Map<String, Double> db = lines.get(2).smallestCaught();
    for (String check : List.of(VerifyOptions.REFERENCE, VerifyOptions.FINITE_DIFFERENCE, VerifyOptions.FREIVALDS)) {
      assertTrue(db.get(check) <= 1e-7, "db × (1 + 1e-7) caught by " + check + ": " + lines.get(2));
    }
    Map<String, Double> dropped = lines.get(3).smallestCaught();
    assertEquals(1.0, dropped.get(VerifyOptions.REFERENCE), "the row count sees a dropped row: " + lines.get(3));
    assertEquals(1.0, dropped.get(VerifyOptions.FREIVALDS), "Xᵀ(G·r) over every row sees it: " + lines.get(3));
  }
}
