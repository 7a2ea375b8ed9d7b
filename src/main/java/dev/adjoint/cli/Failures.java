package dev.adjoint.cli;

import dev.adjoint.data.InputException;
import java.util.Set;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;
import picocli.CommandLine;

/**
 * Turns an exception into a message and an exit code: a user's mistake (bad file, column, row or
 * shape, found on the driver or in a task) is one line and exit 2; a failure of the environment (a master,
 * NameNode or port, a permission, tasks failing on every try: {@link EnvironmentException}) one line and
 * exit 4; a command stopped by SIGTERM or Ctrl-C one line and 143; anything else is an internal error,
 * said as such, with its stack trace, exit 3.
 */
final class Failures implements CommandLine.IExecutionExceptionHandler {
  /** Spark error classes that mean the user's input is at fault. */
  private static final Set<String> INPUT_ERROR_CLASSES = Set.of(
      "CAST_INVALID_INPUT", "MALFORMED_RECORD_IN_PARSING", "PATH_NOT_FOUND", "UNABLE_TO_INFER_SCHEMA",
      "FAILED_READ_FILE.NO_HINT", "FAILED_READ_FILE.PARQUET_COLUMN_DATA_TYPE_MISMATCH",
      // a Spark setting given with a value of the wrong type (-Dspark.ui.port=abc): a mistake in the usage
      "INVALID_CONF_VALUE.TYPE_MISMATCH");

  @Override
  public int handleExecutionException(Exception e, CommandLine cl, CommandLine.ParseResult parsed) {
    boolean verbose = false;
    for (CommandLine.ParseResult level = parsed; level != null; level = level.subcommand()) {
      verbose |= level.hasMatchedOption("--verbose");  // -v is inherited: it may follow any subcommand
    }
    if (Interruption.stopping()) {
      return oneLine(cl, e, verbose, "stopped (SIGTERM or Ctrl-C) before the command finished", ExitCodes.TERMINATED);
    }
    String environment = EnvironmentException.messageFor(e);
    if (environment != null) {
      return oneLine(cl, e, verbose, environment + sparkLog(), ExitCodes.ENVIRONMENT);
    }
    String userMessage = userMessage(e);
    if (userMessage != null) {
      return oneLine(cl, e, verbose, userMessage, ExitCodes.BAD_INPUT);
    }
    String job = EnvironmentException.messageForJob(e);
    if (job != null) {
      return oneLine(cl, e, verbose, job + sparkLog(), ExitCodes.ENVIRONMENT);
    }
    cl.getErr().println("adjoint: internal error (a bug in adjoint or in its environment, not in your input): " + e
        + sparkLog());
    e.printStackTrace(cl.getErr());
    return ExitCodes.INTERNAL_ERROR;
  }

  /**
   * Where Spark's own warnings and errors went (conf/log4j2.properties sends them to {@code -Dadjoint.log}, not
   * the terminal), said when the environment or adjoint failed and the file holds something; else "".
   */
  static String sparkLog() {
    String log = System.getProperty("adjoint.log");
    try {
      return log != null && java.nio.file.Files.size(java.nio.file.Path.of(log)) > 0 ? " (Spark's log: " + log + ")" : "";
    } catch (java.io.IOException | RuntimeException e) {
      return "";
    }
  }

  /** Prints "adjoint: error: {@code message}" (and the stack trace with -v); returns {@code code}. */
  private static int oneLine(CommandLine cl, Exception e, boolean verbose, String message, int code) {
    cl.getErr().println("adjoint: error: " + message);
    if (verbose) {
      e.printStackTrace(cl.getErr());
    }
    return code;
  }

  /** The message for the user when {@code e} (or a cause) is a mistake in the input, else null. */
  static String userMessage(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof VirtualMachineError) {
        return null;  // out of memory inside a read is the environment's limit, not the file's fault
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof InputException) {
        return t.getMessage();
      }
    }
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SparkThrowable st && st.getCondition() != null && INPUT_ERROR_CLASSES.contains(st.getCondition())) {
        return firstLine(t.getMessage());
      }
      if (t instanceof AnalysisException) {
        return firstLine(t.getMessage());
      }
    }
    return null;
  }

  private static String firstLine(String s) {
    int nl = s == null ? -1 : s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
