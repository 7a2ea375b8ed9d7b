package dev.adjoint.job;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.HashPartitioner;
import org.apache.spark.api.java.JavaPairRDD;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.Function2;
import scala.Tuple2;

/**
 * A deterministic treeAggregate. Spark's treeAggregate folds partials in the order tasks finish, so a
 * floating-point sum can change from run to run (SPARK-15043). Here every partial is tagged with its
 * partition index, and partials are merged in a tree fixed by the indices alone: at each level, indices
 * [g·s, (g+1)·s) form group g and are merged in increasing order. The same partials therefore give the
 * same bits whatever the scheduling, the retries or the number of executors.
 *
 * <p>The depth works as Spark's: fan-in s = max(2, ⌈P^(1/depth)⌉), and levels run on the executors while
 * that shrinks the count. When more than {@link #DRIVER_MAX} partials would still remain, one more level
 * merges them on an executor, so the driver receives at most {@link #DRIVER_MAX} (cf. SPARK-36419): one
 * partial's bytes per pass, whatever the partition count (Spark's treeAggregate sends up to ⌈P^(1/depth)⌉).
 * That last level costs one small stage; the driver's memory and network stay at one partial.
 */
public final class FixedTree {
  private FixedTree() {}

  /** At most this many partials are sent to the driver. */
  static final int DRIVER_MAX = 1;

  /**
   * Sums {@code partials}, at most one per partition (as {@code mapPartitions} makes them), in a fixed
   * tree. {@code merge} may mutate and return its first argument. Returns {@code zero} when there is none.
   */
  public static <T> T aggregate(JavaRDD<T> partials, Function2<T, T, T> merge, int depth, T zero) throws Exception {
    JavaPairRDD<Integer, T> level = partials.mapPartitionsWithIndex((index, it) -> {
      List<Tuple2<Integer, T>> out = new ArrayList<>();
      while (it.hasNext()) {
        out.add(new Tuple2<>(index, it.next()));
      }
      return out.iterator();
    }, true).mapToPair(t -> t);
    for (int fanIn : fanIns(partials.getNumPartitions(), depth)) {
      level = mergeGroups(level, merge, fanIn);
    }
    List<Tuple2<Integer, T>> rest = new ArrayList<>(level.collect());
    rest.sort(Comparator.comparing(Tuple2::_1));
    T acc = zero;
    for (Tuple2<Integer, T> t : rest) {
      acc = merge.call(acc, t._2());
    }
    return acc;
  }

  /** The fan-in of each level merged on the executors, for P partials and the given depth. */
  public static List<Integer> fanIns(int partitions, int depth) {
    List<Integer> levels = new ArrayList<>();
    int count = partitions;
    int scale = Math.max((int) Math.ceil(Math.pow(count, 1.0 / depth)), 2);
    while (count > scale + (int) Math.ceil((double) count / scale)) {
      levels.add(scale);
      count = (int) Math.ceil((double) count / scale);
    }
    if (count > DRIVER_MAX) {
      levels.add(count);
    }
    return levels;
  }

  /** How many partials reach the driver from P partitions at the given depth (at most {@link #DRIVER_MAX}). */
  public static int driverPartials(int partitions, int depth) {
    int count = partitions;
    for (int fanIn : fanIns(partitions, depth)) {
      count = (int) Math.ceil((double) count / fanIn);
    }
    return count;
  }

  /** One level: index i goes to group ⌊i/s⌋; each group merges its partials in increasing index. */
  private static <T> JavaPairRDD<Integer, T> mergeGroups(JavaPairRDD<Integer, T> level, Function2<T, T, T> merge,
      int scale) {
    int groups = Math.max(1, (int) Math.ceil((double) level.getNumPartitions() / scale));
    return level.mapToPair(t -> new Tuple2<>(t._1() / scale, t))
        .groupByKey(new HashPartitioner(groups))
        .mapToPair(g -> {
          List<Tuple2<Integer, T>> members = new ArrayList<>();
          g._2().forEach(members::add);
          members.sort(Comparator.comparing(Tuple2::_1));
          T acc = members.get(0)._2();
          for (int k = 1; k < members.size(); k++) {
            acc = merge.call(acc, members.get(k)._2());
          }
          return new Tuple2<>(g._1(), acc);
        });
  }
}
