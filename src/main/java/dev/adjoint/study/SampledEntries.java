package dev.adjoint.study;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;

/**
 * The entries (j, c) of dW [d×m] the exact reference computes: all of them when d·m ≤ {@code budget};
 * else ⌊budget/d⌋ (at least one) columns c picked by a seeded shuffle, with all their d entries when
 * that fits the budget, else a seeded sample of {@code budget} rows j of the one column. The cost of the
 * reference is per column (Y's column in double-double, d products a row), so entries come by columns.
 */
public final class SampledEntries implements Serializable {
  private static final long serialVersionUID = 1L;

  // a plain class, not a record: Spark's Kryo cannot serialise records
  private final int inputDim;
  private final int outputDim;
  private final int[] rows;
  private final int[] cols;
  private final int[] columns;
  private final int[] slots;

  private SampledEntries(int inputDim, int outputDim, int[] rows, int[] cols, int[] columns, int[] slots) {
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.rows = rows;
    this.cols = cols;
    this.columns = columns;
    this.slots = slots;
  }

  public int inputDim() {
    return inputDim;
  }

  /** The distinct columns c of the entries, increasing. */
  public int[] columns() {
    return columns;
  }

  /** Column c of entry e. */
  public int col(int e) {
    return cols[e];
  }

  public static SampledEntries choose(int d, int m, int budget, long seed) {
    Random rng = new Random(seed);
    List<Integer> columns = new ArrayList<>();
    for (int c = 0; c < m; c++) {
      columns.add(c);
    }
    List<Integer> rowsOfColumn = new ArrayList<>();
    for (int j = 0; j < d; j++) {
      rowsOfColumn.add(j);
    }
    if ((long) d * m > budget) {
      Collections.shuffle(columns, rng);
      columns = new ArrayList<>(columns.subList(0, Math.max(1, Math.min(m, budget / d))));
      Collections.sort(columns);
      if (budget < d) {
        Collections.shuffle(rowsOfColumn, rng);
        rowsOfColumn = new ArrayList<>(rowsOfColumn.subList(0, Math.max(1, budget)));
        Collections.sort(rowsOfColumn);
      }
    }
    int n = columns.size() * rowsOfColumn.size();
    int[] rows = new int[n];
    int[] cols = new int[n];
    int[] slots = new int[n];
    int e = 0;
    for (int q = 0; q < columns.size(); q++) {
      for (int j : rowsOfColumn) {
        rows[e] = j;
        cols[e] = columns.get(q);
        slots[e] = q;
        e++;
      }
    }
    return new SampledEntries(d, m, rows, cols, columns.stream().mapToInt(Integer::intValue).toArray(), slots);
  }

  public int size() {
    return rows.length;
  }

  /** Row j of entry e. */
  public int row(int e) {
    return rows[e];
  }

  /** Index into {@link #columns()} of entry e's column. */
  public int columnSlot(int e) {
    return slots[e];
  }

  /** Entry e's value in a row-major dW [d×m]. */
  public double of(double[] dW, int e) {
    return dW[rows[e] * outputDim + cols[e]];
  }

  /** Whether every entry of dW is in. */
  public boolean all() {
    return size() == inputDim * outputDim;
  }
}
