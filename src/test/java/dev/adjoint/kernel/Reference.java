package dev.adjoint.kernel;

/**
 * The single-node reference the tests compare against: plain loops straight from the formulas, no
 * BLAS, no blocks. Row-major arrays.
 */
public final class Reference {
  private Reference() {}

  /** Y = X·W + 1·bᵀ. */
  public static double[] forward(double[] x, int n, int d, double[] w, int m, double[] b) {
    double[] y = new double[n * m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        double s = b[j];
        for (int k = 0; k < d; k++) {
          s += x[i * d + k] * w[k * m + j];
        }
        y[i * m + j] = s;
      }
    }
    return y;
  }

  /** G = ∂L/∂Y for the loss (sum: 1; squared: Y − T). */
  public static double[] grad(Loss loss, double[] y, double[] t) {
    double[] g = new double[y.length];
    for (int k = 0; k < y.length; k++) {
      g[k] = loss == Loss.SUM ? 1.0 : y[k] - t[k];
    }
    return g;
  }

  /** L = ΣY or ½Σ(Y − T)². */
  public static double loss(Loss loss, double[] y, double[] t) {
    double s = 0;
    for (int k = 0; k < y.length; k++) {
      s += loss == Loss.SUM ? y[k] : 0.5 * (y[k] - t[k]) * (y[k] - t[k]);
    }
    return s;
  }

  /** dW = Xᵀ·G [d×m]. */
  public static double[] dW(double[] x, int n, int d, double[] g, int m) {
    double[] dw = new double[d * m];
    for (int k = 0; k < d; k++) {
      for (int j = 0; j < m; j++) {
        double s = 0;
        for (int i = 0; i < n; i++) {
          s += x[i * d + k] * g[i * m + j];
        }
        dw[k * m + j] = s;
      }
    }
    return dw;
  }

  /** db = 1ᵀ·G [m]. */
  public static double[] db(double[] g, int n, int m) {
    double[] db = new double[m];
    for (int i = 0; i < n; i++) {
      for (int j = 0; j < m; j++) {
        db[j] += g[i * m + j];
      }
    }
    return db;
  }

  /** dX = G·Wᵀ [n×d]. */
  public static double[] dX(double[] g, int n, int m, double[] w, int d) {
    double[] dx = new double[n * d];
    for (int i = 0; i < n; i++) {
      for (int k = 0; k < d; k++) {
        double s = 0;
        for (int j = 0; j < m; j++) {
          s += g[i * m + j] * w[k * m + j];
        }
        dx[i * d + k] = s;
      }
    }
    return dx;
  }
}
