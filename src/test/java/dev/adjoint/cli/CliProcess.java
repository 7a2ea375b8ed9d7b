package dev.adjoint.cli;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The command line in a JVM of its own, as scripts/adjoint starts it (this JVM's classpath and flags: Spark's
 * --add-opens, the log4j2 configuration, the BLAS), with stdout and stderr going to files, so that stderr is
 * not a terminal. For what a test cannot see in-process: Spark's own log lines, signals, the exit code.
 */
record CliProcess(Process process, Path stdout, Path stderr, long startNanos) {

  /** Starts {@code adjoint ARGS} with {@code jvmFlags} and {@code env} added; output under {@code dir}. */
  static CliProcess start(Path dir, Map<String, String> env, List<String> jvmFlags, String... args) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    for (String flag : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
      if (!flag.startsWith("-Xmx") && !flag.startsWith("-agentlib") && !flag.startsWith("-javaagent")) {
        command.add(flag);
      }
    }
    command.add("-Xmx1g");
    command.addAll(jvmFlags);
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Main.class.getName()));
    command.addAll(List.of(args));
    Files.createDirectories(dir);
    Path out = Files.createTempFile(dir, "stdout", ".txt");
    Path err = Files.createTempFile(dir, "stderr", ".txt");
    ProcessBuilder pb = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putAll(env);
    return new CliProcess(pb.start(), out, err, System.nanoTime());
  }

  /** Runs {@code adjoint ARGS} to its end (at most {@code timeoutSeconds}). */
  static Finished run(Path dir, Map<String, String> env, List<String> jvmFlags, long timeoutSeconds, String... args)
      throws Exception {
    return start(dir, env, jvmFlags, args).await(timeoutSeconds);
  }

  /** Waits for the end (killing the process after {@code timeoutSeconds}) and returns what it did. */
  Finished await(long timeoutSeconds) throws Exception {
    if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor();
      throw new AssertionError("adjoint did not finish within " + timeoutSeconds + " s:\n" + err());
    }
    return new Finished(process.exitValue(), (System.nanoTime() - startNanos) / 1e9,
        Files.readString(stdout, StandardCharsets.UTF_8), err());
  }

  /** What the process wrote to stderr so far. */
  String err() throws IOException {
    return Files.readString(stderr, StandardCharsets.UTF_8);
  }

  /** A finished process: exit code, wall seconds from start to end, stdout and stderr. */
  record Finished(int exitCode, double seconds, String out, String err) {
    @Override
    public String toString() {
      return "exit " + exitCode + " after " + String.format("%.1f", seconds) + " s\n--- stdout\n" + out + "--- stderr\n"
          + err;
    }
  }
}
