package dev.adjoint.data;

import dev.adjoint.kernel.Block;
import java.util.Arrays;
import java.util.Iterator;
import java.util.NoSuchElementException;
import org.apache.spark.sql.execution.vectorized.WritableColumnVector;
import org.apache.spark.sql.vectorized.ColumnVector;
import org.apache.spark.sql.vectorized.ColumnarArray;
import org.apache.spark.sql.vectorized.ColumnarBatch;

/**
 * Gathers the column batches of one partition of a {@link ColumnarScan} into blocks of at most
 * {@code blockRows} rows, giving exactly the blocks {@link RowsToBlocks} gives for the same partition:
 * the same rows, order, boundaries, checks and messages.
 *
 * <p>Rows are taken in runs (as many as the block and the batch both still hold). A run whose rows are
 * all present, of the right length and free of null elements is copied in bulk: for an array column one
 * {@code getDoubles} of the run's values from the array's child vector (they are contiguous), for flat
 * columns one {@code getDoubles} per column scattered with stride d into the row-major block. If the run
 * then holds a NaN or ±Inf, or failed a check, it is done again row by row with the row path's checks,
 * which throw the row path's message or leave the row out (--on-invalid skip). No object is made per row
 * on the bulk path.
 *
 * <p>The scan reuses its batch: the next batch is asked for only once every row of this one is taken.
 */
final class BatchesToBlocks implements Iterator<Block> {
  private final Iterator<ColumnarBatch> batches;
  private final int blockRows;
  private final int d;
  private final int m;
  private final boolean withTargets;
  private final int partition;
  private final boolean skipInvalid;
  private final Role x;
  private final Role t;
  private ColumnarBatch batch;
  private int pos;
  private long rowIndex;

  BatchesToBlocks(Iterator<ColumnarBatch> batches, ScanColumns.Part xPart, ScanColumns.Part tPart, int blockRows, int d, int m,
      boolean withTargets, int partition, boolean skipInvalid) {
    this.batches = batches;
    this.blockRows = blockRows;
    this.d = d;
    this.m = m;
    this.withTargets = withTargets;
    this.partition = partition;
    this.skipInvalid = skipInvalid;
    this.x = new Role("features", d, 0, xPart);
    this.t = withTargets ? new Role("targets", m, xPart.columns().size(), tPart) : null;
  }

  @Override
  public boolean hasNext() {
    if (batch != null && pos < batch.numRows()) {
      return true;
    }
    while (batches.hasNext()) {  // overwrites the batch: only once it is used up
      batch = batches.next();
      pos = 0;
      if (batch.numRows() > 0) {
        x.bind(batch);
        if (t != null) {
          t.bind(batch);
        }
        return true;
      }
    }
    return false;
  }

  @Override
  public Block next() {
    if (!hasNext()) {
      throw new NoSuchElementException();
    }
    long t0 = System.nanoTime();
    double[] xs = new double[blockRows * d];
    double[] ts = withTargets ? new double[blockRows * m] : null;
    int n = 0;
    long skipped = 0;
    while (n < blockRows && hasNext()) {
      int run = Math.min(blockRows - n, batch.numRows() - pos);
      if (x.copyRun(pos, run, xs, n * d) && (t == null || t.copyRun(pos, run, ts, n * m))
          && RowsToBlocks.firstNonFinite(xs, n * d, run * d) < 0
          && (t == null || RowsToBlocks.firstNonFinite(ts, n * m, run * m) < 0)) {
        n += run;
        pos += run;
        rowIndex += run;
        continue;
      }
      for (int i = 0; i < run; i++) {  // as RowsToBlocks.next, one row at a time
        boolean finite = x.copyRow(pos, xs, n * d);
        if (t != null) {
          finite &= t.copyRow(pos, ts, n * m);
        }
        pos++;
        rowIndex++;
        if (!finite) {
          skipped++;
          continue;
        }
        n++;
      }
    }
    if (n < blockRows) {
      xs = Arrays.copyOf(xs, n * d);
      ts = ts == null ? null : Arrays.copyOf(ts, n * m);
    }
    return new Block(n, d, xs, withTargets ? m : 0, ts, null, System.nanoTime() - t0, skipped);
  }

  /** Features or targets: an array&lt;double&gt; column, or {@code width} double columns from {@code first}. */
  private final class Role {
    final String role;
    final int width;
    final int first;
    final boolean array;
    final int columns;
    ColumnVector[] flat;
    ColumnVector arrays;
    ColumnVector values;

    Role(String role, int width, int first, ScanColumns.Part part) {
      this.role = role;
      this.width = width;
      this.first = first;
      this.array = part.array();
      this.columns = part.columns().size();
    }

    void bind(ColumnarBatch b) {
      if (array) {
        arrays = b.column(first);
        values = arrays.getChild(0);
      } else {
        flat = new ColumnVector[columns];
        for (int c = 0; c < columns; c++) {
          flat[c] = b.column(first + c);
        }
      }
    }

    /**
     * Copies rows [r, r+k) into dest[offset …] in bulk when every row is present, has {@code width}
     * values and no null one; returns false (dest partly written) otherwise.
     */
    boolean copyRun(int r, int k, double[] dest, int offset) {
      if (!array) {
        for (int c = 0; c < columns; c++) {
          if (flat[c].hasNull() && anyNull(flat[c], r, k)) {
            return false;
          }
        }
        for (int c = 0; c < columns; c++) {
          double[] column = flat[c].getDoubles(r, k);
          for (int i = 0; i < k; i++) {
            dest[offset + i * width + c] = column[i];
          }
        }
        return true;
      }
      if (!(arrays instanceof WritableColumnVector a) || (a.hasNull() && anyNull(a, r, k))) {
        return false;
      }
      int start = a.getArrayOffset(r);
      for (int i = 0; i < k; i++) {
        if (a.getArrayLength(r + i) != width || a.getArrayOffset(r + i) != start + i * width) {
          return false;
        }
      }
      if (values.hasNull() && anyNull(values, start, k * width)) {
        return false;
      }
      System.arraycopy(values.getDoubles(start, k * width), 0, dest, offset, k * width);
      return true;
    }

    /**
     * Copies row r with the checks and messages of {@link RowsToBlocks}: throws for a null row, a wrong
     * length or a null element, and for NaN/±Inf unless such rows are skipped (then returns false).
     */
    boolean copyRow(int r, double[] dest, int offset) {
      String where = RowsToBlocks.where(rowIndex, partition);
      if (array) {
        if (arrays.isNullAt(r)) {
          throw new RowException(RowsToBlocks.nullRow(where, role, width), partition);
        }
        ColumnarArray a = arrays.getArray(r);
        if (a.numElements() != width) {
          throw new RowException(RowsToBlocks.wrongLength(where, role, a.numElements(), width), partition);
        }
        for (int k = 0; k < width; k++) {
          if (a.isNullAt(k)) {
            throw new RowException(RowsToBlocks.nullElement(where, role, k), partition);
          }
        }
        for (int k = 0; k < width; k++) {
          dest[offset + k] = a.getDouble(k);
        }
      } else {
        for (int c = 0; c < columns; c++) {
          if (flat[c].isNullAt(r)) {
            throw new RowException(RowsToBlocks.nullElement(where, role, c), partition);
          }
        }
        for (int c = 0; c < columns; c++) {
          dest[offset + c] = flat[c].getDouble(r);
        }
      }
      int bad = RowsToBlocks.firstNonFinite(dest, offset, width);
      if (bad >= 0) {
        if (skipInvalid) {
          return false;
        }
        throw new RowException(RowsToBlocks.nonFinite(where, role, bad, dest[offset + bad]), partition);
      }
      return true;
    }
  }

  private static boolean anyNull(ColumnVector v, int from, int count) {
    for (int i = from; i < from + count; i++) {
      if (v.isNullAt(i)) {
        return true;
      }
    }
    return false;
  }
}
