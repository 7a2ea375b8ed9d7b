package dev.adjoint.run;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.verify.VerifyOptions;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/** Each planted bug is caught by the checks that should catch it; the correct layer passes them all. */
class SelfTestTest {
  private static final String R = VerifyOptions.REFERENCE;
  private static final String FD = VerifyOptions.FINITE_DIFFERENCE;
  private static final String DIR = VerifyOptions.DIRECTIONAL;
  private static final String FR = VerifyOptions.FREIVALDS;

  @Test
  void everyBugIsCaughtByTheChecksThatShouldCatchIt() {
    // Which checks must catch which bug, and why:
    Map<SelfTest.Bug, Set<String>> expected = new EnumMap<>(SelfTest.Bug.class);
    expected.put(SelfTest.Bug.NONE, Set.of());
    // dW disagrees with the loss: every check that looks at dW
    expected.put(SelfTest.Bug.WRONG_G, Set.of(R, FD, DIR, FR));
    // db disagrees with the loss and with ΣG
    expected.put(SelfTest.Bug.DB_MEAN, Set.of(R, FD, DIR, FR));
    // only dX is wrong: the reference's sampled rows and finite differences in x see it
    expected.put(SelfTest.Bug.DX_USES_W, Set.of(R, FD));
    // the aggregate misses or repeats rows: the row count, and every comparison with a fresh pass
    expected.put(SelfTest.Bug.DROP_PARTITION, Set.of(R, FD, DIR, FR));
    expected.put(SelfTest.Bug.DOUBLE_PARTITION, Set.of(R, FD, DIR, FR));
    // L ignores b, yet db ≠ 0: the reference (L, Y) and differences in b; Freivalds uses the same
    // (bias-free) G on both sides and cannot see it
    expected.put(SelfTest.Bug.NO_BIAS, Set.of(R, FD, DIR));

    List<SelfTest.Row> rows = SelfTest.run(JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()), 96, 4, 3, 7);
    assertEquals(SelfTest.Bug.values().length, rows.size(), "every bug ran");
    for (SelfTest.Row row : rows) {
      for (String check : VerifyOptions.ALL) {
        assertEquals(expected.get(row.bug()).contains(check), row.caughtBy(check),
            row.bug() + " vs " + check + ": " + row.results());
      }
    }
    assertTrue(SelfTest.allCaught(rows));
  }

  @Test
  void eachNonlinearLossBugIsCaughtByTheChecksThatShouldCatchIt() {
    Map<String, Set<String>> expected = Map.of(
        // e^y overflows on the row with a logit of 800: NaN in L and G, so in every comparison that uses them
        "softmax without the max shift (overflows)", Set.of(R, FD, DIR, FR),
        // dW and db from the wrong G: the reference and the differences; Freivalds compares the kernel's G
        // with itself and cannot see it
        "G = σ(Y), the − T left out", Set.of(R, FD, DIR),
        // a loss consistent with its own G: only the reference, from the formula, sees the wrong δ
        "Huber clipped at 2δ, not δ", Set.of(R));
    List<SelfTest.LossRow> rows = SelfTest.runLosses(JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext()), 96,
        4, 3, 7);
    assertEquals(6, rows.size(), "three losses, each correct and with its bug");
    for (SelfTest.LossRow row : rows) {
      Set<String> caughtBy = row.correct() ? Set.of() : expected.get(row.bug());
      for (String check : VerifyOptions.ALL) {
        assertEquals(caughtBy.contains(check), row.caughtBy(check), row.loss() + " " + row.bug() + " vs " + check + ": "
            + row.results());
      }
    }
    assertTrue(SelfTest.allLossesCaught(rows));
  }
}
