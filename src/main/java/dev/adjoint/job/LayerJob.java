package dev.adjoint.job;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.GradientSum;
import dev.adjoint.kernel.LayerParams;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
import java.util.ArrayList;
import java.util.Arrays;
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
 * folds its blocks into one {@link GradientSum}, {@code treeAggregate} sums the partials; Y and dX stay
 * distributed. Closing destroys the broadcast.
 */
public final class LayerJob implements AutoCloseable {
  private final JavaSparkContext jsc;
  private final Broadcast<LayerParams> bcParams;
  private final int inputDim;
  private final int outputDim;
  private final Loss loss;

  public LayerJob(JavaSparkContext jsc, LayerParams params, Loss loss) {
    this.jsc = jsc;
    this.bcParams = jsc.broadcast(params);
    this.inputDim = params.inputDim;
    this.outputDim = params.outputDim;
    this.loss = loss;
  }

  /**
   * Forward and backward over every block: the sum of the partials Σₚ (Xₚᵀ·Gₚ, 1ᵀ·Gₚ, Lₚ, nₚ), combined
   * by {@code treeAggregate} with the given depth. The result comes from the action's return value.
   */
  public GradientSum gradientSum(JavaRDD<Block> blocks, int treeDepth) {
    final Broadcast<LayerParams> bc = bcParams;
    final Loss lossFn = loss;
    jsc.setJobDescription("adjoint: forward + backward, treeAggregate depth " + treeDepth);
    try {
      return blocks.treeAggregate(GradientSum.empty(inputDim, outputDim),
          (partial, block) -> partial.add(block, bc.value(), lossFn),
          GradientSum::merge,
          treeDepth);
    } finally {
      jsc.clearJobGroup();
    }
  }

  /**
   * Y and dX per row, distributed: rows (id, Y array&lt;double&gt;, dX array&lt;double&gt;), where dX uses G
   * scaled by {@code gradientScale} (1/n for the mean reduction). Blocks must carry ids.
   */
  public JavaRDD<Row> activations(JavaRDD<Block> blocks, double gradientScale) {
    final Broadcast<LayerParams> bc = bcParams;
    final Loss lossFn = loss;
    return blocks.mapPartitions(it -> new ActivationRows(it, bc.value(), lossFn, gradientScale));
  }

  /** Rows (id, Y, dX) of a partition, computed a block at a time with one GEMM each for Y and dX. */
  private static final class ActivationRows implements Iterator<Row> {
    private final Iterator<Block> blocks;
    private final LayerParams params;
    private final Loss loss;
    private final double gradientScale;
    private Block block;
    private double[][] yAndDx;
    private int next;

    ActivationRows(Iterator<Block> blocks, LayerParams params, Loss loss, double gradientScale) {
      this.blocks = blocks;
      this.params = params;
      this.loss = loss;
      this.gradientScale = gradientScale;
    }

    @Override
    public boolean hasNext() {
      while ((block == null || next == block.rows) && blocks.hasNext()) {
        block = blocks.next();
        yAndDx = LinearLayer.activations(block, params, loss, gradientScale);
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
      int m = params.outputDim;
      int d = params.inputDim;
      double[] y = Arrays.copyOfRange(yAndDx[0], i * m, (i + 1) * m);
      double[] dx = Arrays.copyOfRange(yAndDx[1], i * d, (i + 1) * d);
      return RowFactory.create(block.ids[i], y, dx);
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
