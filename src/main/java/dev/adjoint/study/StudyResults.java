package dev.adjoint.study;

import java.util.List;

/** What one run of the accumulation study measured, part by part; {@link StudyReport} writes it. */
public record StudyResults(Setup setup, List<NormalisationRow> normalisation, List<PrecisionRow> precision,
    List<PartitionRow> partitioning, List<ThroughputRow> throughput) {

  /**
   * The dataset (and its format) and layer: n rows, W [d×m], the loss, the blocks and partitions of the
   * study's passes; the k series' micro-batch counts and the n series' k.
   */
  public record Setup(String input, String format, long rows, int inputDim, int outputDim, String loss, int blockRows,
      int partitions, int sampledEntries, boolean allEntries, String blas, double fullBatchSeconds,
      double referenceSeconds, List<Integer> microBatches, int growthK) {}

  /**
   * Part 1: k micro-batches cut {@code kind}; the last batch's share of the rows; (a) and (b) against the
   * full batch; how far rounding alone may move them ({@link Normalisation#roundingAgreement}).
   */
  public record NormalisationRow(String kind, int k, long smallestBatch, long largestBatch, double lastBatchShare,
      double sumThenDivideDiff, double meanOfMeansBias, double roundingAgreement) {
    /** (a) equals the full-batch gradient up to rounding. */
    public boolean sumThenDivideAgrees() {
      return sumThenDivideDiff <= roundingAgreement;
    }
  }

  /**
   * Part 2: a mode over the first n rows in k equal micro-batches, against the exact sums of the float64
   * data; h, the most additions a term passed through after its GEMM; the entries whose error exceeds
   * their own bound; for the float32 modes also the error against the exact sums of the float32-rounded
   * data (NaN for the others).
   */
  public record PrecisionRow(AccumulationMode mode, long rows, int k, double relativeError, double maxUlps,
      double boundRelative, int roundings, int overBound, double relativeErrorFloat32Data, double seconds) {}

  /**
   * Part 3: one pass with P partitions, a tree depth and an aggregation, repeat r; its dW against the very
   * first pass's ({@code relativeDiff}) and against repeat 0 of the same configuration ({@code repeatDiff}).
   * Passes with equal {@code bitGroup} have bitwise-identical dW. {@code bytesToDriver}: what the pass's
   * tasks sent the driver as results (Spark's resultSize metric: the partials, plus ~4 KB of task metrics
   * per task and the shuffle tasks' map statuses).
   */
  public record PartitionRow(int partitions, int treeDepth, String aggregation, int repeat, double seconds,
      long partialsToDriver, long bytesToDriver, double relativeDiff, double repeatDiff, int bitGroup) {}

  /** Part 4: a float64 pass in blocks of B rows: wall time, and the kernel's (forward + backward) time over all tasks. */
  public record ThroughputRow(int blockRows, double seconds, double rowsPerSecond, double kernelSeconds,
      double kernelRowsPerSecond) {}
}
