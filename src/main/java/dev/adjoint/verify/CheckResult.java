package dev.adjoint.verify;

/**
 * One line of the verification table: which check, what it compared, the measured error (normwise
 * relative: max|a − b| / max|b|), the tolerance on the same scale, the verdict, the time taken.
 */
public record CheckResult(String check, String compared, double error, double tolerance, boolean passed,
    double seconds, String note) {

  /**
   * Builds a result that passes when error ≤ tolerance. A NaN error fails, and so does an infinite
   * tolerance: a bound that says nothing proves nothing.
   */
  static CheckResult of(String check, String compared, double error, double tolerance, double seconds, String note) {
    boolean bounded = Double.isFinite(tolerance);
    return new CheckResult(check, compared, error, tolerance, bounded && error <= tolerance, seconds,
        bounded ? note : note + "; NO BOUND: the rounding bound is infinite at this size and precision");
  }
}
