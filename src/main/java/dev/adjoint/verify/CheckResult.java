package dev.adjoint.verify;

/**
 * One line of the verification table: which check, what it compared, the measured error (normwise
 * relative: max|a − b| / max|b|), the tolerance on the same scale, the verdict, the time taken.
 */
public record CheckResult(String check, String compared, double error, double tolerance, boolean passed,
    double seconds, String note) {

  /**
   * Builds a result that passes when error ≤ tolerance. A NaN error fails, and so does an infinite
   * tolerance, or one of 1 or more (relative: it would pass a result wrong in every digit): a bound that
   * says nothing proves nothing.
   */
  static CheckResult of(String check, String compared, double error, double tolerance, double seconds, String note) {
    boolean bounded = Double.isFinite(tolerance);
    boolean meaningful = bounded && tolerance < 1;
    String why = !bounded ? "; NO BOUND: the rounding bound is infinite at this size and precision"
        : !meaningful ? "; VACUOUS: the bound is as large as the values compared, so it could not fail" : "";
    return new CheckResult(check, compared, error, tolerance, meaningful && error <= tolerance, seconds, note + why);
  }

  /**
   * The normwise comparison of {@code got} with {@code ref}, entry q within {@code tol[q]}: error =
   * max|got − ref| / max|ref|, tolerance = max(tol) / max|ref| (both absolute when ref is all zeros). A
   * NaN anywhere in got − ref makes the error NaN.
   */
  static CheckResult normwise(String check, String compared, double[] got, double[] ref, double[] tol, double seconds,
      String note) {
    double diff = 0;
    double scale = 0;
    double t = 0;
    for (int q = 0; q < ref.length; q++) {
      double e = Math.abs(got[q] - ref[q]);
      diff = Double.isNaN(e) ? Double.NaN : Math.max(diff, e);
      scale = Math.max(scale, Math.abs(ref[q]));
      t = Math.max(t, tol[q]);
    }
    if (scale == 0) {
      scale = 1;
    }
    return of(check, compared, diff / scale, t / scale, seconds, note);
  }
}
