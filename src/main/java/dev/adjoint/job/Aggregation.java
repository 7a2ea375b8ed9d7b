package dev.adjoint.job;

import java.util.Locale;

/** How {@link BlockAggregation} sums the partials of a pass. */
public enum Aggregation {
  /** {@link FixedTree}: a tree fixed by partition indices; the same bits on every run. */
  FIXED,
  /** Spark's treeAggregate: partials combined in the order tasks finish (SPARK-15043). */
  SPARK;

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
