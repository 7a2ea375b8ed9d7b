package dev.adjoint.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The job on a real multi-JVM Spark standalone cluster (a master and two workers started by
 * scripts/cluster, each job submitted by scripts/adjoint through SparkSubmit with the thin jar), and
 * what clusters do to jobs: a failed task, a killed executor, a speculative copy. Each must leave dW,
 * db and L bitwise identical to the clean run (the partials are merged in a tree fixed by partition
 * index, so scheduling cannot change the bits) and count every row once. And the cluster's doors: a project
 * path with a space in it works, and a submission without the cluster's secret is refused.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterIT {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path WORK = ROOT.resolve("target/cluster-it");
  // free ports, found when the class loads: other builds on this machine may run a cluster of their own
  private static final int PORT = freePort(1);
  private static final int UI_PORT = freePort(3);  // the master's UI, then one per worker (scripts/cluster: UI + w)
  private static final String URL = "spark://127.0.0.1:" + PORT;
  private static final long ROWS = 40_000;

  private static Path data;
  private static byte[] cleanDw;
  private static byte[] cleanDb;
  private static double cleanLoss;

  record Result(int exit, String output) {}

  /** {@code command} in the project folder, for this test's cluster (its folder, so its secret, and ports). */
  private static ProcessBuilder builder(Map<String, String> env, String... command) {
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    pb.environment().put("ADJOINT_CLUSTER_DIR", WORK.resolve("cluster").toString());
    pb.environment().put("ADJOINT_MASTER_PORT", Integer.toString(PORT));
    pb.environment().put("ADJOINT_MASTER_UI_PORT", Integer.toString(UI_PORT));
    pb.environment().put("ADJOINT_DRIVER_MEMORY", "1g");
    pb.environment().putAll(env);
    return pb;
  }

  static Result sh(Map<String, String> env, long timeoutSeconds, String... command) throws Exception {
    ProcessBuilder pb = builder(env, command);
    Path log = Files.createTempFile(WORK, "cmd", ".log");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s:\n"
          + Files.readString(log));
    }
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  static Process start(Map<String, String> env, Path log, String... command) throws IOException {
    return builder(env, command).redirectOutput(log.toFile()).start();
  }

  static String[] run(String master, String out) {
    return new String[] {"scripts/adjoint", "run", "--master", master, "--input", data.resolve("data").toString(),
        "--features-col", "features", "--target-col", "targets", "--loss", "squared",
        "--weights", data.resolve("W.npy").toString(), "--bias", data.resolve("b.npy").toString(),
        "--partitions", "6", "--verify", "reference,freivalds", "--output", out, "--overwrite"};
  }

  @BeforeAll
  static void startCluster() throws Exception {
    Files.createDirectories(WORK);
    data = WORK.resolve("gen");
    Result gen = sh(Map.of(), 300, "scripts/adjoint", "generate", "--rows", Long.toString(ROWS), "--dim", "24",
        "--out-dim", "6", "--targets", "--files", "3", "--seed", "5", "--output", data.toString(), "--overwrite");
    assertEquals(0, gen.exit(), gen.output());
    Result up = sh(Map.of(), 120, "scripts/cluster", "start");
    assertEquals(0, up.exit(), up.output());
  }

  @AfterAll
  static void stopCluster() throws Exception {
    Result down = sh(Map.of(), 60, "scripts/cluster", "stop");
    System.out.println(down.output());
  }

  private static void assertSameAsClean(Path out, String what) throws Exception {
    assertArrayEquals(cleanDw, Files.readAllBytes(out.resolve("dW.npy")), what + ": dW.npy bitwise");
    assertArrayEquals(cleanDb, Files.readAllBytes(out.resolve("db.npy")), what + ": db.npy bitwise");
    var report = new ObjectMapper().readTree(out.resolve("report.json").toFile());
    assertEquals(ROWS, report.at("/shapes/n").asLong(), what + ": every row counted once");
    assertEquals(Double.doubleToLongBits(cleanLoss), Double.doubleToLongBits(report.at("/loss").asDouble()), what + ": L");
    assertEquals("pass", report.at("/verification/verdict").asText(), what);
  }

  @Test
  @Order(1)
  void clusterGivesTheSameBitsAsLocal() throws Exception {
    Path clean = WORK.resolve("clean");
    Result cluster = sh(Map.of(), 300, run(URL, clean.toString()));
    assertEquals(0, cluster.exit(), cluster.output());
    var report = new ObjectMapper().readTree(clean.resolve("report.json").toFile());
    assertEquals(URL, report.at("/spark/master").asText(), "ran on the standalone cluster");
    if ("bundled".equals(System.getenv("ADJOINT_BLAS"))) {  // the executors got the bundled OpenBLAS and loaded it
      assertTrue(executorLogsContain("-Ddev.ludovic.netlib.blas.nativeLibPath=") && executorLogsContain(
          "Using dev.ludovic.netlib.blas.JNIBLAS"), "executors on the bundled native BLAS:\n" + cluster.output());
    }
    cleanDw = Files.readAllBytes(clean.resolve("dW.npy"));
    cleanDb = Files.readAllBytes(clean.resolve("db.npy"));
    cleanLoss = report.at("/loss").asDouble();

    Path local = WORK.resolve("local");
    Result localRun = sh(Map.of(), 300, run("local[2]", local.toString()));
    assertEquals(0, localRun.exit(), localRun.output());
    assertSameAsClean(local, "local[2] vs standalone");

    Path again = WORK.resolve("again");
    Result second = sh(Map.of(), 300, run(URL, again.toString()));
    assertEquals(0, second.exit(), second.output());
    assertSameAsClean(again, "a second cluster run");
  }

  @Test
  @Order(2)
  void aTaskThatFailsOnceIsRetriedWithNothingLostOrCountedTwice() throws Exception {
    Path out = WORK.resolve("retry");
    Result r = sh(Map.of("ADJOINT_TEST_FAULTS", "1", "JAVA_OPTS", "-Dspark.adjoint.test.fault=fail:2"), 300,
        run(URL, out.toString()));
    assertEquals(0, r.exit(), r.output());
    assertTrue(executorLogsContain("adjoint: injected fault: partition 2, attempt 0"), "the fault fired:\n" + r.output());
    assertSameAsClean(out, "after a retried task");
  }

  @Test
  @Order(3)
  void anExecutorKilledMidJobIsReplaced() throws Exception {
    Path out = WORK.resolve("killed");
    Path log = WORK.resolve("killed.log");
    // partition 0's first attempt sleeps, so the job is surely running when an executor dies
    Path sparkLog = WORK.resolve("killed-spark.log");  // Spark's own lines go to its log file, not the terminal
    Process job = start(Map.of("ADJOINT_TEST_FAULTS", "1", "JAVA_OPTS", "-Dspark.adjoint.test.fault=slow:0:20",
        "ADJOINT_LOG", sparkLog.toString()), log, run(URL, out.toString()));
    long killed = -1;
    for (int i = 0; i < 360 && killed < 0; i++) {  // up to 3 min: a loaded 2-core machine is slow to set up
      Thread.sleep(500);
      String text = Files.exists(log) ? Files.readString(log) : "";
      List<Long> executors = executorPids();
      if (text.contains("TEST FAULT INJECTION ACTIVE") && executors.size() == 2 && i > 10) {
        killed = executors.get(0);
        new ProcessBuilder("kill", "-9", Long.toString(killed)).start().waitFor();
      }
    }
    assertTrue(killed > 0, "found an executor to kill");
    assertTrue(job.waitFor(300, TimeUnit.SECONDS), "job finished");
    String output = Files.readString(log);
    assertEquals(0, job.exitValue(), output);
    String spark = Files.exists(sparkLog) ? Files.readString(sparkLog) : "";
    assertTrue(spark.contains("Lost executor"), "Spark saw the executor die (" + sparkLog + "):\n" + spark);
    assertFalse(output.contains("Lost executor"), "Spark's warning stays off the terminal:\n" + output);
    assertSameAsClean(out, "after an executor was killed");
  }

  @Test
  @Order(4)
  void aSpeculativeCopyOfASlowTaskChangesNothing() throws Exception {
    Path out = WORK.resolve("speculation");
    // partition 0's first attempt would sleep 10 minutes: the job can only finish through a speculative copy
    Result r = sh(Map.of("ADJOINT_TEST_FAULTS", "1", "JAVA_OPTS", String.join(" ", "-Dspark.adjoint.test.fault=slow:0:600",
        "-Dspark.speculation=true", "-Dspark.speculation.multiplier=1.5", "-Dspark.speculation.quantile=0.5",
        "-Dspark.speculation.interval=200ms", "-Dspark.speculation.minTaskRuntime=1s")), 300, run(URL, out.toString()));
    assertEquals(0, r.exit(), r.output());
    assertSameAsClean(out, "with a speculative copy");
  }

  @Test
  @Order(5)
  void aProjectPathWithASpaceRunsOnTheCluster() throws Exception {
    // the same project seen through a path with a space: every path the launcher gives the executors
    // (temporary folder, log configuration, BLAS library) has the space in it
    Path link = WORK.resolve("project with space");
    Files.deleteIfExists(link);
    Files.createSymbolicLink(link, ROOT);
    Path out = WORK.resolve("out with space");
    String[] command = run(URL, out.toString());
    command[0] = link.resolve("scripts/adjoint").toString();
    Result r = sh(Map.of(), 300, command);
    assertEquals(0, r.exit(), r.output());
    assertTrue(executorLogsContain("-Djava.io.tmpdir=" + link.resolve("target/tmp")),
        "an executor got the temporary folder's path whole:\n" + r.output());
    assertSameAsClean(out, "from a project path with a space");
  }

  @Test
  @Order(6)
  void aSubmissionWithoutTheClusterSecretIsRefused() throws Exception {
    Path secret = WORK.resolve("cluster/secret");
    assertEquals(Set.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE),
        Files.getPosixFilePermissions(secret), "the secret is its owner's only");
    assertEquals(64, Files.readString(secret).strip().length(), "256 random bits, in hex");
    Path out = WORK.resolve("no-secret");
    // a cluster folder of no cluster: the launcher finds no secret for this master and submits without one
    Result r = sh(Map.of("ADJOINT_CLUSTER_DIR", WORK.resolve("not-this-cluster").toString()), 300,
        run(URL, out.toString()));
    assertEquals(4, r.exit(), r.output());
    assertTrue(r.output().contains("adjoint: error: Spark stopped the application"), r.output());
    assertTrue(Files.readString(WORK.resolve("cluster/master.log")).contains("Expected SaslMessage"),
        "the master refused the unauthenticated connection");
    assertFalse(Files.exists(out.resolve("dW.npy")), "nothing written");
  }

  /**
   * The first of {@code count} consecutive loopback ports that are free now: the kernel's choice of an
   * ephemeral port, and the ones after it checked by binding them.
   */
  static int freePort(int count) {
    for (int attempt = 0; attempt < 50; attempt++) {
      try (ServerSocket first = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int base = first.getLocalPort();
        if (base + count - 1 <= 65535 && (count == 1 || freeRange(base + 1, count - 1))) {
          return base;
        }
      } catch (IOException e) {
        // try another
      }
    }
    throw new IllegalStateException("no " + count + " consecutive free ports on loopback");
  }

  private static boolean freeRange(int from, int count) {
    for (int port = from; port < from + count; port++) {
      try (ServerSocket s = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
        s.setReuseAddress(true);
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  /** Whether any executor's stderr (in the workers' work folders) holds {@code text}. */
  private static boolean executorLogsContain(String text) throws IOException {
    try (var files = Files.walk(WORK.resolve("cluster"))) {
      return files.filter(f -> f.getFileName().toString().equals("stderr")).anyMatch(f -> {
        try {
          return Files.readString(f, StandardCharsets.ISO_8859_1).contains(text);
        } catch (IOException e) {
          return false;
        }
      });
    }
  }

  /** The executor JVMs the workers launched (children of the recorded worker pids). */
  private static List<Long> executorPids() throws Exception {
    List<Long> pids = new ArrayList<>();
    for (int w = 1; w <= 2; w++) {
      Path pidFile = WORK.resolve("cluster/worker-" + w + ".pid");
      if (!Files.exists(pidFile)) {
        continue;
      }
      long worker = Long.parseLong(Files.readString(pidFile).trim());
      // the JDK's ProcessHandle.Info drops very long command lines (ours holds the whole classpath): read /proc
      ProcessHandle.of(worker).ifPresent(h -> h.descendants().forEach(c -> {
        try {
          String cmd = Files.readString(Path.of("/proc/" + c.pid() + "/cmdline"), StandardCharsets.ISO_8859_1);
          if (cmd.contains("CoarseGrainedExecutorBackend")) {
            pids.add(c.pid());
          }
        } catch (IOException e) {
          // the process ended meanwhile
        }
      }));
    }
    return pids;
  }

}
