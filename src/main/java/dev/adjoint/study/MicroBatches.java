package dev.adjoint.study;

import java.io.Serializable;
import java.util.Arrays;
import java.util.List;
import java.util.TreeSet;

/**
 * k micro-batches over the first {@code rows} rows of the dataset (in its row order: partition by
 * partition, block by block): contiguous ranges [bounds[i], bounds[i+1]), i = 0 … k−1.
 *
 * <p>Two ways to cut: {@link #equal} (sizes differ by at most one row) and {@link #shortLast}, a data
 * loader's last batch with drop_last off: k−1 batches of B = ⌈rows / (k − 1 + {@value #LAST_FRACTION})⌉
 * rows and a last batch of what is left, about a quarter of B.
 */
public final class MicroBatches implements Serializable {
  private static final long serialVersionUID = 1L;

  /** The short last batch holds about this fraction of a full one. */
  public static final double LAST_FRACTION = 0.25;

  // a plain class, not a record: Spark's Kryo cannot serialise records
  private final String kind;
  private final long rows;
  private final int k;
  private final long[] bounds;

  public MicroBatches(String kind, long rows, int k, long[] bounds) {
    if (k < 1 || rows < k) {
      throw new IllegalArgumentException(k + " micro-batches need at least " + k + " rows, got " + rows);
    }
    this.kind = kind;
    this.rows = rows;
    this.k = k;
    this.bounds = bounds;
  }

  /** "equal" or "short-last". */
  public String kind() {
    return kind;
  }

  /** Rows split: the first {@code rows} of the dataset. */
  public long rows() {
    return rows;
  }

  /** Number of micro-batches. */
  public int k() {
    return k;
  }

  /** The k + 1 bounds: batch i is rows [bounds[i], bounds[i+1]). */
  public long[] bounds() {
    return bounds.clone();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MicroBatches b && b.kind.equals(kind) && b.rows == rows && java.util.Arrays.equals(b.bounds, bounds);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(kind, rows, java.util.Arrays.hashCode(bounds));
  }

  /** k batches of ⌊rows/k⌋ or ⌈rows/k⌉ rows: bounds i·rows/k rounded down. */
  public static MicroBatches equal(long rows, int k) {
    long[] b = new long[k + 1];
    for (int i = 0; i <= k; i++) {
      b[i] = Math.floorDiv(i * rows, k);
    }
    return new MicroBatches("equal", rows, k, b);
  }

  /** k−1 batches of B rows and a short last one (see the class comment); equal when k = 1. */
  public static MicroBatches shortLast(long rows, int k) {
    if (k == 1) {
      return new MicroBatches("short-last", rows, 1, new long[] {0, rows});
    }
    long full = (long) Math.ceil(rows / (k - 1 + LAST_FRACTION));
    if ((k - 1) * full >= rows) {
      full = (rows - 1) / (k - 1);  // tiny inputs: leave the last batch at least one row
    }
    long[] b = new long[k + 1];
    for (int i = 0; i < k; i++) {
      b[i] = i * full;
    }
    b[k] = rows;
    return new MicroBatches("short-last", rows, k, b);
  }

  /** Rows in batch i. */
  public long size(int i) {
    return bounds[i + 1] - bounds[i];
  }

  /** The largest batch's rows. */
  public long maxSize() {
    long r = 0;
    for (int i = 0; i < k; i++) {
      r = Math.max(r, size(i));
    }
    return r;
  }

  /** The batch holding global row {@code row} (0 ≤ row < rows). */
  public int batchOf(long row) {
    int i = Arrays.binarySearch(bounds, row);
    return i >= 0 ? Math.min(i, k - 1) : -i - 2;
  }

  /** Every bound of every split, sorted and distinct: cutting blocks there puts each piece in one batch of each. */
  public static long[] cuts(List<MicroBatches> splits) {
    TreeSet<Long> all = new TreeSet<>();
    for (MicroBatches s : splits) {
      for (long b : s.bounds) {
        all.add(b);
      }
    }
    return all.stream().mapToLong(Long::longValue).toArray();
  }

  @Override
  public String toString() {
    return kind + " k=" + k + " over " + rows + " rows";
  }
}
