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

  /** Runs {@code command} with the hook in place; its exit code. */
  static int watch(PrintStream err, java.util.function.IntSupplier command) {
    CountDownLatch done = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      stopping = true;
      err.println("adjoint: stopping: the process was told to stop (SIGTERM or Ctrl-C); Spark's jobs are cancelled, and "
          + "no result is left half-written");
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
