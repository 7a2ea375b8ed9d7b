package dev.adjoint.job;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * Samples this JVM's used heap every {@code periodMillis} on a daemon thread and keeps the largest
 * value: the peak heap of a run, to within what can be allocated and freed between two samples.
 */
public final class HeapSampler implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread thread;
  private volatile long peak;
  private volatile boolean running = true;

  public HeapSampler(long periodMillis) {
    thread = new Thread(() -> {
      while (running) {
        sample();
        try {
          Thread.sleep(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
      }
    }, "adjoint-heap-sampler");
    thread.setDaemon(true);
    thread.start();
  }

  private void sample() {
    long used = memory.getHeapMemoryUsage().getUsed();
    if (used > peak) {
      peak = used;
    }
  }

  /** The largest used heap seen so far, in bytes. */
  public long peakBytes() {
    sample();
    return peak;
  }

  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
