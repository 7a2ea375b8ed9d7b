package dev.adjoint.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The layer's pass on the BLAS this JVM runs (the bundled OpenBLAS in the suite on Linux x86-64) and on
 * netlib's Java BLAS, in the same JVM, agree entry by entry within a rounding bound derived below.
 *
 * <p>The pass, as kernel/Dense issues it (row-major arrays read as column-major transposes, one GEMM per
 * product, transpose flags and no copies; replayed here because this package sits below the kernel):
 * Y = X·W + 1·bᵀ (dgemm with β = 1 onto rows of b), G = Y − T, dW = Xᵀ·G, dX = G·Wᵀ.
 * X [n×d], W [d×m], b [m], T [n×m].
 *
 * <p>The bound. u = 2⁻⁵³, γ_k = k·u / (1 − k·u). An inner product of length k, summed in any order, with
 * or without FMA (as any BLAS may), is within γ_k·|x|ᵀ|y| of the exact one (Higham, Accuracy and Stability
 * of Numerical Algorithms, §3.1 and §3.5). For each BLAS β, with exact Y, G and products:
 * <ul>
 *   <li>Y_β: an inner product of length d + 1 (b is one more term): |Y_β − Y| ≤ γ_{d+1}(|X||W| + 1|b|ᵀ) =: E_Y.
 *   <li>G_β = fl(Y_β − T) = (Y_β − T)(1 + δ), |δ| ≤ u: |G_β − G| ≤ E_Y + γ_1|G_β|.
 *   <li>dW_β = fl(Xᵀ·G_β): |dW_β − dW| ≤ γ_n|X|ᵀ|G_β| + |X|ᵀ|G_β − G| ≤ |X|ᵀ((γ_n + γ_1)|G_β| + E_Y).
 *   <li>dX_β = fl(G_β·Wᵀ): |dX_β − dX| ≤ ((γ_m + γ_1)|G_β| + E_Y)|W|ᵀ.
 * </ul>
 * Two BLAS each within their bound of the exact value are within the sum of both bounds of each other:
 * |Y₁ − Y₂| ≤ 2E_Y, |dW₁ − dW₂| ≤ |X|ᵀ((γ_n + γ_1)(|G₁| + |G₂|) + 2E_Y), and likewise for dX.
 * The bound is evaluated in double: its terms are all non-negative, so the computed value is within a
 * factor 1 ± γ_{k+2} of the true one (&lt; 10⁻¹² relative for the shapes here); {@link #EVALUATION} covers
 * that. A wrong result (a transpose flag, a stride, garbage from a misdetected kernel) is off by about
 * |A·B| per entry, ~1/√k of |A||B| for these N(0, 1) entries, while the bound is about 2k·u·|A||B|
 * (k ≤ 1000: under 3·10⁻¹³·|A||B|): no wrong answer fits under it.
 */
class BlasAgreementTest {
  private static final double U = 0x1p-53;
  private static final double U32 = 0x1p-24;
  /** The bound's own evaluation in double (see the class comment). */
  private static final double EVALUATION = 1 + 1e-12;

  private static double gamma(int k, double u) {
    return k * u / (1 - k * u);
  }

  /** Every shape from 1 to 4 in each dimension (small-matrix paths), and blocked-kernel sizes. */
  private static List<int[]> shapes() {
    List<int[]> shapes = new ArrayList<>();
    for (int n = 1; n <= 4; n++) {
      for (int d = 1; d <= 4; d++) {
        for (int m = 1; m <= 4; m++) {
          shapes.add(new int[] {n, d, m});
        }
      }
    }
    shapes.add(new int[] {257, 130, 70});
    shapes.add(new int[] {1000, 64, 33});
    shapes.add(new int[] {96, 512, 256});
    return shapes;
  }

  @Test
  void theLayerPassOnThisBlasAgreesWithJavaBlasWithinTheRoundingBound() {
    BLAS here = BLAS.getInstance();
    BLAS java = JavaBLAS.getInstance();
    int checked = 0;
    for (int[] s : shapes()) {
      int n = s[0];
      int d = s[1];
      int m = s[2];
      Random r = new Random(31L * n + 7L * d + m);
      double[] x = gaussian(r, n * d);
      double[] w = gaussian(r, d * m);
      double[] b = gaussian(r, m);
      double[] t = gaussian(r, n * m);
      Pass p1 = Pass.run(here, x, w, b, t, n, d, m);
      Pass p2 = Pass.run(java, x, w, b, t, n, d, m);

      // E_Y = γ_{d+1}(|X||W| + 1|b|ᵀ)
      double[] ey = absProduct(x, n, d, w, m);
      for (int i = 0; i < n; i++) {
        for (int j = 0; j < m; j++) {
          ey[i * m + j] = gamma(d + 1, U) * (ey[i * m + j] + Math.abs(b[j]));
        }
      }
      double[] yBound = scaled(ey, 2);
      // H = (γ_k + γ_1)(|G₁| + |G₂|) + 2E_Y, with k = n for dW and k = m for dX
      double[] hW = new double[n * m];
      double[] hX = new double[n * m];
      for (int k = 0; k < n * m; k++) {
        double g = Math.abs(p1.g[k]) + Math.abs(p2.g[k]);
        hW[k] = (gamma(n, U) + gamma(1, U)) * g + 2 * ey[k];
        hX[k] = (gamma(m, U) + gamma(1, U)) * g + 2 * ey[k];
      }
      double[] dwBound = absProduct(transpose(x, n, d), d, n, hW, m);           // |X|ᵀ·H  [d×m]
      double[] dxBound = absProduct(hX, n, m, transpose(w, d, m), d);           // H·|W|ᵀ  [n×d]
      String shape = String.format(Locale.ROOT, "n=%d d=%d m=%d", n, d, m);
      assertWithin(p1.y, p2.y, yBound, "Y, " + shape);
      assertWithin(p1.dw, p2.dw, dwBound, "dW, " + shape);
      assertWithin(p1.dx, p2.dx, dxBound, "dX, " + shape);
      checked++;
    }
    assertEquals(4 * 4 * 4 + 3, checked, "every shape checked");
  }

  /** float32 (the kernel's --precision float32 path): one sgemm Y = X·W, |Y₁ − Y₂| ≤ 2γ_d|X||W| with u = 2⁻²⁴. */
  @Test
  void sgemmOnThisBlasAgreesWithJavaBlasWithinTheRoundingBound() {
    int n = 300;
    int d = 200;
    int m = 50;
    Random r = new Random(5);
    double[] xd = gaussian(r, n * d);
    double[] wd = gaussian(r, d * m);
    float[] x = new float[n * d];
    float[] w = new float[d * m];
    for (int i = 0; i < x.length; i++) {
      x[i] = (float) xd[i];
      xd[i] = x[i];
    }
    for (int i = 0; i < w.length; i++) {
      w[i] = (float) wd[i];
      wd[i] = w[i];
    }
    float[] y1 = new float[n * m];
    float[] y2 = new float[n * m];
    BLAS.getInstance().sgemm("N", "N", m, n, d, 1.0f, w, m, x, d, 0.0f, y1, m);
    JavaBLAS.getInstance().sgemm("N", "N", m, n, d, 1.0f, w, m, x, d, 0.0f, y2, m);
    double[] bound = scaled(absProduct(xd, n, d, wd, m), 2 * gamma(d, U32));
    double[] a1 = new double[n * m];
    double[] a2 = new double[n * m];
    for (int k = 0; k < n * m; k++) {
      a1[k] = y1[k];
      a2[k] = y2[k];
    }
    assertWithin(a1, a2, bound, "sgemm Y, n=300 d=200 m=50");
  }

  /** One pass of the layer, the GEMM calls exactly as kernel/Dense issues them. */
  private record Pass(double[] y, double[] g, double[] dw, double[] dx) {
    static Pass run(BLAS blas, double[] x, double[] w, double[] b, double[] t, int n, int d, int m) {
      double[] y = new double[n * m];
      for (int i = 0; i < n; i++) {
        System.arraycopy(b, 0, y, i * m, m);
      }
      blas.dgemm("N", "N", m, n, d, 1.0, w, m, x, d, 1.0, y, m);   // Yᵀ[m×n] = Wᵀ·Xᵀ + Yᵀ
      double[] g = new double[n * m];
      for (int k = 0; k < n * m; k++) {
        g[k] = y[k] - t[k];
      }
      double[] dw = new double[d * m];
      blas.dgemm("N", "T", m, d, n, 1.0, g, m, x, d, 0.0, dw, m);   // dWᵀ[m×d] = Gᵀ·(Xᵀ)ᵀ
      double[] dx = new double[n * d];
      blas.dgemm("T", "N", d, n, m, 1.0, w, m, g, m, 0.0, dx, d);   // dXᵀ[d×n] = (Wᵀ)ᵀ·Gᵀ
      return new Pass(y, g, dw, dx);
    }
  }

  private static void assertWithin(double[] a, double[] b, double[] bound, String what) {
    assertEquals(bound.length, a.length, what + ": sizes");
    for (int k = 0; k < a.length; k++) {
      double diff = Math.abs(a[k] - b[k]);
      double allowed = bound[k] * EVALUATION;
      assertTrue(diff <= allowed, String.format(Locale.ROOT, "%s: entry %d differs by %.3e, bound %.3e (%s vs %s)",
          what, k, diff, allowed, a[k], b[k]));
    }
  }

  /** |A|·|B|, row-major: A [r×k], B [k×c] → [r×c], in plain loops (no BLAS in the bound). */
  private static double[] absProduct(double[] a, int r, int k, double[] b, int c) {
    double[] out = new double[r * c];
    for (int i = 0; i < r; i++) {
      for (int l = 0; l < k; l++) {
        double ail = Math.abs(a[i * k + l]);
        for (int j = 0; j < c; j++) {
          out[i * c + j] += ail * Math.abs(b[l * c + j]);
        }
      }
    }
    return out;
  }

  private static double[] transpose(double[] a, int r, int c) {
    double[] t = new double[r * c];
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) {
        t[j * r + i] = a[i * c + j];
      }
    }
    return t;
  }

  private static double[] scaled(double[] a, double s) {
    double[] r = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      r[i] = a[i] * s;
    }
    return r;
  }

  private static double[] gaussian(Random r, int len) {
    double[] a = new double[len];
    for (int i = 0; i < len; i++) {
      a[i] = r.nextGaussian();
    }
    return a;
  }
}
