package dev.adjoint.blas;

import java.io.IOException;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which BLAS libraries this process has loaded, read from the kernel's own account of it
 * ({@code /proc/self/maps}, Linux): the file netlib's JNI code really opened, not the one a setting
 * asked for. Empty where there is no /proc (macOS) or nothing native was loaded.
 */
public final class LoadedLibraries {
  private LoadedLibraries() {}

  /** BLAS implementations by file name; netlib's own JNI shims (libnetlib*jni) are not BLAS. */
  private static final Pattern BLAS_FILE =
      Pattern.compile("lib(openblas|blas|cblas|mkl_rt|mkl_core|flexiblas|blis|accelerate)[^/]*\\.so[.0-9]*");
  private static final Pattern OPENBLAS_FILE = Pattern.compile("libopenblas[^/]*\\.so[.0-9]*");
  /** OpenBLAS's configuration string, e.g. "OpenBLAS 0.3.31 DYNAMIC_ARCH …", kept in the library's data. */
  private static final byte[] OPENBLAS_TAG = "OpenBLAS ".getBytes(StandardCharsets.US_ASCII);
  private static final Pattern VERSION = Pattern.compile("(\\d+\\.\\d+\\.\\d+)");
  private static final ConcurrentHashMap<Path, Optional<String>> VERSIONS = new ConcurrentHashMap<>();

  /** The BLAS library files mapped into this process, in the order the kernel lists them, each once. */
  public static List<Path> blas() {
    return mapped(BLAS_FILE);
  }

  /**
   * The OpenBLAS builds mapped into this process (Debian's libblas.so.3 is a front whose code lives in
   * libopenblas*.so, so this counts builds, not front files). More than one in a JVM is the hazard
   * docs/blas.md describes.
   */
  public static List<Path> openblas() {
    return mapped(OPENBLAS_FILE);
  }

  private static List<Path> mapped(Pattern name) {
    List<Path> found = new ArrayList<>();
    Path maps = Path.of("/proc/self/maps");
    if (!Files.isReadable(maps)) {
      return found;
    }
    try {
      for (String line : Files.readAllLines(maps, StandardCharsets.UTF_8)) {
        int slash = line.indexOf('/');
        if (slash < 0) {
          continue;
        }
        Path file = Path.of(line.substring(slash).replace(" (deleted)", ""));
        if (name.matcher(file.getFileName().toString()).matches() && !found.contains(file)) {
          found.add(file);
        }
      }
    } catch (IOException | RuntimeException e) {
      // a report must not fail a run: no /proc, an odd line — say nothing was found
    }
    return found;
  }

  /**
   * The OpenBLAS version a library file declares ("OpenBLAS 0.3.31 …" in its read-only data), or empty
   * when the file holds no such string (not OpenBLAS) or cannot be read. Scans the file once per JVM.
   */
  public static Optional<String> openblasVersion(Path library) {
    return VERSIONS.computeIfAbsent(library, LoadedLibraries::scanVersion);
  }

  private static Optional<String> scanVersion(Path library) {
    try (FileChannel ch = FileChannel.open(library, StandardOpenOption.READ)) {
      long size = ch.size();
      for (long start = 0; start < size; start += Integer.MAX_VALUE / 2) {
        // windows overlap by the length of a tag and its version, so no match is cut in two
        long len = Math.min(size - start, Integer.MAX_VALUE / 2 + 64L);
        MappedByteBuffer buf = ch.map(FileChannel.MapMode.READ_ONLY, start, len);
        Optional<String> v = scan(buf, (int) len);
        if (v.isPresent()) {
          return v;
        }
      }
    } catch (IOException | RuntimeException e) {
      // unreadable: the version stays unknown
    }
    return Optional.empty();
  }

  private static Optional<String> scan(MappedByteBuffer buf, int len) {
    byte first = OPENBLAS_TAG[0];
    outer:
    for (int i = 0; i + OPENBLAS_TAG.length + 5 < len; i++) {
      if (buf.get(i) != first) {
        continue;
      }
      for (int k = 1; k < OPENBLAS_TAG.length; k++) {
        if (buf.get(i + k) != OPENBLAS_TAG[k]) {
          continue outer;
        }
      }
      int from = i + OPENBLAS_TAG.length;
      if (!Character.isDigit(buf.get(from))) {
        continue;
      }
      byte[] tail = new byte[Math.min(16, len - from)];
      buf.get(from, tail);
      Matcher m = VERSION.matcher(new String(tail, StandardCharsets.US_ASCII));
      if (m.lookingAt()) {
        return Optional.of(m.group(1));
      }
    }
    return Optional.empty();
  }
}
