package dev.adjoint.verify;

/**
 * One line of the verification table: which check, what it compared, the measured error (normwise
 * relative: max|a − b| / max|b|), the tolerance on the same scale, the verdict, the time taken.
 */
public record CheckResult(String check, String compared, double error, double tolerance, boolean passed,
    double seconds, String note) {

  /** Builds a result that passes when error ≤ tolerance (NaN fails). */
  static CheckResult of(String check, String compared, double error, double tolerance, double seconds, String note) {
    return new CheckResult(check, compared, error, tolerance, error <= tolerance, seconds, note);
  }
}
