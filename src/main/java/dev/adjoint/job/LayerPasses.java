package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The distributed passes of one layer: W and b broadcast once ({@code bcParams}), each partition
 * folds its blocks into one {@link GradientPartial}, a tree of merges sums the partials ({@link FixedTree},
 * deterministic, or Spark's treeAggregate); Y and dX stay distributed. Closing destroys the broadcast.
 */
public final class LayerPasses implements AutoCloseable {
  private final JavaSparkContext jsc;
  private final Broadcast<WeightsAndBias> bcParams;
  private final int inputDim;
  private final int outputDim;
  private final Loss loss;
  private final BlockKernel kernel;
  private final PlantedFault fault;
  /** Test-only fault of the cluster tests (null unless deliberately enabled twice over). */
  private final InjectedFault injected;

  public LayerPasses(JavaSparkContext jsc, WeightsAndBias params, Loss loss) {
    this(jsc, params, loss, BlockKernel.CORRECT, PlantedFault.NONE);
  }

  /**
   * A job through {@code kernel}, with {@code fault} applied to the partials: only the verification
   * self-test passes anything but {@link BlockKernel#CORRECT} and {@link PlantedFault#NONE}.
   */
  public LayerPasses(JavaSparkContext jsc, WeightsAndBias params, Loss loss, BlockKernel kernel, PlantedFault fault) {
    this.jsc = jsc;
    this.bcParams = jsc.broadcast(params);
    this.inputDim = params.inputDim;
    this.outputDim = params.outputDim;
    this.loss = loss;
    this.kernel = kernel;
    this.fault = fault;
    this.injected = InjectedFault.fromConf(jsc.getConf());
  }

  /** Faults planted in the aggregation by the self-test, to show the checks catch them. */
  public enum PlantedFault {
    NONE,
    /** Partition 0's partial is lost. */
    DROP_FIRST_PARTITION,
    /** Partition 0's partial is counted twice. */
    FIRST_PARTITION_TWICE;

    java.util.Iterator<GradientPartial> apply(int partition, GradientPartial partial) {
      if (partition != 0 || this == NONE) {
        return List.of(partial).iterator();
      }
      return this == DROP_FIRST_PARTITION ? java.util.Collections.emptyIterator() : List.of(partial, partial).iterator();
    }
  }

  /**
   * Forward and backward over every block: the sum of the partials Σₚ (Xₚᵀ·Gₚ, 1ᵀ·Gₚ, Lₚ, nₚ), combined
   * by {@code treeAggregate} with the given depth. The result comes from the action's return value.
   */
  public GradientPartial gradientSum(JavaRDD<Block> blocks, int treeDepth) {
    return gradientSum(blocks, treeDepth, Aggregation.FIXED);
  }

  /** How the partials are summed. */
  public enum Aggregation {
    /** {@link FixedTree}: a tree fixed by partition indices; the same bits on every run. */
    FIXED,
    /** Spark's treeAggregate: partials combined in the order tasks finish. */
    SPARK;

    public String cliName() {
      return name().toLowerCase(java.util.Locale.ROOT);
    }
  }

  /** {@link #gradientSum(JavaRDD, int)} with the partials summed as {@code aggregation} says. */
  public GradientPartial gradientSum(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation) {
    return gradientSum(blocks, treeDepth, aggregation, false);
  }

  /**
   * The pass of {@link #gradientSum(JavaRDD, int, Aggregation)}; with {@code withInputGradient} each task
   * also computes every block's dX = G·Wᵀ (the third GEMM of a training step, consumed by a layer below)
   * and drops it: the full forward + backward that the benchmarks time against other systems.
   */
  public GradientPartial gradientSum(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation,
      boolean withInputGradient) {
    final Broadcast<WeightsAndBias> bc = bcParams;
    final Loss lossFn = loss;
    final BlockKernel k = kernel;
    final PlantedFault f = fault;
    final InjectedFault inj = injected;
    final int d = inputDim;
    final int m = outputDim;
    jsc.setJobDescription("adjoint: forward + backward, treeAggregate depth " + treeDepth);
    try {
      // one partial per partition, folded block by block ...
      JavaRDD<GradientPartial> partials = blocks.mapPartitionsWithIndex((partition, it) -> {
        if (inj != null) {
          inj.apply(partition);
        }
        GradientPartial partial = GradientPartial.empty(d, m);
        double[] dx = null;
        while (it.hasNext()) {
          Block block = it.next();
          if (withInputGradient && (dx == null || dx.length < block.rows * d)) {
            dx = new double[block.rows * d];
          }
          partial.add(block, bc.value(), lossFn, k, dx);
        }
        return f.apply(partition, partial);
      }, true);
      // ... summed by a tree of merges; the result is the action's return value, never an accumulator.
      if (aggregation == Aggregation.SPARK) {
        return partials.treeAggregate(GradientPartial.empty(d, m), GradientPartial::merge, GradientPartial::merge, treeDepth);
      }
      return FixedTree.aggregate(partials, GradientPartial::merge, treeDepth, GradientPartial.empty(d, m));
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      jsc.setJobDescription(null);
    }
  }

  /**
   * Y and dX per row, distributed: rows (id, Y array&lt;double&gt;, dX array&lt;double&gt;), where dX uses G
   * scaled by {@code gradientScale} (1/n for the mean reduction). BlockReader must carry ids.
   */
  public JavaRDD<Row> activations(JavaRDD<Block> blocks, double gradientScale) {
    final Broadcast<WeightsAndBias> bc = bcParams;
    final Loss lossFn = loss;
    final BlockKernel k = kernel;
    return blocks.mapPartitions(it -> new ActivationRows(it, bc.value(), lossFn, gradientScale, k));
  }

  /** Rows (id, Y, dX) of a partition, computed a block at a time with one GEMM each for Y and dX. */
  private static final class ActivationRows implements Iterator<Row> {
    private final Iterator<Block> blocks;
    private final WeightsAndBias params;
    private final Loss loss;
    private final double gradientScale;
    private final BlockKernel kernel;
    private Block block;
    private BlockActivations computed;
    private int next;

    ActivationRows(Iterator<Block> blocks, WeightsAndBias params, Loss loss, double gradientScale, BlockKernel kernel) {
      this.kernel = kernel;
      this.blocks = blocks;
      this.params = params;
      this.loss = loss;
      this.gradientScale = gradientScale;
    }

    @Override
    public boolean hasNext() {
      while ((block == null || next == block.rows) && blocks.hasNext()) {
        block = blocks.next();
        computed = LinearLayer.activations(block, params, loss, gradientScale, kernel);
        next = 0;
      }
      return block != null && next < block.rows;
    }

    @Override
    public Row next() {
      if (!hasNext()) {
        throw new NoSuchElementException();
      }
      int i = next++;
      return RowFactory.create(block.ids[i], computed.yRow(i), computed.dxRow(i));
    }
  }

  /** Collects at most {@code limit} activation rows to the driver (for printing small cases). */
  public static List<Row> take(JavaRDD<Row> activations, int limit) {
    return new ArrayList<>(activations.take(limit));
  }

  @Override
  public void close() {
    bcParams.destroy();
  }
}
