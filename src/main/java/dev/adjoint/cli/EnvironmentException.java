package dev.adjoint.cli;

import java.net.BindException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.nio.file.AccessDeniedException;
import java.util.function.BiFunction;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.hadoop.security.AccessControlException;
import org.apache.spark.SparkException;

/**
 * A failure of the environment, not of the input nor of Adjoint: a master, a NameNode or a port that is not
 * there, a folder that cannot be written, tasks that keep failing. Its message is one line that says what
 * failed and what to check; exit code {@link ExitCodes#ENVIRONMENT}. {@link #messageFor} finds such a
 * failure among the causes of any exception.
 */
final class EnvironmentException extends RuntimeException {
  EnvironmentException(String message) {
    super(message);
  }

  EnvironmentException(String message, Throwable cause) {
    super(message, cause);
  }

  /**
   * The one line for {@code e} when it (or a cause) is plainly a failure of the environment (ours, or a
   * refused connection, a taken port, a refused permission, a full disk), else null. Checked before the
   * input's mistakes: a NameNode that is down is not made the input's fault by a wrapper that names the file.
   */
  static String messageFor(Throwable e) {
    String ours = firstAmongCauses(e, (t, line) -> t instanceof EnvironmentException ? t.getMessage() : null);
    return ours != null ? ours : firstAmongCauses(e, EnvironmentException::machine);
  }

  /**
   * The one line for a job Spark gave up on (a task failed as many times as it may, executors lost) or an
   * application Spark stopped, else null. Checked after the input's mistakes (a bad row also fails its task
   * every time) and never for a programming error in a task, which stays internal.
   */
  static String messageForJob(Throwable e) {
    boolean bug = firstAmongCauses(e, (t, line) -> t instanceof NullPointerException || t instanceof ClassCastException
        || t instanceof IndexOutOfBoundsException || t instanceof ArithmeticException ? line : null) != null;
    return bug ? null : firstAmongCauses(e, EnvironmentException::job);
  }

  /** Whether {@code e} (or a cause) says a file-system permission was refused. */
  static boolean isPermissionDenied(Throwable e) {
    return firstAmongCauses(e, (t, line) -> t instanceof AccessControlException || t instanceof AccessDeniedException
        || line.contains("Permission denied") ? line : null) != null;
  }

  /** The first non-null {@code rule}(cause, first line of its message) along {@code e}'s causes. */
  private static String firstAmongCauses(Throwable e, BiFunction<Throwable, String, String> rule) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      String said = rule.apply(t, EnvironmentCheck.firstLine(t.getMessage()));
      if (said != null) {
        return said;
      }
    }
    return null;
  }

  /** A port, a connection, a permission, a scheme or a disk: what failed and what to check, or null. */
  private static String machine(Throwable t, String line) {
    if (t instanceof BindException || line.contains("Failed to bind") && line.contains("port")) {
      return "a port Spark needs is taken (" + line + "); check spark.driver.port, spark.blockManager.port and "
          + "spark.ui.port, or raise spark.port.maxRetries (Spark tries that many ports after the one set)";
    }
    if (t instanceof ConnectException || t instanceof NoRouteToHostException || t instanceof UnknownHostException) {
      return "a service cannot be reached: " + line + "; check that the Spark master, the HDFS NameNode or the host "
          + "in the path runs and answers at that address";
    }
    if (t instanceof AccessControlException || t instanceof AccessDeniedException) {
      return "permission denied: " + line + "; check the permissions of the folders named (--output, --input)";
    }
    if (t instanceof UnsupportedFileSystemException) {
      return line + "; check the path's scheme (file:, hdfs://HOST:PORT/…) or put that file system's connector on "
          + "the classpath";
    }
    if (line.contains("No space left on device") || line.contains("DiskSpaceQuotaExceeded")) {
      return "a file system is full: " + line + "; check the free space of --output's file system and of Spark's "
          + "local folders (spark.local.dir)";
    }
    return null;
  }

  /** A job Spark gave up on, or an application it stopped: what happened and what to check, or null. */
  private static String job(Throwable t, String line) {
    if (t instanceof SparkException && line.startsWith("Job aborted due to stage failure")) {
      return "Spark gave up on the job: " + line.substring("Job aborted due to stage failure: ".length())
          + "; check the executors' logs (the Spark UI's Executors tab, or the workers' work folders) for why the task "
          + "failed, and its memory (--executor-memory) if executors were lost";
    }
    if (line.contains("SparkContext was shut down") || line.contains("Cannot call methods on a stopped SparkContext")
        || line.contains("All masters are unresponsive")) {
      return "Spark stopped the application before the job finished (" + line + "); check the master's log: a master "
          + "that refuses the application (wrong secret, no resources) or went away stops it";
    }
    return null;
  }
}
