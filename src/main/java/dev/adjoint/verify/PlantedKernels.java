package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;

/**
 * Kernels with one planted bug each, for the self-test that shows the checks catch them. Never used
 * to compute a result.
 */
public final class PlantedKernels {
  private PlantedKernels() {}

  /** dW from the wrong G: the loss derivative is not multiplied through (dW = Xᵀ·1); db is right. */
  public static final BlockKernel WRONG_G = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
      double[] ones = new double[block.rows * m];
      java.util.Arrays.fill(ones, 1.0);
      Dense.multTransAAdd(block.x, block.rows, block.features, ones, m, dwSum);
      Dense.colSumsAdd(g, block.rows, m, dbSum);
    }
  };

  /** db as the block's mean of G instead of its sum. */
  public static final BlockKernel DB_MEAN = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
      Dense.multTransAAdd(block.x, block.rows, block.features, g, m, dwSum);
      double[] colSums = new double[m];
      Dense.colSumsAdd(g, block.rows, m, colSums);
      for (int j = 0; j < m; j++) {
        dbSum[j] += colSums[j] / block.rows;
      }
    }
  };

  /** dX = G·W instead of G·Wᵀ (only possible when W is square). */
  public static final BlockKernel DX_USES_W = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public void backwardInput(double[] g, int rows, WeightsAndBias p, double[] dx) {
      Dense.mult(g, rows, p.outputDim, p.weights, p.inputDim, dx);
    }
  };

  /** The bias left out of the forward: Y = X·W. */
  public static final BlockKernel NO_BIAS_FORWARD = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public void forward(Block block, WeightsAndBias p, double[] y) {
      Dense.multAddBias(block.x, block.rows, block.features, p.weights, p.outputDim, new double[p.outputDim], y);
    }
  };
}
