package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.LinearLayer;
import dev.adjoint.kernel.Loss;
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

  /**
   * Cross-entropy's softmax without the max shift: e^{y} overflows to ∞ once a logit passes 709.78, and G
   * and L become NaN (right wherever every logit is small).
   */
  public static final BlockKernel SOFTMAX_NO_SHIFT = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradient(Loss loss, double[] y, double[] t, int n, int m) {
      double total = 0;
      for (int i = 0; i < n; i++) {
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += Math.exp(y[i * m + j]);
        }
        int c = (int) t[i];
        total += Math.log(s) - y[i * m + c];
        for (int j = 0; j < m; j++) {
          y[i * m + j] = Math.exp(y[i * m + j]) / s - (j == c ? 1 : 0);
        }
      }
      return total;
    }
  };

  /** The logistic loss's G as σ(Y), the − T left out (the loss itself right). */
  public static final BlockKernel SIGMOID_WITHOUT_TARGETS = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradient(Loss loss, double[] y, double[] t, int n, int m) {
      double l = loss.lossSumAndGradientInPlace(y, t, n, m);  // G = σ(Y) − T
      for (int k = 0; k < n * m; k++) {
        y[k] += t[k];
      }
      return l;
    }
  };

  /** Huber's loss, value and G alike, clipped at 2δ instead of δ: consistent with itself, wrong against the formula. */
  public static final BlockKernel HUBER_DOUBLE_DELTA = new BlockKernel() {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradient(Loss loss, double[] y, double[] t, int n, int m) {
      return Loss.huber(2 * loss.huberDelta()).lossSumAndGradientInPlace(y, t, n, m);
    }
  };

  /** dW scaled by 1 + ε (every entry, every block): the sensitivity table's systematic error. */
  public static BlockKernel scaledWeightGradient(double eps) {
    return new ScaledWeightGradient(eps, -1);
  }

  /** One dW entry (flat index {@code entry}, row-major [d×m]) scaled by 1 + ε in every block. */
  public static BlockKernel scaledWeightEntry(double eps, int entry) {
    return new ScaledWeightGradient(eps, entry);
  }

  /** db scaled by 1 + ε in every block. */
  public static BlockKernel scaledBiasGradient(double eps) {
    return new ScaledBiasGradient(eps);
  }

  /** The kernel's dW of a block, scaled by 1 + ε in one entry or (entry −1) in all. */
  private static final class ScaledWeightGradient implements BlockKernel {
    private static final long serialVersionUID = 1L;
    private final double eps;
    private final int entry;

    ScaledWeightGradient(double eps, int entry) {
      this.eps = eps;
      this.entry = entry;
    }

    @Override
    public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
      double[] dw = new double[dwSum.length];
      LinearLayer.backwardParams(block, g, m, dw, dbSum);
      for (int q = 0; q < dw.length; q++) {
        dwSum[q] += (entry < 0 || q == entry) ? dw[q] * (1 + eps) : dw[q];
      }
    }
  }

  /** The kernel's db of a block scaled by 1 + ε. */
  private static final class ScaledBiasGradient implements BlockKernel {
    private static final long serialVersionUID = 1L;
    private final double eps;

    ScaledBiasGradient(double eps) {
      this.eps = eps;
    }

    @Override
    public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
      double[] db = new double[m];
      LinearLayer.backwardParams(block, g, m, dwSum, db);
      for (int j = 0; j < m; j++) {
        dbSum[j] += db[j] * (1 + eps);
      }
    }
  }
}
