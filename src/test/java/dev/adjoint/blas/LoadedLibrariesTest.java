package dev.adjoint.blas;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading which BLAS is loaded, and the version an OpenBLAS file declares, from real files. */
class LoadedLibrariesTest {
  @TempDir
  Path dir;

  private Path file(String name, byte[]... parts) throws IOException {
    Path f = dir.resolve(name);
    Files.deleteIfExists(f);
    for (byte[] p : parts) {
      Files.write(f, p, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }
    return f;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private static byte[] noise(int len, long seed) {
    byte[] b = new byte[len];
    new Random(seed).nextBytes(b);
    return b;
  }

  @Test
  void theVersionIsTheOneAfterOpenBlasAndADigit() throws IOException {
    // OpenBLAS's messages ("OpenBLAS : …") come before its configuration string in the real library too
    Path f = file("libopenblas.so.0", noise(100_000, 1), ascii("OpenBLAS : Program will terminate"), noise(5000, 2),
        ascii("OpenBLAS 0.3.31 DYNAMIC_ARCH NO_AFFINITY"), noise(1000, 3));
    assertEquals(Optional.of("0.3.31"), LoadedLibraries.openblasVersion(f));
  }

  @Test
  void aFileWithoutTheStringHasNoVersion() throws IOException {
    Path f = file("libmkl_rt.so.2", noise(50_000, 4), ascii("OpenBLAS x"), ascii("OpenBLAS 1."));
    assertEquals(Optional.empty(), LoadedLibraries.openblasVersion(f));
    assertEquals(Optional.empty(), LoadedLibraries.openblasVersion(dir.resolve("missing.so")));
  }

  @Test
  void theStringAtTheVeryEndIsFound() throws IOException {
    Path f = file("libopenblasp-r0.3.21.so", noise(10_000, 5), ascii("OpenBLAS 0.3.21"));
    assertEquals(Optional.of("0.3.21"), LoadedLibraries.openblasVersion(f));
  }

  @Test
  void theBundledLibraryDeclaresItsVersion() {
    String lib = System.getProperty("dev.ludovic.netlib.blas.nativeLibPath");
    assumeTrue(lib != null && Files.isRegularFile(Path.of(lib)), "no bundled library in this run");
    assertTrue(LoadedLibraries.openblasVersion(Path.of(lib)).orElseThrow().matches("0\\.3\\.\\d+"));
  }

  @Test
  void theMapsListOnlyBlasFilesNotNetlibsShims() {
    for (Path p : LoadedLibraries.blas()) {
      String name = p.getFileName().toString();
      assertTrue(!name.contains("netlib") && name.contains(".so"), name);
    }
  }
}
