package dev.adjoint.cli;

/** The process exit codes. */
public final class ExitCodes {
  private ExitCodes() {}

  public static final int OK = 0;
  public static final int VERIFICATION_FAILED = 1;
  public static final int BAD_INPUT = 2;
  public static final int INTERNAL_ERROR = 3;
}
