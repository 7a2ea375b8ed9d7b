package dev.adjoint.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.ludovic.netlib.arpack.ARPACK;
import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.JavaBLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import dev.ludovic.netlib.lapack.LAPACK;
import dev.ludovic.netlib.lapack.NativeLAPACK;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The BLAS the suite runs on is the one chosen (the pom passes -Dadjoint.blas and netlib's flags: bundled on
 * Linux x86-64, where CI has no system BLAS; -Dadjoint.blas=system|java on the mvn command line for the others),
 * and this JVM never holds two OpenBLAS builds, even once netlib's LAPACK and ARPACK are made (a machine with
 * Debian's libopenblas0-pthread offers a second one through liblapack.so.3 and libarpack.so.2).
 */
class BlasChoiceTest {
  private static String choice() {
    return System.getProperty(BlasInfo.CHOICE_PROPERTY, "unset");
  }

  @Test
  void theSuiteSaysWhichBlasItChose() {
    assertTrue(BlasInfo.CHOICES.contains(choice()), "-Dadjoint.blas is one of " + BlasInfo.CHOICES + ": " + choice());
    assertEquals(choice(), BlasInfo.current().choice());
  }

  @Test
  void bundledRunsNativeBlasOnTheBundledOpenBlas() {
    assumeTrue(choice().equals("bundled"), "the suite runs on " + choice());
    BlasInfo info = BlasInfo.probe();
    assertEquals("dev.ludovic.netlib.blas.JNIBLAS", info.implementation(), info.describe());
    assertTrue(info.nativeCode());
    assertTrue(BLAS.getInstance() instanceof NativeBLAS);
    Path bundled = Path.of(System.getProperty("dev.ludovic.netlib.blas.nativeLibPath"));
    assertEquals(bundled, info.openblas(), "the library mapped is the bundled file: " + info.libraries());
    assertEquals(bundled.getFileName().toString(), "libopenblas.so.0");
    assertNotNull(info.openblasVersion(), "the bundled library declares its version");
    assertTrue(info.openblasVersion().matches("0\\.3\\.\\d+"), info.openblasVersion());
    assertNull(info.notice(), info.describe());
  }

  @Test
  void bundledLapackUsesTheSameLibraryAndArpackStaysInJava() {
    assumeTrue(choice().equals("bundled"), "the suite runs on " + choice());
    assertTrue(LAPACK.getInstance() instanceof NativeLAPACK, LAPACK.getInstance().getClass().getName());
    assertFalse(ARPACK.getInstance().getClass().getName().contains("JNI"), ARPACK.getInstance().getClass().getName());
    Path bundled = Path.of(System.getProperty("dev.ludovic.netlib.blas.nativeLibPath"));
    assertEquals(List.of(bundled), LoadedLibraries.openblas());
  }

  @Test
  void neverTwoOpenBlasBuildsInOneJvm() {
    BLAS.getInstance();
    LAPACK.getInstance();
    ARPACK.getInstance();
    List<Path> builds = LoadedLibraries.openblas();
    assertTrue(builds.size() <= 1, "OpenBLAS builds loaded: " + builds);
    double[] c = new double[4];
    BLAS.getInstance().dgemm("N", "N", 2, 2, 2, 1.0, new double[] {1, 2, 3, 4}, 2, new double[] {5, 6, 7, 8}, 2,
        0.0, c, 2);
    assertEquals(List.of(23.0, 34.0, 31.0, 46.0), List.of(c[0], c[1], c[2], c[3]), "column-major [1 3; 2 4]·[5 7; 6 8]");
  }

  /**
   * ADJOINT_BLAS=java, in a JVM of its own (netlib picks its BLAS once per JVM, and this suite's is bundled
   * or system): BlasCheck, as `scripts/adjoint blas` runs it, reports netlib's Java BLAS and no library.
   */
  @Test
  void javaRunsNetlibsJavaBlasInAJvmOfItsOwn() throws Exception {
    Path javaBin = Path.of(System.getProperty("java.home"), "bin", "java");
    Process p = new ProcessBuilder(javaBin.toString(), "-cp", System.getProperty("java.class.path"),
        "-D" + BlasInfo.CHOICE_PROPERTY + "=java", "-Ddev.ludovic.netlib.blas.allowNative=false",
        "-Ddev.ludovic.netlib.lapack.allowNative=false", "-Ddev.ludovic.netlib.arpack.allowNative=false",
        BlasCheck.class.getName(), "64").redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertEquals(0, p.waitFor(), out);
    assertTrue(out.matches("(?s).*choice\\s+java .*"), out);
    assertTrue(out.matches("(?s).*BLAS\\s+dev\\.ludovic\\.netlib\\.blas\\.\\w+ \\(Java\\).*"), out);
    assertTrue(out.matches("(?s).*library\\s+none.*"), out);
  }

  @Test
  void theDescriptionNamesTheChoiceClassLibraryVersionAndCore() {
    Path lib = Path.of("/opt/x/libopenblas.so.0");
    BlasInfo unknownCore = new BlasInfo("bundled", "dev.ludovic.netlib.blas.JNIBLAS", true, List.of(lib), lib,
        "0.3.31", null, null, "1");
    assertEquals("JNIBLAS → OpenBLAS 0.3.31 (bundled: /opt/x/libopenblas.so.0), 1 thread", unknownCore.describe());
    assertNull(unknownCore.core(), "OpenBLAS picks its core at load; not asked, so not claimed");

    BlasInfo detected = new BlasInfo("bundled", "dev.ludovic.netlib.blas.JNIBLAS", true, List.of(lib), lib,
        "0.3.31", "Cooperlake", null, "1");
    assertEquals("JNIBLAS → OpenBLAS 0.3.31 (bundled: /opt/x/libopenblas.so.0), core Cooperlake, 1 thread",
        detected.describe());
    assertEquals("Cooperlake", detected.toMap().get("openblas_core"));
    assertTrue(((String) detected.toMap().get("openblas_core_source")).startsWith("OpenBLAS's own detection"));
    assertEquals("/opt/x/libopenblas.so.0", detected.toMap().get("library"));

    BlasInfo forced = new BlasInfo("bundled", "dev.ludovic.netlib.blas.JNIBLAS", true, List.of(lib), lib, "0.3.31",
        "Haswell", "Haswell", "1");
    assertEquals("JNIBLAS → OpenBLAS 0.3.31 (bundled: /opt/x/libopenblas.so.0), core Haswell (OPENBLAS_CORETYPE), "
        + "1 thread", forced.describe());
    assertEquals("forced by OPENBLAS_CORETYPE", forced.toMap().get("openblas_core_source"));
    BlasInfo forcedUnchecked = new BlasInfo("bundled", "x.JNIBLAS", true, List.of(lib), lib, null, null, "SkylakeX",
        null);
    assertEquals("SkylakeX", forcedUnchecked.core());
    BlasInfo typo = new BlasInfo("bundled", "x.JNIBLAS", true, List.of(lib), lib, null, "Cooperlake", "Skylake", null);
    assertEquals("OPENBLAS_CORETYPE=Skylake not recognised", typo.coreSource());

    BlasInfo java = new BlasInfo("java", "dev.ludovic.netlib.blas.Java11BLAS", false, List.of(), null, null, null,
        "Haswell", "1");
    assertEquals("Java11BLAS (netlib's Java BLAS, chosen), 1 thread", java.describe());
    assertNull(java.core(), "no OpenBLAS, no core");
    assertNull(java.notice());
  }

  @Test
  void javaBlasThatWasNotChosenComesWithAWayToANativeOne() {
    BlasInfo fallback = new BlasInfo("system", "dev.ludovic.netlib.blas.Java11BLAS", false, List.of(), null, null,
        null, null, null);
    assertEquals("Java11BLAS (netlib's Java BLAS: no native BLAS loaded for system; docs/blas.md)", fallback.describe());
    assertTrue(fallback.notice().contains("libblas.so.3"), fallback.notice());
    assertTrue(fallback.notice().contains("ADJOINT_BLAS=bundled"), fallback.notice());
    BlasInfo broken = new BlasInfo("bundled", "dev.ludovic.netlib.blas.Java11BLAS", false, List.of(), null, null,
        null, null, "1");
    assertTrue(broken.notice().startsWith("the bundled OpenBLAS did not load"), broken.notice());
  }
}
