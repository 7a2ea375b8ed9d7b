package dev.adjoint.kernel;

/**
 * The layer with its products in float32 (sgemm): X, W, b and G are rounded to float32 for each block's
 * GEMMs; the loss and G are computed in float64 from the float32 Y; each block's dW and db are summed
 * in float32 and added into float64 partials (float32 within a block, float64 across blocks). Half the
 * memory traffic of float64 and about twice the GEMM rate; the results carry float32 rounding
 * (u = 2⁻²⁴), which the checks' tolerances take into account.
 */
public final class Float32Kernel implements BlockKernel {
  private static final long serialVersionUID = 1L;

  @Override
  public double unitRoundoff() {
    return 0x1p-24;
  }

  @Override
  public void forward(Block block, WeightsAndBias p, double[] y) {
    int n = block.rows;
    int m = p.outputDim;
    Scratch s = SCRATCH.get().of(block, p);
    float[] y32 = s.y32(n * m);
    Dense.multAddBias(s.x32, n, block.features, s.w32, m, s.b32, y32);
    for (int k = 0; k < n * m; k++) {
      y[k] = y32[k];
    }
  }

  @Override
  public void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
    int n = block.rows;
    int d = block.features;
    Scratch s = SCRATCH.get().ofBlock(block);
    float[] g32 = s.g32(g, n * m);
    float[] dw = s.dw32(d * m);
    Dense.multTransA(s.x32, n, d, g32, m, dw);
    for (int k = 0; k < d * m; k++) {
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
  public void backwardInput(double[] g, int rows, WeightsAndBias p, double[] dx) {
    Scratch s = SCRATCH.get().ofParams(p);
    float[] dx32 = s.dx32(rows * p.inputDim);
    Dense.multTransB(s.g32(g, rows * p.outputDim), rows, p.outputDim, s.w32, p.inputDim, dx32);
    for (int k = 0; k < rows * p.inputDim; k++) {
      dx[k] = dx32[k];
    }
  }

  /**
   * Each task thread's float32 copies: X of the last block and W, b of the last parameters (converted once,
   * not in every step), and buffers for Y, G, dW and dX. Static and per thread, so the kernel itself stays
   * stateless and one broadcast instance serves every task; it holds on to one block per thread.
   */
  private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

  private static final class Scratch {
    private Block block;
    private WeightsAndBias params;
    float[] x32;
    float[] w32;
    float[] b32;
    private float[] y32 = new float[0];
    private float[] g32 = new float[0];
    private float[] dw32 = new float[0];
    private float[] dx32 = new float[0];

    Scratch of(Block b, WeightsAndBias p) {
      return ofBlock(b).ofParams(p);
    }

    Scratch ofBlock(Block b) {
      if (b != block) {
        block = b;
        x32 = Dense.toFloat(b.x, b.rows * b.features);
      }
      return this;
    }

    Scratch ofParams(WeightsAndBias p) {
      if (p != params) {
        params = p;
        w32 = Dense.toFloat(p.weights, p.weights.length);
        b32 = Dense.toFloat(p.bias, p.outputDim);
      }
      return this;
    }

    float[] y32(int len) {
      return y32 = atLeast(y32, len);
    }

    float[] dw32(int len) {
      return dw32 = atLeast(dw32, len);
    }

    float[] dx32(int len) {
      return dx32 = atLeast(dx32, len);
    }

    /** G rounded to float32 into the reused buffer. */
    float[] g32(double[] g, int len) {
      g32 = atLeast(g32, len);
      for (int k = 0; k < len; k++) {
        g32[k] = (float) g[k];
      }
      return g32;
    }

    private static float[] atLeast(float[] a, int len) {
      return a.length >= len ? a : new float[len];
    }
  }

  @Override
  public String toString() {
    return "float32";
  }
}
