package dev.adjoint.job;

import dev.adjoint.data.InputException;
import java.util.Locale;
import org.apache.spark.SparkContext;

/**
 * Refuses, before any data is read, a layer whose per-task working set cannot fit the executors' user
 * memory. A task holds its partial (dW and db, 8·(d·m + m) bytes), up to two more while partials are
 * merged, two blocks of X and their Y/G buffers, and each executor one copy of the broadcast W. User
 * memory is what Spark leaves outside its unified memory: (heap − 300 MB)·(1 − spark.memory.fraction).
 */
public final class MemoryCheck {
  private MemoryCheck() {}

  /** Spark's reserved system memory. */
  static final long RESERVED = 300L << 20;

  public static void require(SparkContext sc, int d, int m, int blockRows) {
    long partial = 8L * ((long) d * m + m);
    long blocks = 2L * 8L * blockRows * ((long) d + 2L * m);
    long perTask = 3 * partial + blocks;
    long heap = heapPerExecutor(sc);
    double fraction = memoryFraction(sc);
    long user = userMemory(sc);
    int tasks = tasksPerExecutor(sc);
    long need = tasks * perTask + 8L * d * m;
    if (need > user) {
      throw new InputException(String.format(Locale.ROOT,
          "W is (%d, %d): each task needs about %s (dW %s, three times while merging, plus two blocks of %d rows), "
              + "%d task(s) per executor and the broadcast W need %s, but an executor has %s of user memory (heap %s,"
              + " spark.memory.fraction %.2f); give the executors more memory (--driver-memory/ADJOINT_DRIVER_MEMORY "
              + "in local mode, spark.executor.memory on a cluster) or fewer cores each", d, m, mb(perTask), mb(partial),
          blockRows, tasks, mb(need), mb(user), mb(heap), fraction));
    }
  }

  /** One executor's heap. */
  public static long heapPerExecutor(SparkContext sc) {
    return CachePolicy.executorHeapBytes(sc) / Math.max(1, executors(sc));
  }

  private static double memoryFraction(SparkContext sc) {
    return sc.getConf().getDouble("spark.memory.fraction", 0.6);
  }

  /** One executor's user memory: (heap − 300 MB)·(1 − spark.memory.fraction). */
  public static long userMemory(SparkContext sc) {
    return (long) ((heapPerExecutor(sc) - RESERVED) * (1 - memoryFraction(sc)));
  }

  private static int executors(SparkContext sc) {
    return sc.isLocal() ? 1 : Math.max(1, sc.getExecutorMemoryStatus().size() - 1);
  }

  /** Tasks one executor runs at once. */
  public static int tasksPerExecutor(SparkContext sc) {
    if (sc.isLocal()) {
      return Math.max(1, sc.defaultParallelism());
    }
    int cores = sc.getConf().getInt("spark.executor.cores", 1);
    int perTask = sc.getConf().getInt("spark.task.cpus", 1);
    return Math.max(1, cores / perTask);
  }

  public static String mb(long bytes) {
    return String.format(Locale.ROOT, "%.0f MB", bytes / 1048576.0);
  }
}
