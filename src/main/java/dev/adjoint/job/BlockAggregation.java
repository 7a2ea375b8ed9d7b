package dev.adjoint.job;

import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;

/**
 * The one distributed pass every computation over the rows goes through, written once (in the spirit of
 * MLlib's RDDLossFunction over its aggregators): broadcast the shared value → each partition folds its
 * elements into one partial ({@link PartitionFold}) → the partials are summed by a tree of merges
 * ({@link FixedTree}, or Spark's treeAggregate) → the broadcast is destroyed. The sum is the action's
 * return value, never an accumulator, so a retried or speculative task cannot count twice.
 *
 * <p>The layer's gradient pass, the checks' probe and sample passes, the study's passes and the
 * row-at-a-time baseline are each a fold and a merge given to {@link #sum}.
 */
public final class BlockAggregation {
  private BlockAggregation() {}

  /**
   * Σ over partitions of {@code fold}(partition, its elements, shared), merged by {@code merge} as
   * {@code aggregation} says ({@code depth} as treeAggregate's). {@code merge} may mutate and return its
   * first argument. {@code zero} is the merge's identity: the result when there is no partition, and
   * Spark's zero value with {@link Aggregation#SPARK}. The job carries {@code description} in Spark's UI.
   */
  public static <S, E, P> P sum(JavaSparkContext jsc, String description, JavaRDD<E> data, S shared,
      PartitionFold<S, E, P> fold, Function2<P, P, P> merge, P zero, Aggregation aggregation, int depth) {
    Broadcast<S> bc = jsc.broadcast(shared);
    jsc.setJobDescription(description);
    try {
      JavaRDD<P> partials = data.mapPartitionsWithIndex(
          (partition, it) -> List.of(fold.fold(partition, it, bc.value())).iterator(), true);
      if (aggregation == Aggregation.SPARK) {
        return partials.treeAggregate(zero, merge, merge, depth);
      }
      return FixedTree.aggregate(partials, merge, depth, zero);
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      jsc.setJobDescription(null);
      bc.destroy();
    }
  }
}
