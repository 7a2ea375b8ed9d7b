package dev.adjoint.verify;

/**
 * Entries a check compares: got[q] (the distributed result) against ref[q] (the check's value) within
 * tol[q], summed up normwise by {@link CheckResult#normwise}.
 */
final class Comparison {
  final double[] got;
  final double[] ref;
  final double[] tol;

  Comparison(int size) {
    this.got = new double[size];
    this.ref = new double[size];
    this.tol = new double[size];
  }

  /** Entry q. */
  void set(int q, double got, double ref, double tol) {
    this.got[q] = got;
    this.ref[q] = ref;
    this.tol[q] = tol;
  }

  /** The normwise result of every entry. */
  CheckResult result(String check, String compared, double seconds, String note) {
    return CheckResult.normwise(check, compared, got, ref, tol, seconds, note);
  }
}
