package dev.adjoint.kernel;

import java.io.Serializable;

/**
 * What a pass measured beside the sums, for the report only: blocks folded, rows skipped for holding
 * NaN or ±Inf, and task time in nanoseconds spent reading blocks, in the forward (Y, L, G), in the
 * backward (dW, db, dX), in the checks' probes when they ride on the pass, and merging partials. Mergeable like the partial it travels with, but kept
 * apart from it so that {@link GradientPartial#merge} stays a pure law.
 */
public final class PassMetrics implements Serializable {
  private static final long serialVersionUID = 1L;

  private long blockCount;
  private long skippedRows;
  private long readNanos;
  private long forwardNanos;
  private long backwardNanos;
  private long mergeNanos;
  private long checkNanos;

  /** Nothing measured yet. */
  public static PassMetrics empty() {
    return new PassMetrics();
  }

  /** One block folded: its read time and skipped rows (carried by the block) and the two phases' times. */
  public void addBlock(Block block, long forward, long backward) {
    blockCount++;
    readBlock(block);
    forwardNanos += forward;
    backwardNanos += backward;
  }

  /** A block read but holding no rows: only its read time and skipped rows count. */
  public void readBlock(Block block) {
    readNanos += block.readNanos;
    skippedRows += block.skippedRows;
  }

  /** Time spent merging two partials. */
  public void addMerge(long nanos) {
    mergeNanos += nanos;
  }

  /** Time the checks' probes took beside the pass (verification riding on the gradient pass). */
  public void addChecks(long nanos) {
    checkNanos += nanos;
  }

  /** Adds another pass's measures into this one. Mutates and returns {@code this}. */
  public PassMetrics merge(PassMetrics other) {
    blockCount += other.blockCount;
    skippedRows += other.skippedRows;
    readNanos += other.readNanos;
    forwardNanos += other.forwardNanos;
    backwardNanos += other.backwardNanos;
    mergeNanos += other.mergeNanos;
    checkNanos += other.checkNanos;
    return this;
  }

  public long blockCount() {
    return blockCount;
  }

  /** Input rows left out for holding NaN or ±Inf (--on-invalid skip). */
  public long skippedRows() {
    return skippedRows;
  }

  public long readNanos() {
    return readNanos;
  }

  public long forwardNanos() {
    return forwardNanos;
  }

  public long backwardNanos() {
    return backwardNanos;
  }

  /** Task time the checks' probes took inside the pass (0 when they did not ride on it). */
  public long checkNanos() {
    return checkNanos;
  }

  /** Time spent merging partials (the aggregate phase), on executors and driver. */
  public long mergeNanos() {
    return mergeNanos;
  }
}
