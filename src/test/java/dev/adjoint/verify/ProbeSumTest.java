package dev.adjoint.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The probe partial is a monoid: the empty partial is the identity of merge (exactly), merging the
 * partials of two runs of blocks gives what one pass over all of them gives (to rounding), and partials
 * of different plans are refused.
 *
 * <p>The rounding allowed. Every summed field of a {@link ProbeSum} is a sum over rows of N terms
 * (N ≤ n·m: the n·m loss entries or G entries, or one term per row, or for Xᵀ·(G·R) one product per
 * row), each term computed from its own row alone, so identically in both computations (the kernel
 * gives the same bits for the same block every time — the premise of the fixed tree). One pass and a
 * merge of two part passes add the same N terms in different association; each result is within
 * γ_{N+1}(u)·Σ|terms| of the exact sum (N − 1 additions, and the rounding of a product where a term is
 * one, Higham §3.1), so they differ by at most 2·γ_{n·m+1}(2⁻⁵³)·Σ|terms|. Σ|terms| is known for every
 * field, because the partial carries it for the tolerances: Σ|ℓ| for the loss sums, Σ|G| for ΣG,
 * |X|ᵀ|G||R| for Xᵀ·(G·R), and the field itself where every term is ≥ 0. Here (n = 200, m = 3) that is
 * a relative 2·γ₆₀₁ ≈ 1.3·10⁻¹³; a merge that dropped or doubled a field is off by the order of 1.
 */
class ProbeSumTest {
  private static final int D = 4;
  private static final int M = 3;
  /** Block sizes, with an empty block and single rows: 200 rows in all. */
  private static final int[] BLOCK_ROWS = {1, 7, 0, 64, 50, 3, 75};
  private static final double U = Tolerances.U64;

  private final Random rng = new Random(12);
  private final List<Block> blocks = new ArrayList<>();
  private final WeightsAndBias base = new WeightsAndBias(D, M, gaussian(D * M), gaussian(M));
  private final int n;

  ProbeSumTest() {
    int rows = 0;
    for (int r : BLOCK_ROWS) {
      blocks.add(Block.of(r, D, gaussian(r * D), M, gaussian(r * M)));
      rows += r;
    }
    n = rows;
  }

  private double[] gaussian(int len) {
    double[] a = new double[len];
    for (int q = 0; q < len; q++) {
      a[q] = rng.nextGaussian();
    }
    return a;
  }

  /** Plans for both losses, with and without Freivalds probes and loss sets: every part of the partial. */
  private List<ProbePlan> plans() {
    List<ProbePlan> plans = new ArrayList<>();
    for (Loss loss : List.of(Loss.SUM, Loss.SQUARED)) {
      for (int k : new int[] {0, 2}) {
        for (int sets : new int[] {0, 3}) {
          plans.add(plan(base, loss, k, sets));
        }
      }
    }
    return plans;
  }

  private ProbePlan plan(WeightsAndBias p, Loss loss, int k, int sets) {
    int d = p.inputDim;
    int m = p.outputDim;
    List<WeightsAndBias> lossSets = new ArrayList<>();
    for (int q = 0; q < sets; q++) {
      lossSets.add(new WeightsAndBias(d, m, gaussian(d * m), gaussian(m)));
    }
    double[] probes = new double[m * k];
    for (int q = 0; q < probes.length; q++) {
      probes[q] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    return new ProbePlan(p, loss, BlockKernel.CORRECT, lossSets, probes, k);
  }

  /** One pass over blocks [from, to). */
  private ProbeSum pass(ProbePlan plan, int from, int to) {
    ProbeSum s = ProbeSum.empty(plan);
    for (Block b : blocks.subList(from, to)) {
      s.add(b, plan);
    }
    return s;
  }

  /** One summed field entry: its value and Σ|terms| (the scale of its rounding). */
  private record Field(String name, double value, double absTerms) {}

  /** Every summed field of a partial, with the Σ|terms| the partial itself carries for it. */
  private static List<Field> fields(ProbeSum s) {
    List<Field> f = new ArrayList<>();
    f.add(new Field("lossSum", s.lossSum(), s.absLossSum));
    f.add(new Field("sumG", s.sumG.value(), s.absSumG));
    // sums of terms ≥ 0: Σ|terms| is the value itself
    f.add(new Field("absLossSum", s.absLossSum, s.absLossSum));
    f.add(new Field("absGE", s.absGE, s.absGE));
    f.add(new Field("absSumG", s.absSumG, s.absSumG));
    f.add(new Field("sumE", s.sumE, s.sumE));
    f.add(new Field("gRowL1Sq", s.gRowL1Sq, s.gRowL1Sq));
    f.add(new Field("sumE2", s.sumE2, s.sumE2));
    for (int q = 0; q < s.xColSq.length; q++) {
      f.add(new Field("xColSq[" + q + "]", s.xColSq[q], s.xColSq[q]));
    }
    for (int q = 0; q < s.gColSq.length; q++) {
      f.add(new Field("gColSq[" + q + "]", s.gColSq[q], s.gColSq[q]));
    }
    for (int q = 0; q < s.absColG.length; q++) {
      f.add(new Field("absColG[" + q + "]", s.absColG[q], s.absColG[q]));
    }
    for (int p = 0; p < s.setLoss.length; p++) {
      f.add(new Field("setLoss[" + p + "]", s.setLossSum(p), s.setAbsLossSums[p]));
      f.add(new Field("setAbsLossSums[" + p + "]", s.setAbsLossSums[p], s.setAbsLossSums[p]));
      f.add(new Field("setAbsGE[" + p + "]", s.setAbsGE[p], s.setAbsGE[p]));
    }
    for (int q = 0; q < s.xtGR.length; q++) {
      // Σ|terms| of Xᵀ·(G·R) entry (c, q) ≤ √(Σᵢxᵢc²·Σᵢ‖gᵢ‖₁²) (Cauchy–Schwarz, |R| = 1)
      f.add(new Field("xtGR[" + q + "]", s.xtGR[q], Math.sqrt(s.xColSq[q / s.k] * s.gRowL1Sq)));
    }
    return f;
  }

  /** |a − b| ≤ 2·γ_{n·m+1}(2⁻⁵³)·Σ|terms| for every field (see the class comment), and equal row counts. */
  private void assertSameSums(ProbeSum expected, ProbeSum actual, String what) {
    assertEquals(expected.rows(), actual.rows(), what + ": rows");
    double bound = 2 * Tolerances.gamma((double) n * M + 1, U);
    List<Field> e = fields(expected);
    List<Field> a = fields(actual);
    assertEquals(e.size(), a.size(), what + ": fields");
    for (int q = 0; q < e.size(); q++) {
      double diff = Math.abs(e.get(q).value() - a.get(q).value());
      assertTrue(diff <= bound * e.get(q).absTerms(), what + ", " + e.get(q).name() + ": |" + e.get(q).value() + " − "
          + a.get(q).value() + "| = " + diff + " > " + bound + "·" + e.get(q).absTerms());
    }
  }

  @Test
  void emptyIsTheIdentityOnBothSidesExactly() {
    int checked = 0;
    for (ProbePlan plan : plans()) {
      List<Field> once = fields(pass(plan, 0, blocks.size()));
      ProbeSum right = pass(plan, 0, blocks.size());
      assertSame(right, right.merge(ProbeSum.empty(plan)), "merge mutates and returns this");
      ProbeSum left = ProbeSum.empty(plan).merge(pass(plan, 0, blocks.size()));
      for (ProbeSum s : new ProbeSum[] {left, right}) {
        assertEquals(n, s.rows());
        List<Field> got = fields(s);
        for (int q = 0; q < once.size(); q++) {
          assertEquals(once.get(q).value(), got.get(q).value(), 0.0, once.get(q).name() + ": x + 0 is exact");
        }
      }
      checked++;
    }
    assertEquals(8, checked, "2 losses × with/without probes × with/without loss sets");
  }

  @Test
  void anEmptyBlockAddsNothing() {
    ProbePlan plan = plan(base, Loss.SQUARED, 2, 3);
    List<Field> before = fields(pass(plan, 0, 2));
    ProbeSum s = pass(plan, 0, 2).add(Block.of(0, D, new double[0], M, new double[0]), plan);
    List<Field> after = fields(s);
    for (int q = 0; q < before.size(); q++) {
      assertEquals(before.get(q).value(), after.get(q).value(), 0.0, before.get(q).name());
    }
    assertEquals(8, s.rows());
  }

  /** Every split of the blocks into a first and a second run, for every plan: merge(first, second) = one pass. */
  @Test
  void mergingTwoRunsEqualsOnePassOverAllBlocksToRounding() {
    int checked = 0;
    for (ProbePlan plan : plans()) {
      ProbeSum whole = pass(plan, 0, blocks.size());
      for (int split = 0; split <= blocks.size(); split++) {
        ProbeSum merged = pass(plan, 0, split).merge(pass(plan, split, blocks.size()));
        assertSameSums(whole, merged, "split at block " + split);
        checked++;
      }
    }
    assertEquals(8 * (BLOCK_ROWS.length + 1), checked);
  }

  @Test
  void mergeIsAssociativeToRounding() {
    for (ProbePlan plan : plans()) {
      ProbeSum leftFirst = pass(plan, 0, 2).merge(pass(plan, 2, 4)).merge(pass(plan, 4, blocks.size()));
      ProbeSum rightFirst = pass(plan, 0, 2).merge(pass(plan, 2, 4).merge(pass(plan, 4, blocks.size())));
      assertSameSums(leftFirst, rightFirst, "(a·b)·c vs a·(b·c)");
    }
  }

  /**
   * The sample of whole blocks is the same whichever way the blocks are split into partials and merged
   * (the smallest seeded hashes of all), each kept block brings the partial of exactly its own rows, and
   * the block count is the number of non-empty blocks.
   */
  @Test
  void theBlockSampleIsTheSameWhateverTheSplit() {
    ProbePlan plan = new ProbePlan(base, Loss.SQUARED, BlockKernel.CORRECT, List.of(), new double[0], 0, 3, 99);
    ProbeSum whole = numbered(plan, 0, blocks.size());
    assertEquals(BLOCK_ROWS.length - 1, whole.blocks, "non-empty blocks");
    List<Long> expected = whole.sample.entries().stream().map(e -> e.hash).toList();
    assertEquals(3, expected.size());
    for (int split = 0; split <= blocks.size(); split++) {
      ProbeSum merged = numbered(plan, 0, split).merge(numbered(plan, split, blocks.size()));
      assertEquals(expected, merged.sample.entries().stream().map(e -> e.hash).toList(), "split at " + split);
    }
    for (BlockSample.Entry e : whole.sample.entries()) {
      assertEquals(e.block.rows, e.partial.rowCount(), "the partial is of the block alone");
      assertEquals(e.block.rows * M, e.y.length);
    }
  }

  /** Blocks [from, to) numbered by their position in the whole list, as one partition's blocks are. */
  private ProbeSum numbered(ProbePlan plan, int from, int to) {
    ProbeSum s = ProbeSum.empty(plan);
    for (int i = from; i < to; i++) {
      s.add(blocks.get(i), plan, 0, i, true);
    }
    return s.finishPartition(plan, ProbeSum.kernelPartial(plan));
  }

  /** The bound is tight enough to see a merge that loses half the data. */
  @Test
  void theBoundCatchesAMissingHalf() {
    ProbePlan plan = plan(base, Loss.SQUARED, 2, 3);
    ProbeSum whole = pass(plan, 0, blocks.size());
    ProbeSum firstOnly = pass(plan, 0, 4);
    firstOnly.rows = whole.rows;
    assertThrows(AssertionError.class, () -> assertSameSums(whole, firstOnly, "half"));
  }

  @Test
  void partialsOfDifferentPlansAreRefused() {
    ProbePlan plan = plan(base, Loss.SQUARED, 2, 3);
    WeightsAndBias wider = new WeightsAndBias(D + 1, M, gaussian((D + 1) * M), gaussian(M));
    WeightsAndBias taller = new WeightsAndBias(D, M + 1, gaussian(D * (M + 1)), gaussian(M + 1));
    ProbePlan[] others = {
        plan(base, Loss.SQUARED, 1, 3), // another number of probe vectors k
        plan(base, Loss.SQUARED, 2, 2), // another number of loss sets
        plan(wider, Loss.SQUARED, 2, 3), // another d
        plan(taller, Loss.SQUARED, 2, 3), // another m
    };
    for (ProbePlan other : others) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> ProbeSum.empty(plan).merge(ProbeSum.empty(other)));
      assertTrue(e.getMessage().contains("different plans"), e.getMessage());
    }
  }
}
