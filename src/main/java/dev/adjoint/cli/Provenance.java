package dev.adjoint.cli;

import dev.adjoint.blas.BlasInfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Model.CommandSpec;

/**
 * The line a published figure carries about where it came from (issue 20): the command as typed, the date, the
 * commit ({@code -Dadjoint.commit}, which scripts/adjoint sets from git), the machine (CPU, cores, Spark's master)
 * and the BLAS.
 */
final class Provenance {
  private Provenance() {}

  static String of(CommandSpec spec, SparkSession spark) {
    String command = "scripts/adjoint " + spec.root().commandLine().getParseResult().originalArgs().stream()
        .map(a -> a.matches("[\\w@%+=:,./-]+") ? a : "'" + a.replace("'", "'\\''") + "'")
        .collect(java.util.stream.Collectors.joining(" "));
    String date = ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'"));
    return String.format(Locale.ROOT, "Made by `%s` on %s at commit %s; %s, %d cores, Spark %s; BLAS %s.", command, date,
        System.getProperty("adjoint.commit", "unknown (not started by scripts/adjoint)"), cpu(),
        Runtime.getRuntime().availableProcessors(), spark.sparkContext().master(), BlasInfo.current().describe());
  }

  private static String cpu() {
    try {
      return Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).strip()).findFirst().orElse(System.getProperty("os.arch"));
    } catch (IOException | RuntimeException e) {
      return System.getProperty("os.arch");
    }
  }
}
