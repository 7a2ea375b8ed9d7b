package dev.adjoint.job;

import java.util.concurrent.atomic.AtomicLong;
import org.apache.spark.SparkContext;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;

/**
 * Bytes the tasks send back to the driver as their results (Spark's {@code resultSize} task metric): the
 * gradient partials that reach the driver, plus each shuffle task's small map status. For measuring only;
 * no result of the job flows through it.
 */
public final class DriverBytes extends SparkListener {
  private final AtomicLong bytes = new AtomicLong();
  private final AtomicLong tasks = new AtomicLong();
  private final SparkContext sc;

  private DriverBytes(SparkContext sc) {
    this.sc = sc;
  }

  /** A listener registered with {@code sc}; remove it with {@link #close}. */
  public static DriverBytes listen(SparkContext sc) {
    DriverBytes listener = new DriverBytes(sc);
    sc.addSparkListener(listener);
    return listener;
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd taskEnd) {
    TaskMetrics metrics = taskEnd.taskMetrics();
    if (metrics != null) {
      bytes.addAndGet(metrics.resultSize());
      tasks.incrementAndGet();
    }
  }

  /** Bytes counted since the last call, once every event posted so far has been delivered. */
  public long takeBytes() {
    try {
      sc.listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException e) {
      throw new IllegalStateException("Spark's listener bus did not drain in 60 s", e);
    }
    tasks.set(0);
    return bytes.getAndSet(0);
  }

  public void close() {
    sc.removeSparkListener(this);
  }
}
