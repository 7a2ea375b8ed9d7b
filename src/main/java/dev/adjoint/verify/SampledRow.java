package dev.adjoint.verify;

import java.io.Serializable;

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
