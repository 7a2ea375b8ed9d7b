package dev.adjoint.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.Test;

/**
 * The one pass driver: every partition folded once with the broadcast value, partials merged in a tree
 * fixed by partition index (or Spark's), the broadcast destroyed after; and the fixed tree's shape.
 */
class BlockAggregationTest {
  private final JavaSparkContext jsc = JavaSparkContext.fromSparkContext(TestSpark.get().sparkContext());

  /** Each partition's partial is its list of (partition, element × shared); concatenation keeps the order. */
  private static ArrayList<Long> concat(ArrayList<Long> a, ArrayList<Long> b) {
    a.addAll(b);
    return a;
  }

  @Test
  void fixedTreeFoldsEveryPartitionOnceInPartitionOrder() {
    List<Integer> values = IntStream.range(0, 100).boxed().toList();
    int checked = 0;
    for (int partitions : new int[] {1, 3, 16, 33, 150}) {  // 150 > 100 elements: empty partitions
      for (int depth : new int[] {1, 2, 3}) {
        JavaRDD<Integer> data = jsc.parallelize(values, partitions);
        ArrayList<Long> got = BlockAggregation.sum(jsc, "test", data, 7L, (partition, it, shared) -> {
          ArrayList<Long> out = new ArrayList<>();
          it.forEachRemaining(v -> out.add(v * shared));
          return out;
        }, BlockAggregationTest::concat, new ArrayList<>(), Aggregation.FIXED, depth);
        List<Long> expected = values.stream().map(v -> v * 7L).toList();
        assertEquals(expected, got, "partitions=" + partitions + " depth=" + depth);
        checked++;
      }
    }
    assertEquals(15, checked);
  }

  @Test
  void sparkTreeAggregateSumsTheSame() {
    JavaRDD<Integer> data = jsc.parallelize(IntStream.range(0, 1000).boxed().toList(), 9);
    for (Aggregation aggregation : Aggregation.values()) {
      long sum = BlockAggregation.sum(jsc, "test", data, 2L, (partition, it, shared) -> {
        long s = 0;
        while (it.hasNext()) {
          s += it.next() * shared;
        }
        return s;
      }, Long::sum, 0L, aggregation, 2);
      assertEquals(2L * 999 * 1000 / 2, sum, aggregation.cliName());
    }
  }

  @Test
  void aFailedTaskFailsThePassWithItsCauseAndTheNextPassRuns() {
    JavaRDD<Integer> data = jsc.parallelize(List.of(1, 2, 3), 3);
    RuntimeException e = assertThrows(RuntimeException.class, () -> BlockAggregation.sum(jsc, "test", data, 1, (partition, it, shared) -> {
      if (partition == 1) {
        throw new IllegalStateException("planted");
      }
      return 0;
    }, Integer::sum, 0, Aggregation.FIXED, 2));
    boolean planted = false;
    for (Throwable t = e; t != null; t = t.getCause()) {
      planted |= String.valueOf(t.getMessage()).contains("planted");
    }
    assertTrue(planted, "the task's own error is in the cause chain: " + e);
    // the failed pass's broadcast was destroyed; a new pass broadcasts anew and succeeds
    assertEquals(6, (int) BlockAggregation.sum(jsc, "test", data, 1, (partition, it, shared) -> {
      int s = 0;
      while (it.hasNext()) {
        s += it.next() * shared;
      }
      return s;
    }, Integer::sum, 0, Aggregation.FIXED, 2));
  }

  @Test
  void fanInsFollowSparksDepthAndLeaveOnePartialForTheDriver() {
    // P = 1: nothing to merge on the executors
    assertEquals(List.of(), FixedTree.fanIns(1, 2));
    // P = 16, depth 2: s = ⌈√16⌉ = 4; 16 > 4 + ⌈16/4⌉ → a level of 4 (16 → 4); 4 > 4 + 1 is false, 4 > 1 → a last 4
    assertEquals(List.of(4, 4), FixedTree.fanIns(16, 2));
    // P = 5, depth 2: s = ⌈√5⌉ = 3; 5 > 3 + 2 is false → one level merging all 5 on an executor
    assertEquals(List.of(5), FixedTree.fanIns(5, 2));
    // P = 64, depth 2: s = 8; 64 > 8 + 8 → a level of 8 (64 → 8), then 8 > 1 → one more of 8
    assertEquals(List.of(8, 8), FixedTree.fanIns(64, 2));
    // P = 1000, depth 3: s = 10; 1000 → 100 → 10, then the last 10 on an executor
    assertEquals(List.of(10, 10, 10), FixedTree.fanIns(1000, 3));
    // depth 1: one level over everything
    assertEquals(List.of(33), FixedTree.fanIns(33, 1));
    for (int partitions = 1; partitions <= 300; partitions++) {
      for (int depth = 1; depth <= 4; depth++) {
        assertEquals(1, FixedTree.driverPartials(partitions, depth), "P=" + partitions + " depth=" + depth);
        for (int fanIn : FixedTree.fanIns(partitions, depth)) {
          assertTrue(fanIn >= 2, "fan-in ≥ 2 at P=" + partitions + " depth=" + depth);
        }
      }
    }
  }
}
