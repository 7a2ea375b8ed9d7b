package dev.adjoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The packages' layering, read from the sources: imports run only down {@link #LAYERS}, kernel/ and
 * verify/ import nothing of Spark, and no file in src/main is over {@link #MAX_LINES} lines.
 */
class ArchitectureTest {
  /** Top to bottom: a package may import only packages after it. */
  static final int MAX_LINES = 400;
  static final List<String> LAYERS = List.of("cli", "bench", "run", "study", "job", "verify", "data", "kernel", "blas");
  private static final Path MAIN = Path.of("src/main/java/dev/adjoint");
  private static final Pattern OWN_IMPORT = Pattern.compile("^import dev\\.adjoint\\.(\\w+)\\.", Pattern.MULTILINE);

  @Test
  void importsRunOnlyDown() throws IOException {
    List<String> upward = new ArrayList<>();
    int files = 0;
    for (Path f : sources()) {
      String pkg = MAIN.relativize(f).getName(0).toString();
      int rank = LAYERS.indexOf(pkg);
      assertTrue(rank >= 0, "package " + pkg + " (" + f + ") is not in the layer list " + LAYERS);
      Matcher m = OWN_IMPORT.matcher(Files.readString(f));
      while (m.find()) {
        String to = m.group(1);
        if (!to.equals(pkg) && LAYERS.indexOf(to) <= rank) {
          upward.add(f + " imports " + to);
        }
      }
      files++;
    }
    assertTrue(files > 50, "read only " + files + " source files from " + MAIN.toAbsolutePath());
    assertEquals(List.of(), upward, "imports that run up " + LAYERS);
  }

  @Test
  void kernelAndChecksHaveNoSpark() throws IOException {
    List<String> spark = new ArrayList<>();
    for (Path f : sources()) {
      String pkg = MAIN.relativize(f).getName(0).toString();
      if ((pkg.equals("kernel") || pkg.equals("verify")) && Files.readString(f).contains("import org.apache.spark")) {
        spark.add(f.toString());
      }
    }
    assertEquals(List.of(), spark, "kernel/ and verify/ must not see Spark");
  }

  @Test
  void noSourceFileOver400Lines() throws IOException {
    List<String> big = new ArrayList<>();
    for (Path f : sources()) {
      long lines = Files.readAllLines(f).size();
      if (lines > MAX_LINES) {
        big.add(f + " (" + lines + " lines)");
      }
    }
    assertEquals(List.of(), big, "files over " + MAX_LINES + " lines");
  }

  private static List<Path> sources() throws IOException {
    try (Stream<Path> s = Files.walk(MAIN)) {
      return s.filter(p -> p.toString().endsWith(".java")).sorted().toList();
    }
  }
}
