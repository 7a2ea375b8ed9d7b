package dev.adjoint.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.apache.commons.io.output.TeeWriter;

/**
 * The driver as a thread of YARN's ApplicationMaster ({@code --master yarn --deploy-mode cluster}). The
 * ApplicationMaster reads the outcome from {@code main} itself: returning means SUCCEEDED, an exception means
 * FAILED with the exception's text as the application's diagnostics. {@code System.exit}, even with 0, ends
 * the container before it reports, and YARN would say FAILED, "Shutdown hook called before final status was
 * reported". So here {@code main} returns on exit code 0 and otherwise throws {@link ApplicationFailed}
 * carrying adjoint's one-line message and its exit code, which YARN shows as the application's diagnostics
 * (and spark-submit logs as "Application diagnostics message: …").
 */
final class YarnClusterDriver {
  private YarnClusterDriver() {}

  /**
   * Whether this JVM is YARN's ApplicationMaster running the driver: it sets these properties before it
   * calls {@code main}.
   */
  static boolean active() {
    return System.getProperty("spark.yarn.app.id") != null
        && "cluster".equals(System.getProperty("spark.submit.deployMode"));
  }

  /** Runs the command line; returns when it exits 0, else throws {@link ApplicationFailed}. */
  static void run(String... args) {
    StringWriter said = new StringWriter();
    PrintWriter err = new PrintWriter(new TeeWriter(new PrintWriter(System.err, true), said), true);
    int code = Interruption.watch(System.err, () -> Main.commandLine().setErr(err).execute(args));
    err.flush();
    if (code != ExitCodes.OK) {
      throw new ApplicationFailed(code, firstLine(said.toString()));
    }
  }

  /** What failed, in one line: the first line adjoint wrote to its error stream, else what the exit code means. */
  private static String firstLine(String said) {
    for (String line : said.split("\n")) {
      if (!line.isBlank()) {
        return line.strip();
      }
    }
    return null;
  }

  /**
   * The command's failure as YARN reports it: "adjoint: error: … (exit code 2)". No stack trace: the
   * message says what failed (the driver's log has the trace with {@code --verbose}).
   */
  static final class ApplicationFailed extends RuntimeException {
    ApplicationFailed(int exitCode, String message) {
      super((message != null ? message : "adjoint: " + meaning(exitCode)) + " (exit code " + exitCode + ")",
          null, false, false);
    }

    /** The message alone: YARN's diagnostics print this, after "User class threw exception: ". */
    @Override
    public String toString() {
      return getMessage();
    }

    private static String meaning(int exitCode) {
      return switch (exitCode) {
        case ExitCodes.VERIFICATION_FAILED -> "a verification check failed; report.json says which";
        case ExitCodes.BAD_INPUT -> "bad usage or bad input";
        case ExitCodes.INTERNAL_ERROR -> "internal error";
        case ExitCodes.ENVIRONMENT -> "the environment failed";
        default -> "stopped";
      };
    }
  }
}
