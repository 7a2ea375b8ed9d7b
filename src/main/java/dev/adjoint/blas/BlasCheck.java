package dev.adjoint.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * {@code scripts/adjoint blas}: which BLAS this machine's runs get, and how fast one thread of it is. Prints
 * the choice, netlib's class, the library file loaded, the OpenBLAS version and core (as the launcher saw
 * it), LAPACK's class and library, then one dgemm timed on it and on netlib's Java BLAS.
 * Exit 0, or 1 when {@link BlasInfo#notice()} finds something off.
 */
public final class BlasCheck {
  private BlasCheck() {}

  public static void main(String[] args) throws Exception {
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    BlasInfo info = BlasInfo.current();
    LAPACK lapack = LAPACK.getInstance();
    List<Path> afterLapack = LoadedLibraries.openblas();
    p("choice", info.choice() + " (ADJOINT_BLAS for scripts/adjoint; -D" + BlasInfo.CHOICE_PROPERTY + ")");
    p("BLAS", info.implementation() + (info.nativeCode() ? " (native)" : " (Java)"));
    p("library", info.library() == null ? "none" : info.library().toString());
    if (info.openblas() != null) {
      p("OpenBLAS", (info.openblasVersion() == null ? "version unknown" : info.openblasVersion()) + ", core "
          + (info.core() == null ? "unknown" : info.core() + " (" + info.coreSource() + ")"));
    }
    p("threads", "OPENBLAS_NUM_THREADS=" + (info.threads() == null ? "(unset: OpenBLAS uses every core)" : info.threads()));
    p("LAPACK", lapack.getClass().getName() + (afterLapack.size() > 1 ? ", loading a second OpenBLAS: " + afterLapack
        : afterLapack.isEmpty() ? "" : ", same library"));
    double gflops = gemmGflops(BLAS.getInstance(), n, 3);
    String line = String.format(Locale.ROOT, "%.1f GFLOP/s (%s, dgemm %d×%d·%d×%d, best of 3)", gflops, info.shortName(),
        n, n, n, n);
    if (info.nativeCode()) {
      double java = gemmGflops(JavaBLAS.getInstance(), n, 1);
      line += String.format(Locale.ROOT, "; netlib's Java BLAS %.1f GFLOP/s: %.0f× slower", java, gflops / java);
    }
    p("speed", line);
    String notice = info.notice();  // looks at the libraries mapped now, after LAPACK loaded
    if (notice != null || afterLapack.size() > 1) {
      p("NOTICE", notice != null ? notice : "two OpenBLAS builds loaded");
      System.exit(1);
    }
  }

  private static void p(String what, String value) {
    System.out.printf(Locale.ROOT, "  %-9s %s%n", what, value);
  }

  /** GFLOP/s of C = A·B, n×n, the best of {@code repeats} calls after a warm-up call. */
  static double gemmGflops(BLAS blas, int n, int repeats) {
    Random r = new Random(7);
    double[] a = new double[n * n];
    double[] b = new double[n * n];
    double[] c = new double[n * n];
    for (int i = 0; i < a.length; i++) {
      a[i] = r.nextDouble() - 0.5;
      b[i] = r.nextDouble() - 0.5;
    }
    blas.dgemm("N", "N", n, n, n, 1.0, a, n, b, n, 0.0, c, n);
    long best = Long.MAX_VALUE;
    for (int k = 0; k < repeats; k++) {
      long t = System.nanoTime();
      blas.dgemm("N", "N", n, n, n, 1.0, a, n, b, n, 0.0, c, n);
      best = Math.min(best, System.nanoTime() - t);
    }
    return 2.0 * n * n * n / best;
  }
}
