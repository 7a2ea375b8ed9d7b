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
 * columns each column read value by value into the row-major block, tiled by rows ({@link #interleave}). If the run
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
  private final TargetRule rule;
  private final Role x;
  private final Role t;
  private ColumnarBatch batch;
  private int pos;
  private long rowIndex;

  BatchesToBlocks(Iterator<ColumnarBatch> batches, ScanColumns.Part xPart, ScanColumns.Part tPart, int blockRows, int d, int m,
      boolean withTargets, int partition, boolean skipInvalid, TargetRule rule) {
    this.batches = batches;
    this.rule = rule;
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
          && (t == null || (RowsToBlocks.firstNonFinite(ts, n * m, run * m) < 0
              && rule.firstInvalid(ts, n * m, run * m) < 0))) {
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

  /**
   * Features or targets: an array&lt;double&gt; column, an MLlib Vector column (a struct whose child 3 is
   * the values array), or {@code width} double columns from {@code first}.
   */
  private final class Role {
    final String role;
    final int width;
    final int first;
    final boolean array;
    final boolean vector;
    final int columns;
    ColumnVector[] flat;
    /** the Vector struct (null unless {@code vector}); its type byte: 0 sparse, 1 dense */
    ColumnVector vectors;
    ColumnVector arrays;
    ColumnVector values;

    Role(String role, int width, int first, ScanColumns.Part part) {
      this.role = role;
      this.width = width;
      this.first = first;
      this.vector = part.kind() == ScanColumns.Kind.VECTOR;
      this.array = part.kind() != ScanColumns.Kind.FLAT;
      this.columns = part.columns().size();
    }

    void bind(ColumnarBatch b) {
      if (vector) {
        vectors = b.column(first);
        arrays = vectors.getChild(VECTOR_VALUES);
        values = arrays.getChild(0);
      } else if (array) {
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
        interleave(flat, r, k, dest, offset, width);
        return true;
      }
      if (vector && !allDense(r, k)) {
        return false;
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
      if (vector && (vectors.isNullAt(r) || vectors.getChild(VECTOR_TYPE).getByte(r) == SPARSE)) {
        copySparseVector(r, where, dest, offset);
      } else if (array) {
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
      return finite(where, dest, offset);
    }

    /** Whether every vector of rows [r, r+k) is present and dense. */
    private boolean allDense(int r, int k) {
      if (vectors.hasNull() && anyNull(vectors, r, k)) {
        return false;
      }
      ColumnVector type = vectors.getChild(VECTOR_TYPE);
      for (int i = r; i < r + k; i++) {
        if (type.getByte(i) != DENSE) {
          return false;
        }
      }
      return true;
    }

    /** A null or sparse Vector as vector_to_array gives it on the row path: null, or zeros with its values. */
    private void copySparseVector(int r, String where, double[] dest, int offset) {
      if (vectors.isNullAt(r)) {
        throw new RowException(RowsToBlocks.nullRow(where, role, width), partition);
      }
      int size = vectors.getChild(VECTOR_SIZE).getInt(r);
      if (size != width) {
        throw new RowException(RowsToBlocks.wrongLength(where, role, size, width), partition);
      }
      ColumnarArray indices = vectors.getChild(VECTOR_INDICES).getArray(r);
      ColumnarArray vals = arrays.getArray(r);
      Arrays.fill(dest, offset, offset + width, 0.0);
      for (int j = 0; j < indices.numElements(); j++) {
        dest[offset + indices.getInt(j)] = vals.getDouble(j);
      }
    }

    /** The row path's NaN/±Inf check of the row just copied: throws, or returns false when such rows are skipped. */
    private boolean finite(String where, double[] dest, int offset) {
      int bad = RowsToBlocks.firstNonFinite(dest, offset, width);
      if (bad >= 0) {
        if (skipInvalid) {
          return false;
        }
        throw new RowException(RowsToBlocks.nonFinite(where, role, bad, dest[offset + bad]), partition);
      }
      if (this == t) {
        int outside = rule.firstInvalid(dest, offset, width);
        if (outside >= 0) {
          throw new RowException(rule.message(where, outside, dest[offset + outside]), partition);
        }
      }
      return true;
    }
  }

  // The fields of an MLlib Vector's struct (VectorUDT.sqlType) and the values of its type byte.
  private static final int VECTOR_TYPE = 0;
  private static final int VECTOR_SIZE = 1;
  private static final int VECTOR_INDICES = 2;
  private static final int VECTOR_VALUES = 3;
  private static final byte SPARSE = 0;
  private static final byte DENSE = 1;

  /** Rows per tile of {@link #interleave}: a tile of the block (TILE·d doubles) stays in cache across its d columns. */
  private static final int TILE = 64;

  /**
   * Rows [r, r+k) of the columns {@code cols} into the row-major block: dest[offset + i·width + c] =
   * cols[c][r + i]. Read value by value (no copy of the column first), tiled by rows, so each tile of
   * dest is written while it is in cache, instead of the whole run being swept once per column.
   */
  static void interleave(ColumnVector[] cols, int r, int k, double[] dest, int offset, int width) {
    for (int i0 = 0; i0 < k; i0 += TILE) {
      int i1 = Math.min(k, i0 + TILE);
      for (int c = 0; c < cols.length; c++) {
        ColumnVector col = cols[c];
        for (int i = i0, at = offset + i0 * width + c; i < i1; i++, at += width) {
          dest[at] = col.getDouble(r + i);
        }
      }
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
