package dev.adjoint.cli;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A command stopped from outside (SIGTERM, Ctrl-C): the JVM runs its shutdown hooks, Spark's stops the
 * SparkContext (which cancels the running jobs), and this one says so in one line, then waits for the command
 * to wind down, so that a result being written is finished or removed (each is written under a temporary
 * name) before the JVM exits, non-zero (143 on SIGTERM, 130 on Ctrl-C).
 */
final class Interruption {
  private Interruption() {}

  /** How long the hook lets the command wind down: Spark cancels its jobs in about a second. */
  private static final long WIND_DOWN_SECONDS = 20;

  private static volatile boolean stopping;

  /** Whether the process is being stopped from outside. */
  static boolean stopping() {
    return stopping;
  }

  /**
   * Whether the JVM is shutting down on a signal: HotSpot handles SIGTERM, SIGINT and SIGHUP by starting a
   * thread named after the signal that calls System.exit. Otherwise someone called System.exit (Spark does when
   * its UI cannot bind a port).
   */
  private static boolean signalled() {
    return Thread.getAllStackTraces().keySet().stream().map(Thread::getName)
        .anyMatch(n -> n.equals("SIGTERM handler") || n.equals("SIGINT handler") || n.equals("SIGHUP handler"));
  }

  /** Runs {@code command} with the hook in place; its exit code. */
  static int watch(PrintStream err, java.util.function.IntSupplier command) {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopping = true;
      if (signalled()) {
        err.println("adjoint: stopping: the process was told to stop (SIGTERM or Ctrl-C); Spark's jobs are cancelled, "
            + "and no result is left half-written");
      } else {
        err.println("adjoint: error: Spark ended the process (System.exit) before the command finished; its reason is "
            + "in the log line above");
      }
      err.flush();
      try {
        done.await(WIND_DOWN_SECONDS, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "adjoint-interruption");
    Runtime.getRuntime().addShutdownHook(hook);
    try {
      return command.getAsInt();
    } finally {
      if (stopping) {
        // the command has said how it ended; what Spark's threads print as they are torn down (rejected
        // callbacks, with stack traces) would only bury that line
        err.flush();
        System.setErr(new PrintStream(OutputStream.nullOutputStream()));
      } else {
        Runtime.getRuntime().removeShutdownHook(hook);
      }
      done.countDown();
    }
  }
}
