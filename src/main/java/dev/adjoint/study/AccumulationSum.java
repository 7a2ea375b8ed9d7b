package dev.adjoint.study;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Shapes;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.Arrays;
import java.util.List;

/**
 * Per-micro-batch gradient sums dWSum_b = Σ_{i∈b} xᵢᵀ·gᵢ [d×m] for several {@link MicroBatches} splits at
 * once, each accumulated in one {@link AccumulationMode}: a monoid under {@link #merge}, like
 * {@link GradientPartial}, whose kernel computes each block's contribution.
 *
 * <p>{@link #add} cuts a block at every split's bounds ({@link MicroBatches#cuts}), so each piece lies in
 * one micro-batch of every split; each piece's Xᵀ·G is one GEMM in the mode's precision, added into
 * that batch's running sum in the mode's arithmetic. {@link #accumulated} then adds a split's k batch
 * sums in order, on the driver, as gradient accumulation does. Pieces past a split's rows are not in it.
 *
 * <p>Beside each running sum it counts, for the error bounds, h: the most additions any of its terms has
 * passed through after its piece's GEMM. Adding a piece makes it h + 1 (the cuts of every split count:
 * a block cut in three is three additions); merging two non-empty sums makes it max(h, h') + 1 (merging
 * an empty one changes nothing, as 0 + s is exact). {@link #roundings} gives it for a split's accumulated sum.
 */
public final class AccumulationSum implements Serializable {
  private static final long serialVersionUID = 1L;

  public final AccumulationMode mode;
  public final int inputDim;
  public final int outputDim;
  /** An array, not a List: Kryo cannot rebuild the JDK's immutable lists. */
  private final MicroBatches[] splits;
  private final long[] cuts;
  /** [split][batch] → running sum [d·m] and (Neumaier only) its compensation. */
  private final double[][][] sums;
  private final double[][][] compensations;
  private final long[][] rowCounts;
  /** [split][batch] → h of that running sum (see the class comment). */
  private final int[][] roundings;

  private AccumulationSum(AccumulationMode mode, int d, int m, List<MicroBatches> splitList) {
    this.mode = mode;
    this.inputDim = d;
    this.outputDim = m;
    this.splits = splitList.toArray(new MicroBatches[0]);
    this.cuts = MicroBatches.cuts(splitList);
    this.sums = new double[splits.length][][];
    this.compensations = new double[splits.length][][];
    this.rowCounts = new long[splits.length][];
    this.roundings = new int[splits.length][];
    for (int s = 0; s < splits.length; s++) {
      int k = splits[s].k();
      sums[s] = new double[k][d * m];
      compensations[s] = new double[k][mode == AccumulationMode.F64_NEUMAIER ? d * m : 0];
      rowCounts[s] = new long[k];
      roundings[s] = new int[k];
    }
  }

  /** The empty partial: zero sums for every batch of every split. The identity of {@link #merge}. */
  public static AccumulationSum empty(AccumulationMode mode, int d, int m, List<MicroBatches> splits) {
    return new AccumulationSum(mode, d, m, splits);
  }

  /**
   * Folds in a block whose first row is global row {@code firstRow}: for each piece between cuts,
   * dWSum_b += X_pieceᵀ·G_piece in every split's batch b holding it. Mutates and returns {@code this}.
   */
  public AccumulationSum add(Block block, long firstRow, WeightsAndBias p, Loss loss) {
    BlockKernel kernel = mode.gemm.kernel();
    int at = 0;
    while (at < block.rows) {
      long row = firstRow + at;
      int c = Arrays.binarySearch(cuts, row);
      long nextCut = c >= 0 ? (c + 1 < cuts.length ? cuts[c + 1] : Long.MAX_VALUE)
          : (-c - 1 < cuts.length ? cuts[-c - 1] : Long.MAX_VALUE);
      int end = (int) Math.min(block.rows, nextCut - firstRow);
      Block piece = slice(block, at, end);
      double[] contribution = GradientPartial.empty(inputDim, outputDim).add(piece, p, loss, kernel).dWSum;
      for (int s = 0; s < splits.length; s++) {
        MicroBatches split = splits[s];
        if (row < split.rows()) {
          int b = split.batchOf(row);
          mode.add(sums[s][b], compensations[s][b], contribution);
          rowCounts[s][b] += end - at;
          roundings[s][b]++;
        }
      }
      at = end;
    }
    return this;
  }

  /** Adds another partial's batch sums (and compensations) into this one's. Mutates and returns {@code this}. */
  public AccumulationSum merge(AccumulationSum other) {
    Shapes.require(other.mode == mode && java.util.Arrays.equals(other.splits, splits) && other.inputDim == inputDim
        && other.outputDim == outputDim, "merging accumulation partials of different modes, splits or shapes");
    for (int s = 0; s < sums.length; s++) {
      for (int b = 0; b < sums[s].length; b++) {
        mode.merge(sums[s][b], compensations[s][b], other.sums[s][b], other.compensations[s][b]);
        roundings[s][b] = mergedRoundings(rowCounts[s][b], roundings[s][b], other.rowCounts[s][b],
            other.roundings[s][b]);
        rowCounts[s][b] += other.rowCounts[s][b];
      }
    }
    return this;
  }

  /** Split {@code s}'s dWSum: its k batch sums added in batch order in the mode's arithmetic. */
  public double[] accumulated(int s) {
    int len = inputDim * outputDim;
    double[] acc = new double[len];
    double[] comp = new double[mode == AccumulationMode.F64_NEUMAIER ? len : 0];
    for (int b = 0; b < sums[s].length; b++) {
      mode.merge(acc, comp, sums[s][b], compensations[s][b]);
    }
    return mode.value(acc, comp);
  }

  /**
   * h of split {@code s}'s {@link #accumulated} sum: the most additions after its GEMM that any term passes
   * through, within its partition, across partitions and across the k batch sums (the last one each).
   */
  public int roundings(int s) {
    long rows = 0;
    int h = 0;
    for (int b = 0; b < sums[s].length; b++) {
      h = mergedRoundings(rows, h, rowCounts[s][b], roundings[s][b]);
      rows += rowCounts[s][b];
    }
    return h;
  }

  /** h of a sum of rows r (h) and rows r' (h'): the other's when one is empty (0 + s is exact), else max + 1. */
  private static int mergedRoundings(long rows, int h, long otherRows, int otherH) {
    if (otherRows == 0) {
      return h;
    }
    return rows == 0 ? otherH : Math.max(h, otherH) + 1;
  }

  /** Split {@code s}'s batch sums dWSum_b (values, compensation included), in batch order. */
  public double[][] batchSums(int s) {
    double[][] r = new double[sums[s].length][];
    for (int b = 0; b < r.length; b++) {
      r[b] = mode.value(sums[s][b], compensations[s][b]);
    }
    return r;
  }

  /** Rows that reached each batch of split {@code s}. */
  public long[] batchRows(int s) {
    return rowCounts[s].clone();
  }

  public List<MicroBatches> splits() {
    return List.of(splits);
  }

  /** Rows [from, to) of a block, as a block of their own (the block itself when it is all of it). */
  static Block slice(Block block, int from, int to) {
    if (from == 0 && to == block.rows) {
      return block;
    }
    int d = block.features;
    int m = block.targetWidth;
    double[] x = Arrays.copyOfRange(block.x, from * d, to * d);
    double[] t = block.targets == null ? null : Arrays.copyOfRange(block.targets, from * m, to * m);
    return new Block(to - from, d, x, m, t, null, 0L);
  }
}
