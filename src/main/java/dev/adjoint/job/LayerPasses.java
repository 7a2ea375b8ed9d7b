package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.verify.ProbePlan;
import dev.adjoint.verify.ProbeSum;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The distributed passes of one layer. The gradient pass is a fold of each partition's blocks into a
 * {@link MeasuredPartial}, summed by {@link BlockAggregation} (W and b broadcast once per pass); Y and dX
 * stay distributed ({@link #activations}). Closing destroys the activations' broadcast.
 */
public final class LayerPasses implements AutoCloseable {
  private final JavaSparkContext jsc;
  private final WeightsAndBias params;
  private final Loss loss;
  private final BlockKernel kernel;
  private final UnaryOperator<PartitionFold<WeightsAndBias, Block, MeasuredPartial>> around;
  private Broadcast<WeightsAndBias> activationParams;

  public LayerPasses(JavaSparkContext jsc, WeightsAndBias params, Loss loss) {
    this(jsc, params, loss, BlockKernel.CORRECT, UnaryOperator.identity());
  }

  /**
   * Passes through {@code kernel}, with each partition's fold of the gradient pass wrapped by {@code around}
   * (identity but for the tests' injected faults and the self-test's planted ones, which wrap it from outside).
   */
  public LayerPasses(JavaSparkContext jsc, WeightsAndBias params, Loss loss, BlockKernel kernel,
      UnaryOperator<PartitionFold<WeightsAndBias, Block, MeasuredPartial>> around) {
    this.jsc = jsc;
    this.params = params;
    this.loss = loss;
    this.kernel = kernel;
    this.around = around;
  }

  /**
   * Forward and backward over every block: the sum of the partials Σₚ (Xₚᵀ·Gₚ, 1ᵀ·Gₚ, Lₚ, nₚ) and the
   * pass's metrics, merged by the fixed tree of the given depth.
   */
  public MeasuredPartial gradientSum(JavaRDD<Block> blocks, int treeDepth) {
    return gradientSum(blocks, treeDepth, Aggregation.FIXED);
  }

  /** {@link #gradientSum(JavaRDD, int)} with the partials summed as {@code aggregation} says. */
  public MeasuredPartial gradientSum(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation) {
    return gradientSum(blocks, treeDepth, aggregation, false);
  }

  /**
   * The pass of {@link #gradientSum(JavaRDD, int, Aggregation)}; with {@code withInputGradient} each task
   * also computes every block's dX = G·Wᵀ (the third GEMM of a training step, consumed by a layer below)
   * and drops it: the full forward + backward that the benchmarks time against other systems.
   */
  public MeasuredPartial gradientSum(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation,
      boolean withInputGradient) {
    final int d = params.inputDim;
    final int m = params.outputDim;
    return BlockAggregation.sum(jsc, "adjoint: forward + backward, " + aggregation.cliName() + " tree of depth "
        + treeDepth, blocks, params, around.apply(gradientFold(withInputGradient)), MeasuredPartial::merge,
        MeasuredPartial.empty(d, m), aggregation, treeDepth);
  }

  /**
   * The gradient pass of {@link #gradientSum(JavaRDD, int, Aggregation)} with the checks' probes riding on
   * it: each block the gradient's fold reads is also folded into a {@link ProbeSum} of {@code plan}, and a
   * block the plan's sample keeps gets its partial from the same (wrapped) fold run on that block alone.
   * One read of the data for both; the two sums are aggregated side by side, so that a fault in the
   * gradient's aggregation shows against the probes'.
   */
  public PassWithProbes gradientSumWithProbes(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation,
      ProbePlan plan) {
    final int d = params.inputDim;
    final int m = params.outputDim;
    final PartitionFold<WeightsAndBias, Block, MeasuredPartial> gradient = around.apply(gradientFold(false));
    PartitionFold<ProbePlan, Block, PassWithProbes> fold = (partition, it, shared) -> {
      ProbeSum probes = ProbeSum.empty(shared);
      ProbingIterator tee = new ProbingIterator(it, probes, shared, partition);
      MeasuredPartial partial = gradient.fold(partition, tee, shared.base());
      while (tee.hasNext()) {  // a fold that stopped early still lets the probes see every block
        tee.next();
      }
      long t0 = System.nanoTime();
      probes.finishPartition(shared, one -> foldOne(gradient, partition, one, shared.base()));
      tee.nanos += System.nanoTime() - t0;
      partial.metrics().addChecks(tee.nanos);
      return new PassWithProbes(partial, probes);
    };
    return BlockAggregation.sum(jsc, "adjoint: forward + backward with the checks' probes, " + aggregation.cliName()
        + " tree of depth " + treeDepth, blocks, plan, fold, PassWithProbes::merge,
        new PassWithProbes(MeasuredPartial.empty(d, m), ProbeSum.empty(plan)), aggregation, treeDepth);
  }

  /** A partition's blocks as the gradient's fold reads them, each also folded into the probes on its way. */
  private static final class ProbingIterator implements Iterator<Block> {
    private final Iterator<Block> blocks;
    private final ProbeSum probes;
    private final ProbePlan plan;
    private final int partition;
    private long index;
    long nanos;

    ProbingIterator(Iterator<Block> blocks, ProbeSum probes, ProbePlan plan, int partition) {
      this.blocks = blocks;
      this.probes = probes;
      this.plan = plan;
      this.partition = partition;
    }

    @Override
    public boolean hasNext() {
      return blocks.hasNext();
    }

    @Override
    public Block next() {
      Block b = blocks.next();
      long t0 = System.nanoTime();
      probes.add(b, plan, partition, index++, true);
      nanos += System.nanoTime() - t0;
      return b;
    }
  }

  /** The gradient partial of one block alone, through {@code fold} (so a planted fault applies to it too). */
  private static GradientPartial foldOne(PartitionFold<WeightsAndBias, Block, MeasuredPartial> fold, int partition,
      Block block, WeightsAndBias p) {
    try {
      return fold.fold(partition, List.of(block).iterator(), p).gradient();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Forward and backward of each block into one partial ({@code withInputGradient}: also dX, dropped). */
  private PartitionFold<WeightsAndBias, Block, MeasuredPartial> gradientFold(boolean withInputGradient) {
    final Loss lossFn = loss;
    final BlockKernel k = kernel;
    final int d = params.inputDim;
    final int m = params.outputDim;
    return (partition, it, p) -> {
      MeasuredPartial partial = MeasuredPartial.empty(d, m);
      double[] dx = null;
      while (it.hasNext()) {
        Block block = it.next();
        if (withInputGradient && (dx == null || dx.length < block.rows * d)) {
          dx = new double[block.rows * d];
        }
        partial.gradient().add(block, p, lossFn, k, dx, partial.metrics());
      }
      return partial;
    };
  }

  /**
   * Y and dX per row, distributed: rows (id, Y array&lt;double&gt;, dX array&lt;double&gt;), where dX uses G
   * scaled by {@code gradientScale} (1/n for the mean reduction). Blocks must carry ids.
   */
  public JavaRDD<Row> activations(JavaRDD<Block> blocks, double gradientScale) {
    if (activationParams == null) {
      activationParams = jsc.broadcast(params);
    }
    final Broadcast<WeightsAndBias> bc = activationParams;
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
    if (activationParams != null) {
      activationParams.destroy();
    }
  }
}
