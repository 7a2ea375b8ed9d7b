package dev.adjoint.run;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;

/**
 * This JVM's heap over a run: the largest used heap sampled every {@code periodMillis} on a daemon thread
 * (which is near the limit whenever the collector lets garbage pile up), and the largest heap still in
 * use right after a collection (the live data: what the run really needs), from the collectors'
 * notifications.
 */
public final class HeapSampler implements AutoCloseable {
  private final MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
  private final Thread thread;
  private final java.util.List<Runnable> unregister = new java.util.ArrayList<>();
  private volatile long peak;
  private volatile long liveAfterGcPeak;
  private volatile boolean running = true;

  public HeapSampler(long periodMillis) {
    for (java.lang.management.GarbageCollectorMXBean gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      if (gc instanceof javax.management.NotificationEmitter emitter) {
        javax.management.NotificationListener listener = (notification, handback) -> afterGc(notification);
        emitter.addNotificationListener(listener, null, null);
        unregister.add(() -> {
          try {
            emitter.removeNotificationListener(listener);
          } catch (javax.management.ListenerNotFoundException e) {
            // already gone
          }
        });
      }
    }
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

  private void afterGc(javax.management.Notification n) {
    if (!com.sun.management.GarbageCollectionNotificationInfo.GARBAGE_COLLECTION_NOTIFICATION.equals(n.getType())) {
      return;
    }
    com.sun.management.GarbageCollectionNotificationInfo info = com.sun.management.GarbageCollectionNotificationInfo
        .from((javax.management.openmbean.CompositeData) n.getUserData());
    long used = 0;
    for (java.util.Map.Entry<String, java.lang.management.MemoryUsage> e : info.getGcInfo().getMemoryUsageAfterGc()
        .entrySet()) {
      if (isHeapPool(e.getKey())) {
        used += e.getValue().getUsed();
      }
    }
    if (used > liveAfterGcPeak) {
      liveAfterGcPeak = used;
    }
  }

  private static boolean isHeapPool(String name) {
    for (java.lang.management.MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getName().equals(name)) {
        return pool.getType() == java.lang.management.MemoryType.HEAP;
      }
    }
    return false;
  }

  /** The largest heap in use right after a collection during the run, in bytes (0 if none ran). */
  public long liveAfterGcPeakBytes() {
    return liveAfterGcPeak;
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
    unregister.forEach(Runnable::run);
    running = false;
    thread.interrupt();
  }
}
