package dev.adjoint.data;

import dev.adjoint.kernel.Block;
import java.io.Serializable;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.util.ArrayData;

/**
 * Gathers the rows of one partition into blocks of at most {@code blockRows} rows, checking every row's
 * widths. Rows are those of {@link Table}: x array&lt;double&gt;, then t when {@code withTargets}, then
 * the id when {@code withIds}. Holds one block at a time. {@code R} is Spark's public {@link Row} or its
 * internal row (no boxing: arrays are copied out whole), through {@link Access}.
 */
final class RowsToBlocks<R> implements Iterator<Block> {
  /** How to read the array fields of a row type. */
  interface Access<R> extends Serializable {
    boolean isNull(R row, int field);

    int length(R row, int field);

    /** Copies the array into dest[offset …]; returns the index of a null element, or -1. */
    int copy(R row, int field, double[] dest, int offset);

    Object id(R row, int field);
  }

  /** Spark's public rows: arrays arrive as lists of boxed doubles. */
  static final Access<Row> PUBLIC = new Access<>() {
    @Override
    public boolean isNull(Row row, int field) {
      return row.isNullAt(field);
    }

    @Override
    public int length(Row row, int field) {
      return row.getList(field).size();
    }

    @Override
    public int copy(Row row, int field, double[] dest, int offset) {
      List<Double> values = row.getList(field);
      for (int k = 0; k < values.size(); k++) {
        Double v = values.get(k);
        if (v == null) {
          return k;
        }
        dest[offset + k] = v;
      }
      return -1;
    }

    @Override
    public Object id(Row row, int field) {
      return row.get(field);
    }
  };

  /** Spark's internal rows: an array&lt;double&gt; is copied out in one go (UnsafeArrayData.toDoubleArray). */
  static Access<InternalRow> internal(boolean elementsMayBeNull) {
    return new Access<>() {
      @Override
      public boolean isNull(InternalRow row, int field) {
        return row.isNullAt(field);
      }

      @Override
      public int length(InternalRow row, int field) {
        return row.getArray(field).numElements();
      }

      @Override
      public int copy(InternalRow row, int field, double[] dest, int offset) {
        ArrayData a = row.getArray(field);
        int n = a.numElements();
        if (elementsMayBeNull) {
          for (int k = 0; k < n; k++) {
            if (a.isNullAt(k)) {
              return k;
            }
          }
        }
        System.arraycopy(a.toDoubleArray(), 0, dest, offset, n);
        return -1;
      }

      @Override
      public Object id(InternalRow row, int field) {
        throw new UnsupportedOperationException("internal rows are read without ids");
      }
    };
  }

  private final Iterator<R> rows;
  private final Access<R> access;
  private final int blockRows;
  private final int d;
  private final int m;
  private final boolean withTargets;
  private final boolean withIds;
  private final int partition;
  private final boolean skipInvalid;
  private final TargetRule rule;
  private long rowIndex;

  RowsToBlocks(Iterator<R> rows, Access<R> access, int blockRows, int d, int m, boolean withTargets, boolean withIds,
      int partition, boolean skipInvalid, TargetRule rule) {
    this.skipInvalid = skipInvalid;
    this.rule = rule;
    this.rows = rows;
    this.access = access;
    this.blockRows = blockRows;
    this.d = d;
    this.m = m;
    this.withTargets = withTargets;
    this.withIds = withIds;
    this.partition = partition;
  }

  @Override
  public Block next() {
    if (!rows.hasNext()) {
      throw new NoSuchElementException();
    }
    long t0 = System.nanoTime();
    double[] x = new double[blockRows * d];
    double[] t = withTargets ? new double[blockRows * m] : null;
    Object[] ids = withIds ? new Object[blockRows] : null;
    int n = 0;
    long skipped = 0;
    while (n < blockRows && rows.hasNext()) {
      R row = rows.next();
      boolean finite = copyRow(row, 0, d, x, n * d, "features");
      if (withTargets) {
        finite &= copyRow(row, 1, m, t, n * m, "targets");
      }
      rowIndex++;
      if (!finite) {
        skipped++;  // only reached with skipInvalid: the row's slot is reused by the next row
        continue;
      }
      if (withIds) {
        ids[n] = access.id(row, withTargets ? 2 : 1);
      }
      n++;
    }
    if (n < blockRows) {
      x = Arrays.copyOf(x, n * d);
      t = t == null ? null : Arrays.copyOf(t, n * m);
      ids = ids == null ? null : Arrays.copyOf(ids, n);
    }
    return new Block(n, d, x, withTargets ? m : 0, t, ids, System.nanoTime() - t0, skipped);
  }

  @Override
  public boolean hasNext() {
    return rows.hasNext();
  }

  /**
   * Copies one array field, checking null, length and finiteness. Returns false for a row holding NaN
   * or ±Inf when such rows are skipped; throws for every other problem.
   */
  private boolean copyRow(R row, int field, int width, double[] dest, int offset, String role) {
    if (access.isNull(row, field)) {
      throw new RowException(nullRow(where(row), role, width), partition);
    }
    int length = access.length(row, field);
    if (length != width) {
      throw new RowException(wrongLength(where(row), role, length, width), partition);
    }
    int nullAt = access.copy(row, field, dest, offset);
    if (nullAt >= 0) {
      throw new RowException(nullElement(where(row), role, nullAt), partition);
    }
    int bad = firstNonFinite(dest, offset, width);
    if (bad >= 0) {
      if (skipInvalid) {
        return false;
      }
      throw new RowException(nonFinite(where(row), role, bad, dest[offset + bad]), partition);
    }
    if (field == 1) {
      int outside = rule.firstInvalid(dest, offset, width);
      if (outside >= 0) {
        throw new RowException(rule.message(where(row), outside, dest[offset + outside]), partition);
      }
    }
    return true;
  }

  /** Index (from {@code offset}) of the first NaN or ±Inf among {@code values[offset … offset+count)}, or -1. */
  static int firstNonFinite(double[] values, int offset, int count) {
    for (int k = 0; k < count; k++) {
      double v = values[offset + k];
      if (Double.isNaN(v) || Double.isInfinite(v)) {
        return k;
      }
    }
    return -1;
  }

  // The messages of bad rows, one place for every read path ({@link BatchesToBlocks} too).

  static String where(long rowIndex, int partition) {
    return "row " + rowIndex + " of partition " + partition;
  }

  static String nullRow(String where, String role, int width) {
    return where + ": " + role + " are null; expected " + width + " numbers";
  }

  static String wrongLength(String where, String role, int length, int width) {
    return where + ": " + role + " have length " + length + ", expected " + width
        + " (the width of the first row" + (role.equals("features") ? ", or of W" : "") + ")";
  }

  static String nullElement(String where, String role, int index) {
    return where + ": " + role + "[" + index + "] is null";
  }

  static String nonFinite(String where, String role, int index, double value) {
    return where + ": " + role + "[" + index + "] is " + value + "; expected a finite number "
        + "(pass --on-invalid skip to leave such rows out)";
  }

  private String where(R row) {
    String id = withIds ? " (id " + access.id(row, withTargets ? 2 : 1) + ")" : "";
    return where(rowIndex, partition) + id;
  }
}
