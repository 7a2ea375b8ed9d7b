package dev.adjoint.blas;

import dev.ludovic.netlib.blas.BLAS;
import dev.ludovic.netlib.blas.NativeBLAS;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The BLAS this JVM runs on, as report.json and the summary show it: the choice the launcher made
 * ({@code -Dadjoint.blas=bundled|system|java}, docs/blas.md), the class netlib picked, the library file
 * it really loaded (from /proc/self/maps) and, for OpenBLAS, the version the file declares and the core
 * its kernels are for. A JVM cannot ask OpenBLAS for its core without JNI of its own, so the launcher asks
 * the same library in the same environment ({@code OPENBLAS_VERBOSE=2} prints "Core: …" as it loads,
 * scripts/blas-env.sh) and passes the answer as {@value #CORE_PROPERTY}; without it, only a core forced by
 * {@code OPENBLAS_CORETYPE} is known.
 *
 * <p>The facts are of this JVM (the driver's). Executors get the same launcher flags (scripts/adjoint
 * passes them in spark.executor.extraJavaOptions) but are not asked.
 *
 * @param choice          bundled, system or java: the value of {@value #CHOICE_PROPERTY}; "unset" when a
 *                        JVM was started without it (a plain spark-submit: netlib's own default)
 * @param implementation  the netlib class in use, e.g. dev.ludovic.netlib.blas.JNIBLAS
 * @param nativeCode      whether that class calls a native library
 * @param libraries       the BLAS library files mapped into the process (empty for Java BLAS)
 * @param openblas        the OpenBLAS build among them, or null
 * @param openblasVersion the version that build declares, or null when unknown
 * @param launchCore      the core OpenBLAS printed when the launcher loaded it ({@value #CORE_PROPERTY}), or null
 * @param coretype        OPENBLAS_CORETYPE when set (it forces OpenBLAS's kernels), else null
 * @param threads         OPENBLAS_NUM_THREADS when set, else null
 */
public record BlasInfo(String choice, String implementation, boolean nativeCode, List<Path> libraries,
    Path openblas, String openblasVersion, String launchCore, String coretype, String threads) {

  /** The system property the launcher sets to name its choice. */
  public static final String CHOICE_PROPERTY = "adjoint.blas";

  /** The system property the launcher sets to the core OpenBLAS picked on this machine. */
  public static final String CORE_PROPERTY = "adjoint.blas.core";

  /** The choices, as scripts/adjoint takes them in ADJOINT_BLAS. */
  public static final List<String> CHOICES = List.of("bundled", "system", "java");

  private static final class Holder {
    static final BlasInfo CURRENT = probe();
  }

  /** This JVM's BLAS (netlib's instance is made on first use; this makes it if nothing has yet). */
  public static BlasInfo current() {
    return Holder.CURRENT;
  }

  /** Looks again (the libraries mapped may change when LAPACK loads, for instance). */
  public static BlasInfo probe() {
    BLAS blas = BLAS.getInstance();
    String choice = System.getProperty(CHOICE_PROPERTY, "unset");
    List<Path> libraries = LoadedLibraries.blas();
    List<Path> openblas = LoadedLibraries.openblas();
    Path ob = openblas.isEmpty() ? null : openblas.get(0);
    String version = ob == null ? null : LoadedLibraries.openblasVersion(ob).orElse(null);
    return new BlasInfo(choice, blas.getClass().getName(), blas instanceof NativeBLAS, List.copyOf(libraries), ob,
        version, System.getProperty(CORE_PROPERTY), blankToNull(System.getenv("OPENBLAS_CORETYPE")),
        System.getenv("OPENBLAS_NUM_THREADS"));
  }

  /** The class's simple name: JNIBLAS, Java11BLAS, … */
  public String shortName() {
    return implementation.substring(implementation.lastIndexOf('.') + 1);
  }

  /** The library a native BLAS runs: the OpenBLAS build when there is one, else the first BLAS file, else null. */
  public Path library() {
    return openblas != null ? openblas : libraries.isEmpty() ? null : libraries.get(0);
  }

  /** OpenBLAS's core: what the launcher saw it pick, else what OPENBLAS_CORETYPE forces, else null (unknown). */
  public String core() {
    return openblas == null ? null : launchCore != null ? launchCore : coretype;
  }

  /** How {@link #core()} is known: "OPENBLAS_CORETYPE", "detected", "OPENBLAS_CORETYPE=X not recognised", or null. */
  public String coreSource() {
    if (core() == null) {
      return null;
    }
    if (coretype == null) {
      return "detected";
    }
    return launchCore == null || launchCore.equalsIgnoreCase(coretype) ? "OPENBLAS_CORETYPE"
        : "OPENBLAS_CORETYPE=" + coretype + " not recognised";
  }

  /**
   * A line for the reader when something is off, else null: Java BLAS in use without being chosen (and how to
   * get a native one), a choice the JVM did not get, or two OpenBLAS builds in one process.
   */
  public String notice() {
    if (!nativeCode && "bundled".equals(choice)) {
      return "the bundled OpenBLAS did not load (netlib logged why): netlib's Java BLAS runs, GEMMs several times "
          + "slower; rebuild (mvn package unpacks it into target/native) or see docs/blas.md";
    }
    if (!nativeCode && !"java".equals(choice)) {
      return "no native BLAS (libblas.so.3) was found: netlib's Java BLAS runs, GEMMs several times slower; on "
          + "Linux x86-64 scripts/adjoint's default (ADJOINT_BLAS=bundled) needs nothing installed, elsewhere "
          + "install OpenBLAS as the system's libblas.so.3 (docs/blas.md)";
    }
    if (nativeCode && "java".equals(choice)) {
      return "-Dadjoint.blas=java but a native BLAS loaded: was -Ddev.ludovic.netlib.blas.allowNative=false lost?";
    }
    List<Path> builds = LoadedLibraries.openblas();
    if (builds.size() > 1) {
      return "more than one OpenBLAS build is loaded in this JVM " + builds
          + ": they can crash it; point netlib's LAPACK at the same library (docs/blas.md)";
    }
    return null;
  }

  /**
   * One line: {@code JNIBLAS → OpenBLAS 0.3.31 (bundled: target/native/…/libopenblas.so.0), 1 thread}, paths
   * shown relative to the project ({@code adjoint.home}) when inside it.
   */
  public String describe() {
    StringBuilder sb = new StringBuilder(shortName());
    if (!nativeCode) {
      sb.append(" (netlib's Java BLAS")
          .append("java".equals(choice) ? ", chosen" : ": no native BLAS loaded for " + choice + "; docs/blas.md")
          .append(')');
    } else {
      sb.append(" → ");
      Path lib = library();
      if (openblas != null) {
        sb.append("OpenBLAS ").append(openblasVersion == null ? "(version unknown)" : openblasVersion);
      } else {
        sb.append("native BLAS");
      }
      sb.append(" (").append(choice).append(": ").append(lib == null ? "library not found in /proc/self/maps" : shown(lib))
          .append(')');
      if (core() != null) {
        sb.append(", core ").append(core());
        if (!coreSource().equals("detected")) {
          sb.append(" (").append(coreSource()).append(')');
        }
      }
    }
    if (threads != null) {
      sb.append(", ").append(threads).append(threads.equals("1") ? " thread" : " threads");
    }
    String notice = nativeCode ? notice() : null;  // the Java BLAS case is said above, briefly
    if (notice != null) {
      sb.append(" — ").append(notice);
    }
    return sb.toString();
  }

  /** For report.json. */
  public Map<String, Object> toMap() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("choice", choice);
    m.put("implementation", implementation);
    m.put("native", nativeCode);
    Path lib = library();
    m.put("library", lib == null ? null : lib.toString());
    m.put("openblas_version", openblasVersion);
    m.put("openblas_core", core());
    m.put("openblas_core_source", coreSource() == null ? null : switch (coreSource()) {
      case "detected" -> "OpenBLAS's own detection, printed as scripts/adjoint loaded it (OPENBLAS_VERBOSE=2)";
      case "OPENBLAS_CORETYPE" -> "forced by OPENBLAS_CORETYPE";
      default -> coreSource() + "; detected instead";
    });
    m.put("openblas_num_threads", threads);
    m.put("notice", notice());
    m.put("note", "the driver JVM's BLAS (executors get the same launcher flags); library from /proc/self/maps, "
        + "version from the string the library holds, core from the launcher (unknown without it)");
    return m;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private static String shown(Path lib) {
    String home = System.getProperty("adjoint.home");
    if (home != null) {
      Path h = Path.of(home).toAbsolutePath().normalize();
      if (lib.startsWith(h)) {
        return h.relativize(lib).toString();
      }
    }
    return lib.toString();
  }
}
