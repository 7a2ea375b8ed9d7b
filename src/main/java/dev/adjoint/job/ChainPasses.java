package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.ChainPass;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.verify.ChainProbePlan;
import dev.adjoint.verify.ChainProbeSum;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.function.UnaryOperator;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The distributed passes of a chain of layers, the chain's {@link LayerPasses}: the gradient pass is a fold of
 * each partition's blocks into a {@link MeasuredChain} (every layer's dW_l, db_l), summed by
 * {@link BlockAggregation} — the same pass, tree and broadcast as one layer's; Y and dX stay distributed.
 */
public final class ChainPasses implements AutoCloseable {
  private final JavaSparkContext jsc;
  private final LayerChain chain;
  private final Loss loss;
  private final ChainKernel kernel;
  private final UnaryOperator<PartitionFold<LayerChain, Block, MeasuredChain>> around;
  private Broadcast<LayerChain> activationParams;

  public ChainPasses(JavaSparkContext jsc, LayerChain chain, Loss loss) {
    this(jsc, chain, loss, ChainKernel.CORRECT, UnaryOperator.identity());
  }

  /** Passes through {@code kernel}, each partition's gradient fold wrapped by {@code around} (faults, planted bugs). */
  public ChainPasses(JavaSparkContext jsc, LayerChain chain, Loss loss, ChainKernel kernel,
      UnaryOperator<PartitionFold<LayerChain, Block, MeasuredChain>> around) {
    this.jsc = jsc;
    this.chain = chain;
    this.loss = loss;
    this.kernel = kernel;
    this.around = around;
  }

  /**
   * Forward and backward of the chain over every block: Σₚ of each layer's (in_lᵀ·G_l, 1ᵀ·G_l), L and n,
   * merged as {@code aggregation} says; with {@code withInputGradient} each block's dX = G_0·W_0ᵀ is also
   * computed and dropped (the full training step the benchmarks time).
   */
  public MeasuredChain gradientSum(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation,
      boolean withInputGradient) {
    return BlockAggregation.sum(jsc, "adjoint: chain forward + backward " + chain + ", " + aggregation.cliName()
        + " tree of depth " + treeDepth, blocks, chain, around.apply(new GradientFold(loss, kernel, chain.widths(), withInputGradient)),
        MeasuredChain::merge, MeasuredChain.empty(chain.widths()), aggregation, treeDepth);
  }

  /**
   * The gradient pass of {@link #gradientSum} with the checks' probes riding on it: each block, once the
   * gradient's (wrapped) fold has run its forward and backward, is folded with that kept state into a
   * {@link ChainProbeSum} of {@code plan}. One read of the data for both, aggregated side by side.
   */
  public ChainWithProbes gradientSumWithProbes(JavaRDD<Block> blocks, int treeDepth, Aggregation aggregation,
      ChainProbePlan plan) {
    final int[] widths = chain.widths();
    final GradientFold inner = new GradientFold(loss, kernel, widths, false);
    final PartitionFold<LayerChain, Block, MeasuredChain> gradient = around.apply(inner);
    PartitionFold<ChainProbePlan, Block, ChainWithProbes> fold = (partition, it, p) -> {
      ChainProbeSum probes = ChainProbeSum.empty(p);
      ProbingIterator tee = new ProbingIterator(it, probes, p, partition, inner);
      MeasuredChain partial = gradient.fold(partition, tee, p.chain());
      while (tee.hasNext()) {  // a fold that stopped early still lets the probes see every block
        tee.next();
      }
      tee.probePrevious();
      partial.metrics().addChecks(tee.nanos);
      return new ChainWithProbes(partial, probes);
    };
    return BlockAggregation.sum(jsc, "adjoint: chain forward + backward with the checks' probes " + chain + ", "
        + aggregation.cliName() + " tree of depth " + treeDepth, blocks, plan, fold, ChainWithProbes::merge,
        new ChainWithProbes(MeasuredChain.empty(widths), ChainProbeSum.empty(plan)), aggregation, treeDepth);
  }

  /**
   * A partition's blocks as the gradient's fold reads them; asked for the next, it first probes the previous
   * one, whose forward and backward the fold has finished and whose state it still holds (a block the fold
   * never saw gets its own).
   */
  private static final class ProbingIterator implements Iterator<Block> {
    private final Iterator<Block> blocks;
    private final ChainProbeSum probes;
    private final ChainProbePlan plan;
    private final int partition;
    private final GradientFold fold;
    private Block previous;
    private long index;
    private ChainPass own;
    long nanos;

    ProbingIterator(Iterator<Block> blocks, ChainProbeSum probes, ChainProbePlan plan, int partition, GradientFold fold) {
      this.blocks = blocks;
      this.probes = probes;
      this.plan = plan;
      this.partition = partition;
      this.fold = fold;
    }

    @Override
    public boolean hasNext() {
      return blocks.hasNext();
    }

    @Override
    public Block next() {
      probePrevious();
      previous = blocks.next();
      return previous;
    }

    void probePrevious() {
      if (previous == null) {
        return;
      }
      long t0 = System.nanoTime();
      ChainPass state = fold.state;
      if (state == null || state.block() != previous) {
        own = own == null ? new ChainPass(plan.chain()) : own;
        ChainPartial.empty(plan.chain().widths()).add(previous, own, fold.loss, fold.kernel, null, null);
        state = own;
      }
      probes.add(previous, state, plan, partition, index++);
      previous = null;
      nanos += System.nanoTime() - t0;
    }
  }

  /** Each block's forward, loss and backward into one partial; keeps the last block's state (for the probes). */
  static final class GradientFold implements PartitionFold<LayerChain, Block, MeasuredChain> {
    private static final long serialVersionUID = 1L;
    final Loss loss;
    final ChainKernel kernel;
    private final int[] widths;
    private final boolean withInputGradient;
    transient ChainPass state;

    GradientFold(Loss loss, ChainKernel kernel, int[] widths, boolean withInputGradient) {
      this.loss = loss;
      this.kernel = kernel;
      this.widths = widths;
      this.withInputGradient = withInputGradient;
    }

    @Override
    public MeasuredChain fold(int partition, Iterator<Block> it, LayerChain c) {
      MeasuredChain partial = MeasuredChain.empty(widths);
      state = new ChainPass(c);
      double[] dx = null;
      while (it.hasNext()) {
        Block block = it.next();
        if (withInputGradient && (dx == null || dx.length < block.rows * widths[0])) {
          dx = new double[block.rows * widths[0]];
        }
        partial.gradient().add(block, state, loss, kernel, dx, partial.metrics());
      }
      return partial;
    }
  }

  /**
   * Y and dX per row, distributed: rows (id, Y, dX), where dX uses G scaled by {@code gradientScale} (1/n for
   * the mean reduction). Blocks must carry ids.
   */
  public JavaRDD<Row> activations(JavaRDD<Block> blocks, double gradientScale) {
    if (activationParams == null) {
      activationParams = jsc.broadcast(chain);
    }
    final Broadcast<LayerChain> bc = activationParams;
    final Loss lossFn = loss;
    final ChainKernel k = kernel;
    return blocks.mapPartitions(it -> new ActivationRows(it, bc.value(), lossFn, gradientScale, k));
  }

  /** Rows (id, Y, dX) of a partition, a block at a time through the chain's forward and backward. */
  private static final class ActivationRows implements Iterator<Row> {
    private final Iterator<Block> blocks;
    private final ChainPass state;
    private final Loss loss;
    private final double gradientScale;
    private final ChainKernel kernel;
    private final double[][] dw;
    private final double[][] db;
    private Block block;
    private double[] y;
    private double[] dx;
    private int next;

    ActivationRows(Iterator<Block> blocks, LayerChain chain, Loss loss, double gradientScale, ChainKernel kernel) {
      this.blocks = blocks;
      this.state = new ChainPass(chain);
      this.loss = loss;
      this.gradientScale = gradientScale;
      this.kernel = kernel;
      int depth = chain.depth();
      this.dw = new double[depth][];
      this.db = new double[depth][];
      for (int l = 0; l < depth; l++) {
        dw[l] = new double[chain.width(l) * chain.width(l + 1)];
        db[l] = new double[chain.width(l + 1)];
      }
    }

    @Override
    public boolean hasNext() {
      while ((block == null || next == block.rows) && blocks.hasNext()) {
        block = blocks.next();
        int m = state.chain().outputDim();
        state.forward(block);
        y = java.util.Arrays.copyOf(state.output(), block.rows * m);
        state.lossAndGradient(loss);
        Dense.scale(state.preActivationGradient(state.chain().depth() - 1), block.rows * m, gradientScale);
        dx = new double[block.rows * state.chain().inputDim()];
        state.backward(kernel, dw, db, dx);
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
      int m = state.chain().outputDim();
      int d = state.chain().inputDim();
      double[] yi = new double[m];
      double[] dxi = new double[d];
      System.arraycopy(y, i * m, yi, 0, m);
      System.arraycopy(dx, i * d, dxi, 0, d);
      return RowFactory.create(block.ids[i], yi, dxi);
    }
  }

  @Override
  public void close() {
    if (activationParams != null) {
      activationParams.destroy();
    }
  }
}
