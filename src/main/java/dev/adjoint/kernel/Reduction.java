package dev.adjoint.kernel;

import java.util.Locale;

/** How per-row losses combine into L: summed, or averaged over the total row count n. */
public enum Reduction {
  /** L = Σ over rows. */
  SUM,
  /** L = (1/n)·Σ over rows; applied once, at the end, with the total n (never per block or partition). */
  MEAN;

  /** The factor applied to every sum (loss, dW, db, and G for dX) given the total row count. */
  public double scale(long totalRows) {
    if (this == SUM) {
      return 1.0;
    }
    Shapes.require(totalRows > 0, "the mean over zero rows is undefined: the input has no rows");
    return 1.0 / totalRows;
  }

  public static Reduction parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
