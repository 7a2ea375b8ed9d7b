package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import java.io.Serializable;
import java.util.Arrays;

/**
 * One row as the distributed pass saw and computed it: x, t (or null), and its Y and dX rows.
 * (A class, not a record: Spark's Kryo cannot serialise records.)
 */
public final class SampledRow implements Serializable {
  private static final long serialVersionUID = 1L;

  private final double[] x;
  private final double[] t;
  private final double[] y;
  private final double[] dx;

  public SampledRow(double[] x, double[] t, double[] y, double[] dx) {
    this.x = x;
    this.t = t;
    this.y = y;
    this.dx = dx;
  }

  /** Row i of {@code block} with its Y and dX rows from {@code computed} (the same block's activations). */
  public static SampledRow of(Block block, int i, BlockActivations computed) {
    int d = block.features;
    int w = block.targetWidth;
    return new SampledRow(Arrays.copyOfRange(block.x, i * d, (i + 1) * d),
        block.targets == null ? null : Arrays.copyOfRange(block.targets, i * w, (i + 1) * w), computed.yRow(i),
        computed.dxRow(i));
  }

  public double[] x() {
    return x;
  }

  public double[] t() {
    return t;
  }

  public double[] y() {
    return y;
  }

  public double[] dx() {
    return dx;
  }
}
