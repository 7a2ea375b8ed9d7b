package dev.adjoint.job;

import java.util.Locale;
import org.apache.spark.SparkContext;
import org.apache.spark.storage.StorageLevel;

/**
 * Where the blocks are kept between the gradient pass and the checks' passes. {@code AUTO} keeps them in
 * memory (spilling the rest to disk) when the input is estimated to fit comfortably in the executors'
 * storage memory, and writes them straight to local disk otherwise: unrolling large partitions into
 * a small heap risks running out of memory, while a disk block is streamed as it is written.
 */
public enum CachePolicy {
  AUTO, MEMORY, DISK, NONE;

  /** Fraction of the executors' heap the blocks may take before AUTO chooses disk. */
  static final double MEMORY_SHARE = 0.25;

  /** The storage level for an input of about {@code inputBytes}, or null for no caching. */
  public StorageLevel level(SparkContext sc, long inputBytes) {
    return switch (this) {
      case MEMORY -> StorageLevel.MEMORY_AND_DISK();
      case DISK -> StorageLevel.DISK_ONLY();
      case NONE -> null;
      case AUTO -> inputBytes >= 0 && inputBytes <= MEMORY_SHARE * executorHeapBytes(sc) ? StorageLevel.MEMORY_AND_DISK()
          : StorageLevel.DISK_ONLY();
    };
  }

  /** The executors' heap in total: this JVM's in local mode, else executor memory × executors. */
  static long executorHeapBytes(SparkContext sc) {
    if (sc.isLocal()) {
      return Runtime.getRuntime().maxMemory();
    }
    long perExecutor = sc.getConf().getSizeAsBytes("spark.executor.memory", "1g");
    int executors = Math.max(1, sc.getExecutorMemoryStatus().size() - 1);
    return perExecutor * executors;
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
