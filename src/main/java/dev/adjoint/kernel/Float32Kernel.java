package dev.adjoint.kernel;

/**
 * The layer with its products in float32 (sgemm): X, W, b and G are rounded to float32 for each block's
 * GEMMs; the loss and G are computed in float64 from the float32 Y; each block's dW and db are summed
 * in float32 and added into float64 partials (float32 within a block, float64 across blocks). Half the
 * memory traffic of float64 and about twice the GEMM rate; the results carry float32 rounding
 * (u = 2⁻²⁴), which the checks' tolerances take into account.
 */
public final class Float32Kernel implements LayerKernel {
  private static final long serialVersionUID = 1L;

  @Override
  public double unitRoundoff() {
    return 0x1p-24;
  }

  @Override
  public void forward(Block block, LayerParams p, double[] y) {
    int n = block.rows;
    int m = p.outputDim;
    float[] y32 = new float[n * m];
    float[] w = Dense.toFloat(p.weights, p.weights.length);
    float[] b = Dense.toFloat(p.bias, m);
    Dense.multAddBias(x32(block), n, block.features, w, m, b, y32);
    for (int k = 0; k < n * m; k++) {
      y[k] = y32[k];
    }
  }

  @Override
  public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
    int n = block.rows;
    int d = block.features;
    float[] g32 = Dense.toFloat(g, n * m);
    float[] dw = new float[d * m];
    Dense.multTransA(x32(block), n, d, g32, m, dw);
    for (int k = 0; k < dw.length; k++) {
      dwSum[k] += dw[k];
    }
    float[] db = new float[m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        db[j] += g32[i * m + j];
      }
    }
    for (int j = 0; j < m; j++) {
      dbSum[j] += db[j];
    }
  }

  @Override
  public void backwardInput(double[] g, int rows, LayerParams p, double[] dx) {
    float[] dx32 = new float[rows * p.inputDim];
    float[] w = Dense.toFloat(p.weights, p.weights.length);
    Dense.multTransB(Dense.toFloat(g, rows * p.outputDim), rows, p.outputDim, w, p.inputDim, dx32);
    for (int k = 0; k < dx32.length; k++) {
      dx[k] = dx32[k];
    }
  }

  /** X_block rounded to float32. Converted per call (W too): stateless, so one instance may serve many threads. */
  private static float[] x32(Block block) {
    return Dense.toFloat(block.x, block.rows * block.features);
  }

  @Override
  public String toString() {
    return "float32";
  }
}
