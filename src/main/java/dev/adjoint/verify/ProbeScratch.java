package dev.adjoint.verify;

/** {@link ProbeSum}'s buffers, reused from block to block within a task; never shipped. */
final class ProbeScratch {
  private double[] xNorm1 = new double[0];
  private double[] yAll = new double[0];
  private double[] g = new double[0];
  private double[] e = new double[0];
  private double[] yPlus = new double[0];
  private double[] yMinus = new double[0];
  private double[] column = new double[0];

  double[] yPlus(int len) {
    return yPlus = fit(yPlus, len);
  }

  double[] yMinus(int len) {
    return yMinus = fit(yMinus, len);
  }

  double[] column(int n) {
    return column = fit(column, n);
  }

  double[] xNorm1(int n) {
    return xNorm1 = fit(xNorm1, n);
  }

  double[] yAll(int len) {
    return yAll = fit(yAll, len);
  }

  double[] g(int len) {
    return g = fit(g, len);
  }

  double[] e(int n) {
    return e = fit(e, n);
  }

  /** {@code a} when it holds at least {@code len} values (callers write and read only the first len), else a new one. */
  private static double[] fit(double[] a, int len) {
    return a.length >= len ? a : new double[len];
  }
}
