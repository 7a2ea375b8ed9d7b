package dev.adjoint.data;

import dev.adjoint.kernel.Block;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.sql.Row;

/**
 * Gathers the rows of one partition into blocks of at most {@code blockRows} rows, checking every row's
 * widths. Rows are those of {@link Table}: x array&lt;double&gt;, then t when {@code targets > 0}, then
 * the id when {@code withIds}. Holds one block at a time.
 */
final class RowBlocks implements Iterator<Block> {
  private final Iterator<Row> rows;
  private final int blockRows;
  private final int d;
  private final int m;
  private final boolean withTargets;
  private final boolean withIds;
  private final int partition;
  private long rowIndex;

  RowBlocks(Iterator<Row> rows, int blockRows, int d, int m, boolean withTargets, boolean withIds, int partition) {
    this.rows = rows;
    this.blockRows = blockRows;
    this.d = d;
    this.m = m;
    this.withTargets = withTargets;
    this.withIds = withIds;
    this.partition = partition;
  }

  @Override
  public boolean hasNext() {
    return rows.hasNext();
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
    while (n < blockRows && rows.hasNext()) {
      Row row = rows.next();
      copyRow(row, 0, d, x, n * d, "features");
      if (withTargets) {
        copyRow(row, 1, m, t, n * m, "targets");
      }
      if (withIds) {
        ids[n] = row.get(withTargets ? 2 : 1);
      }
      n++;
      rowIndex++;
    }
    if (n < blockRows) {
      x = java.util.Arrays.copyOf(x, n * d);
      t = t == null ? null : java.util.Arrays.copyOf(t, n * m);
      ids = ids == null ? null : java.util.Arrays.copyOf(ids, n);
    }
    return new Block(n, d, x, withTargets ? m : 0, t, ids, System.nanoTime() - t0);
  }

  private void copyRow(Row row, int field, int width, double[] dest, int offset, String role) {
    if (row.isNullAt(field)) {
      throw new InputException(where(row) + ": " + role + " are null; expected " + width + " numbers");
    }
    List<Double> values = row.getList(field);
    if (values.size() != width) {
      throw new InputException(where(row) + ": " + role + " have length " + values.size() + ", expected " + width
          + " (the width of the first row" + (role.equals("features") ? ", or of W" : "") + ")");
    }
    for (int k = 0; k < width; k++) {
      Double v = values.get(k);
      if (v == null) {
        throw new InputException(where(row) + ": " + role + "[" + k + "] is null");
      }
      dest[offset + k] = v;
    }
  }

  private String where(Row row) {
    String id = withIds ? " (id " + row.get(withTargets ? 2 : 1) + ")" : "";
    return "row " + rowIndex + " of partition " + partition + id;
  }
}
