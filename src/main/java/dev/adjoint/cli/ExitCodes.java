package dev.adjoint.cli;

/** The process exit codes. */
public final class ExitCodes {
  private ExitCodes() {}

  public static final int OK = 0;
  public static final int VERIFICATION_FAILED = 1;
  public static final int BAD_INPUT = 2;
  public static final int INTERNAL_ERROR = 3;
  /** The environment failed: a master, NameNode or port, a folder's permissions, tasks failing on every try. */
  public static final int ENVIRONMENT = 4;
  /** Stopped by SIGTERM (128 + 15, as the JVM exits on it); Ctrl-C (SIGINT) gives 130. */
  public static final int TERMINATED = 143;
}
