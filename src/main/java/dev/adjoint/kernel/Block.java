package dev.adjoint.kernel;

import java.io.Serializable;

/**
 * A block of consecutive examples, the unit every kernel works on.
 *
 * <p>{@code x} is X_block [rows×features] row-major; {@code targets} is T_block [rows×targetWidth]
 * row-major, or {@code null} when the loss needs none. {@code ids} are the rows' keys, carried to the
 * activation outputs and never read by the math; {@code null} when nobody asked for them.
 * {@code readNanos} is the time spent producing the block (I/O and decoding), and {@code skippedRows} the
 * input rows left out of it for holding NaN or ±Inf (with --on-invalid skip), both carried for reporting.
 */
public final class Block implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int rows;
  public final int features;
  public final double[] x;
  public final int targetWidth;
  public final double[] targets;
  public final Object[] ids;
  public final long readNanos;
  public final long skippedRows;

  public Block(int rows, int features, double[] x, int targetWidth, double[] targets, Object[] ids, long readNanos) {
    this(rows, features, x, targetWidth, targets, ids, readNanos, 0L);
  }

  public Block(int rows, int features, double[] x, int targetWidth, double[] targets, Object[] ids, long readNanos,
      long skippedRows) {
    Shapes.require(x.length == (long) rows * features,
        "X block holds " + x.length + " values, expected " + rows + "×" + features);
    Shapes.require(targets == null || targets.length == (long) rows * targetWidth,
        "target block holds " + (targets == null ? 0 : targets.length) + " values, expected " + rows + "×" + targetWidth);
    Shapes.require(ids == null || ids.length == rows, "block has " + rows + " rows but " + (ids == null ? 0 : ids.length) + " ids");
    this.rows = rows;
    this.features = features;
    this.x = x;
    this.targetWidth = targets == null ? 0 : targetWidth;
    this.targets = targets;
    this.ids = ids;
    this.readNanos = readNanos;
    this.skippedRows = skippedRows;
  }

  /** A block of features only (no targets, no ids). */
  public static Block of(int rows, int features, double[] x) {
    return new Block(rows, features, x, 0, null, null, 0L);
  }

  /** A block with targets T [rows×targetWidth]. */
  public static Block of(int rows, int features, double[] x, int targetWidth, double[] targets) {
    return new Block(rows, features, x, targetWidth, targets, null, 0L);
  }
}
