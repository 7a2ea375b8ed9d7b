package dev.adjoint.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestHdfs;
import dev.adjoint.job.InjectedFault;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivilegedExceptionAction;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.permission.FsPermission;
import org.apache.hadoop.security.UserGroupInformation;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Failures of the environment, each reproduced for real: a master port nobody listens on, a NameNode that was
 * shut down, an HDFS folder the user may not write, a task that fails on every attempt, SIGTERM in the middle
 * of a job. Each must give one line saying what failed and what to check, exit code 4 (143 for SIGTERM), no
 * stack trace, and no result files. Those that can be found up front must be said within 30 s.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EnvironmentFailureTest {
  /** The limit for a failure that can be detected before the work starts. */
  private static final double UP_FRONT_SECONDS = 30;

  @TempDir
  static Path dir;

  private static TestHdfs hdfs;

  @BeforeAll
  static void startHdfs() throws Exception {
    hdfs = TestHdfs.start(dir);
  }

  @AfterAll
  static void stopHdfs() {
    hdfs.close();  // closing twice is harmless
  }

  private static void assertEnvironmentFailure(int exitCode, String err, String... facts) {
    assertEquals(ExitCodes.ENVIRONMENT, exitCode, err);
    for (String fact : facts) {
      assertTrue(err.contains(fact), "message names '" + fact + "':\n" + err);
    }
    assertEquals(1, err.lines().filter(l -> l.startsWith("adjoint: error: ")).count(), "one error line:\n" + err);
    assertFalse(err.contains("\tat "), "no stack trace without --verbose:\n" + err);
  }

  private static void assertNoResults(Path out) throws Exception {
    if (Files.exists(out)) {
      try (Stream<Path> files = Files.list(out)) {
        assertEquals(List.of(), files.toList(), "nothing written to " + out);
      }
    }
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  @Order(1)
  void aMasterPortNobodyListensOnIsSaidBeforeSparkStarts() throws Exception {
    int port = closedPort();
    Path out = dir.resolve("closed-master");
    CliProcess.Finished r = CliProcess.run(dir, Map.of(), List.of(), 120, "run", "--master", "spark://127.0.0.1:" + port,
        "--output", out.toString());
    assertEnvironmentFailure(r.exitCode(), r.err(), "Spark master spark://127.0.0.1:" + port + " cannot be reached",
        "connection refused", "check that the master runs");
    assertTrue(r.seconds() < UP_FRONT_SECONDS, "said within " + UP_FRONT_SECONDS + " s: " + r);
    assertNoResults(out);
  }

  @Test
  @Order(1)
  void uiPortsAllTakenAreSaidBeforeSparkEndsTheJvm() throws Exception {
    // Spark would end the JVM with System.exit(1) (a failed check's code) when its UI cannot bind
    try (ServerSocket taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      CliProcess.Finished r = CliProcess.run(dir, Map.of(), List.of("-Dspark.ui.port=" + port, "-Dspark.port.maxRetries=0"),
          120, "run", "--output", dir.resolve("ui-port").toString());
      assertEnvironmentFailure(r.exitCode(), r.err(), "the Spark UI's ports " + port + "–" + port + " are all taken",
          "spark.ui.enabled=false");
      assertTrue(r.seconds() < UP_FRONT_SECONDS, "said within " + UP_FRONT_SECONDS + " s: " + r);
    }
  }

  @Test
  @Order(2)
  void anHdfsFolderTheUserMayNotWriteIsSaidBeforeAnyDataIsRead() throws Exception {
    FileSystem fs = hdfs.fileSystem();  // as the user who started the NameNode, its superuser
    org.apache.hadoop.fs.Path readOnly = new org.apache.hadoop.fs.Path("/read-only");
    fs.mkdirs(readOnly);
    fs.setPermission(readOnly, new FsPermission((short) 0555));
    String out = hdfs.uri() + "/read-only/out";
    // another user: the superuser may write anywhere (and so may root on a local folder, hence HDFS here)
    CliRun r = UserGroupInformation.createRemoteUser("adjoint-test-user").doAs(
        (PrivilegedExceptionAction<CliRun>) () -> CliRun.of("run", "--output", out));
    assertEnvironmentFailure(r.exitCode(), r.err(), "output " + out + " cannot be written", "permission denied",
        "check the folder's permissions");
    assertEquals(0, fs.listStatus(readOnly).length, "nothing written, not even the probe");
  }

  @Test
  @Order(3)
  void aNameNodeThatIsDownOrASchemeNobodyServesIsSaidUpFront() throws Exception {
    String input = hdfs.uri() + "/adjoint/data";
    String address = hdfs.uri().substring("hdfs://".length());
    hdfs.close();
    Path out = dir.resolve("namenode-down");
    long t0 = System.nanoTime();
    CliRun r = CliRun.of("run", "--input", input, "--out-dim", "2", "--output", out.toString());
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEnvironmentFailure(r.exitCode(), r.err(), "the HDFS NameNode of --input " + input + " at " + address
        + " cannot be reached", "connection refused", "check that the NameNode runs");
    assertTrue(seconds < UP_FRONT_SECONDS, "said within " + UP_FRONT_SECONDS + " s, took " + seconds);
    assertNoResults(out);

    CliRun scheme = CliRun.of("run", "--input", "nosuchfs://host/data", "--out-dim", "2", "--output", out.toString());
    assertEnvironmentFailure(scheme.exitCode(), scheme.err(), "--input nosuchfs://host/data: no file system serves the "
        + "scheme 'nosuchfs'", "check the URI");
    assertNoResults(out);
  }

  @Test
  @Order(4)
  void aTaskThatFailsOnEveryAttemptEndsTheRunWithTheTaskAndItsError() throws Exception {
    Path out = dir.resolve("always-fails");
    // local[1,3]: one core, and each task may fail 3 times, as on a cluster (spark.task.maxFailures)
    CliProcess.Finished r = CliProcess.run(dir, Map.of(InjectedFault.ENV, "1"),
        List.of("-D" + InjectedFault.CONF + "=fail-always:0"), 180, "run", "--master", "local[1,3]", "--output",
        out.toString());
    assertEnvironmentFailure(r.exitCode(), r.err(), "Spark gave up on the job: Task 0 in stage", "failed 3 times",
        "injected fault: partition 0, attempt 2", "check the executors' logs");
    assertFalse(r.err().contains("aborting job"), "Spark's own ERROR line before adjoint's is quiet:\n" + r);
    assertNoResults(out);
  }

  @Test
  @Order(5)
  void sigtermStopsARunningJobPromptlyWithNothingWritten() throws Exception {
    Path out = dir.resolve("sigterm");
    // partition 0's first attempt sleeps a minute: the job is surely running when the signal comes
    CliProcess p = CliProcess.start(dir, Map.of(InjectedFault.ENV, "1"), List.of("-D" + InjectedFault.CONF + "=slow:0:60"),
        "run", "--master", "local[2]", "--output", out.toString());
    for (int i = 0; i < 600 && !p.err().contains("TEST FAULT INJECTION ACTIVE"); i++) {
      Thread.sleep(200);
    }
    assertTrue(p.err().contains("TEST FAULT INJECTION ACTIVE"), "the job started:\n" + p.err());
    Thread.sleep(2000);  // the task is submitted just after the fault is read
    long t0 = System.nanoTime();
    p.process().destroy();  // SIGTERM
    CliProcess.Finished r = p.await(60);
    double seconds = (System.nanoTime() - t0) / 1e9;
    assertEquals(ExitCodes.TERMINATED, r.exitCode(), r.toString());
    System.out.printf("SIGTERM: exit %d, %.1f s after the signal%n", r.exitCode(), seconds);
    assertTrue(seconds < 15, "stopped within 15 s of SIGTERM, took " + seconds + "\n" + r);
    assertTrue(r.err().contains("adjoint: stopping: the process was told to stop (SIGTERM or Ctrl-C)"), r.toString());
    assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r);
    assertNoResults(out);
  }
}
