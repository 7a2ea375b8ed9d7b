package dev.adjoint.kernel;

import dev.ludovic.netlib.blas.BLAS;

/**
 * Level-3 BLAS on row-major blocks, one call per block; names say the formula.
 *
 * <p>BLAS is column-major. A row-major matrix A [r×c] is, read column-major, Aᵀ [c×r] with leading
 * dimension c. So row-major C = op(A)·op(B) is issued as column-major Cᵀ = op(B)ᵀ·op(A)ᵀ, which swaps
 * the operands and keeps the transpose flags; no matrix is ever copied to transpose it.
 */
public final class Dense {
  private Dense() {}

  private static final BLAS BLAS_INSTANCE = BLAS.getInstance();

  /**
   * Forward: Y = X·W + 1·bᵀ. X [n×d], W [d×m], b [m] → Y [n×m]. Overwrites {@code y} (first n·m entries).
   */
  public static void multAddBias(double[] x, int n, int d, double[] w, int m, double[] b, double[] y) {
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      System.arraycopy(b, 0, y, i * m, m);
    }
    // column-major: Yᵀ[m×n] = Wᵀ[m×d]·Xᵀ[d×n] + Yᵀ
    BLAS_INSTANCE.dgemm("N", "N", m, n, d, 1.0, w, m, x, d, 1.0, y, m);
  }

  /**
   * Weight gradient: dW += Xᵀ·G. [n×d]ᵀ·[n×m] → [d×m]. Adds into {@code dw}.
   */
  public static void multTransAAdd(double[] x, int n, int d, double[] g, int m, double[] dw) {
    if (n == 0) {
      return;
    }
    // column-major: dWᵀ[m×d] += Gᵀ[m×n]·(Xᵀ[d×n])ᵀ
    BLAS_INSTANCE.dgemm("N", "T", m, d, n, 1.0, g, m, x, d, 1.0, dw, m);
  }

  /**
   * Input gradient: dX = G·Wᵀ. [n×m]·[d×m]ᵀ → [n×d]. Overwrites {@code dx} (first n·d entries).
   */
  public static void multTransB(double[] g, int n, int m, double[] w, int d, double[] dx) {
    if (n == 0) {
      return;
    }
    // column-major: dXᵀ[d×n] = (Wᵀ[m×d])ᵀ·Gᵀ[m×n]
    BLAS_INSTANCE.dgemm("T", "N", d, n, m, 1.0, w, m, g, m, 0.0, dx, d);
  }

  /** Product: C = A·B. A [n×k], B [k×p] → C [n×p]. Overwrites {@code c}. */
  public static void mult(double[] a, int n, int k, double[] b, int p, double[] c) {
    if (n == 0) {
      return;
    }
    // column-major: Cᵀ[p×n] = Bᵀ[p×k]·Aᵀ[k×n]
    BLAS_INSTANCE.dgemm("N", "N", p, n, k, 1.0, b, p, a, k, 0.0, c, p);
  }

  /** Forward in float32: Y = X·W + 1·bᵀ, the float analogue of {@link #multAddBias}. */
  public static void multAddBias(float[] x, int n, int d, float[] w, int m, float[] b, float[] y) {
    if (n == 0) {
      return;
    }
    for (int i = 0; i < n; i++) {
      System.arraycopy(b, 0, y, i * m, m);
    }
    BLAS_INSTANCE.sgemm("N", "N", m, n, d, 1.0f, w, m, x, d, 1.0f, y, m);
  }

  /** Weight gradient in float32: dW = Xᵀ·G (overwrites {@code dw}). */
  public static void multTransA(float[] x, int n, int d, float[] g, int m, float[] dw) {
    if (n == 0) {
      return;
    }
    BLAS_INSTANCE.sgemm("N", "T", m, d, n, 1.0f, g, m, x, d, 0.0f, dw, m);
  }

  /** Input gradient in float32: dX = G·Wᵀ (overwrites {@code dx}). */
  public static void multTransB(float[] g, int n, int m, float[] w, int d, float[] dx) {
    if (n == 0) {
      return;
    }
    BLAS_INSTANCE.sgemm("T", "N", d, n, m, 1.0f, w, m, g, m, 0.0f, dx, d);
  }

  /** The first {@code len} entries rounded to float32. */
  public static float[] toFloat(double[] a, int len) {
    float[] r = new float[len];
    for (int i = 0; i < len; i++) {
      r[i] = (float) a[i];
    }
    return r;
  }

  /** Bias gradient: db += 1ᵀ·G, the column sums of G [n×m]. Adds into {@code db} [m]. */
  public static void colSumsAdd(double[] g, int n, int m, double[] db) {
    for (int i = 0; i < n; i++) {
      int row = i * m;
      for (int j = 0; j < m; j++) {
        db[j] += g[row + j];
      }
    }
  }

  /** |a|, entrywise, as a new array of the first {@code len} entries. */
  public static double[] abs(double[] a, int len) {
    double[] r = new double[len];
    for (int i = 0; i < len; i++) {
      r[i] = Math.abs(a[i]);
    }
    return r;
  }

  /** max |aᵢ|. */
  public static double maxAbs(double[] a) {
    double r = 0;
    for (double v : a) {
      r = Math.max(r, Math.abs(v));
    }
    return r;
  }

  /** max |aᵢ − eᵢ| / max |eᵢ| (or the max difference when e is zero): the normwise relative error of a against e. */
  public static double normwiseRelError(double[] a, double[] e) {
    Shapes.require(a.length == e.length, "comparing arrays of " + a.length + " and " + e.length + " entries");
    double diff = 0;
    double scale = 0;
    for (int k = 0; k < e.length; k++) {
      diff = Math.max(diff, Math.abs(a[k] - e[k]));
      scale = Math.max(scale, Math.abs(e[k]));
    }
    return scale == 0 ? diff : diff / scale;
  }

  /** acc += other, entrywise (equal lengths). */
  public static void addInto(double[] acc, double[] other) {
    for (int i = 0; i < acc.length; i++) {
      acc[i] += other[i];
    }
  }

  /** a *= s, the first {@code len} entries. */
  public static void scale(double[] a, int len, double s) {
    for (int i = 0; i < len; i++) {
      a[i] *= s;
    }
  }
}
