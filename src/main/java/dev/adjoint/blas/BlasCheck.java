package dev.adjoint.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code scripts/adjoint blas}: which BLAS this machine's runs get, and how fast one thread of it is. Prints
 * the choice, netlib's class, the library file loaded, the OpenBLAS version and the core OpenBLAS picks (asked
 * of a child JVM started with the same flags and {@code OPENBLAS_VERBOSE=2}, the only way to learn it without
 * JNI of our own), LAPACK's class and library, then one dgemm timed on it and on netlib's Java BLAS.
 * Exit 0, or 1 when {@link BlasInfo#notice()} finds something off.
 */
public final class BlasCheck {
  private BlasCheck() {}

  private static final String LOAD_ONLY = "--load-only";
  private static final Pattern CORE = Pattern.compile("Core: (\\S+)");

  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals(LOAD_ONLY)) {
      BLAS.getInstance();  // OpenBLAS prints "Core: …" as it loads
      return;
    }
    int n = args.length > 0 ? Integer.parseInt(args[0]) : 1024;
    BlasInfo info = BlasInfo.current();
    String core = info.openblas() == null ? null : info.core() != null ? info.core() + " (forced by OPENBLAS_CORETYPE)"
        : detectedCore();
    LAPACK lapack = LAPACK.getInstance();
    List<Path> afterLapack = LoadedLibraries.openblas();
    p("choice", info.choice() + " (ADJOINT_BLAS for scripts/adjoint; -D" + BlasInfo.CHOICE_PROPERTY + ")");
    p("BLAS", info.implementation() + (info.nativeCode() ? " (native)" : " (Java)"));
    p("library", info.library() == null ? "none" : info.library().toString());
    if (info.openblas() != null) {
      p("OpenBLAS", (info.openblasVersion() == null ? "version unknown" : info.openblasVersion()) + ", core "
          + (core == null ? "unknown" : core));
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

  /** The core OpenBLAS picks at load, from a child JVM with this one's flags and OPENBLAS_VERBOSE=2; null if not said. */
  static String detectedCore() {
    List<String> cmd = new ArrayList<>();
    cmd.add(ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java")
        .toString()));
    cmd.addAll(ManagementFactory.getRuntimeMXBean().getInputArguments());
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(BlasCheck.class.getName());
    cmd.add(LOAD_ONLY);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("OPENBLAS_VERBOSE", "2");
    try {
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return null;
      }
      Matcher m = CORE.matcher(new String(out, StandardCharsets.UTF_8));
      return m.find() ? m.group(1) + " (detected: OPENBLAS_VERBOSE=2)" : null;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
