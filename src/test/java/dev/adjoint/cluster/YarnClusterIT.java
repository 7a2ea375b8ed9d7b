package dev.adjoint.cluster;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.adjoint.TestHdfs;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.yarn.api.records.ApplicationId;
import org.apache.hadoop.yarn.api.records.FinalApplicationStatus;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;
import org.apache.hadoop.yarn.server.resourcemanager.rmapp.RMApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The thin jar on YARN over HDFS: a MiniDFSCluster (two DataNodes) and a MiniYARNCluster (a ResourceManager and
 * two NodeManagers, which launch every container as its own JVM) in this JVM, their configuration written to a
 * HADOOP_CONF_DIR, and each job submitted by scripts/adjoint through {@code SparkSubmit --master yarn} with
 * {@code --properties-file conf/spark-defaults.conf}. X, W.npy and b.npy exist only on HDFS, and so do the
 * results. In cluster mode the driver is YARN's ApplicationMaster, in a container, and the thin jar and the
 * configuration reach it through the staging folder on HDFS. dW.npy and db.npy must be bitwise those of a
 * local[2] run on the same files; a missing input must fail the application with adjoint's one line in YARN's
 * diagnostics and in the driver container's log, and write nothing.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class YarnClusterIT {
  private static final Path ROOT = Path.of("").toAbsolutePath();
  private static final Path WORK = ROOT.resolve("target/yarn-it");
  private static final long ROWS = 4_000;
  /**
   * For every JVM the test starts (the launchers and each container: a dozen short-lived Spark JVMs on two
   * cores): the quick JIT only and the serial collector, which halve their CPU time at start. Neither
   * changes a result: Java's float arithmetic is the same in every compiler tier, and the GEMMs are native.
   */
  private static final String FAST_START = "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC";

  private static TestHdfs hdfs;
  private static MiniYARNCluster yarn;
  /**
   * The ResourceManager's and NodeManagers' web apps each install Guice's servlet filter, whose java.util.logging
   * then warns "Multiple Servlet injectors detected" (harmless in a minicluster: its own daemons share one JVM).
   * Held here so that the logger, weakly referenced by JUL, keeps its level.
   */
  private static final java.util.logging.Logger GUICE_FILTER =
      java.util.logging.Logger.getLogger("org.apache.hadoop.shaded.com.google.inject.servlet.GuiceFilter");
  private static Path hadoopConf;
  private static String data;  // hdfs://…/gen: data/, W.npy, b.npy
  private static byte[] localDw;
  private static byte[] localDb;
  private static double localLoss;

  record Result(int exit, String output) {}

  @BeforeAll
  static void startClusters() throws Exception {
    deleteTree(WORK);
    Files.createDirectories(WORK);
    Path gen = WORK.resolve("gen");
    Result g = sh(Map.of(), "scripts/adjoint", "generate", "--rows", Long.toString(ROWS), "--dim", "16", "--out-dim", "4",
        "--targets", "--files", "3", "--seed", "11", "--output", gen.toString(), "--overwrite", "-q");
    assertEquals(0, g.exit(), g.output());

    long start = System.nanoTime();
    hdfs = TestHdfs.start(WORK, 2);
    FileSystem fs = hdfs.fileSystem();
    fs.copyFromLocalFile(new org.apache.hadoop.fs.Path(gen.toUri()), new org.apache.hadoop.fs.Path("/gen"));
    data = hdfs.uri() + "/gen";

    YarnConfiguration conf = new YarnConfiguration();
    conf.set("fs.defaultFS", hdfs.uri());  // the staging folder: hdfs:///user/<user>/.sparkStaging
    // capacity-scheduler.xml is not in hadoop-client-minicluster: one queue, all of it (as Spark's own YARN suite)
    conf.set("yarn.scheduler.capacity.root.queues", "default");
    conf.setInt("yarn.scheduler.capacity.root.default.capacity", 100);
    conf.setInt("yarn.scheduler.capacity.root.default.maximum-capacity", 100);
    conf.setFloat("yarn.scheduler.capacity.root.default.user-limit-factor", 1);
    conf.setFloat("yarn.scheduler.capacity.maximum-am-resource-percent", 1);
    conf.setInt("yarn.scheduler.capacity.node-locality-delay", -1);
    conf.set("yarn.nodemanager.disk-health-checker.max-disk-utilization-per-disk-percentage", "100.0");
    conf.setInt("yarn.scheduler.minimum-allocation-mb", 128);
    conf.setInt("yarn.nodemanager.resource.memory-mb", 4096);
    conf.setBoolean("yarn.nodemanager.vmem-check-enabled", false);  // the JVM reserves far more address space than it uses
    conf.setInt("yarn.resourcemanager.am.max-attempts", 1);
    // what a node's environment gives every container: a JDK, told to start fast (below)
    conf.set("yarn.nodemanager.admin-env", "JAVA_HOME=" + System.getProperty("java.home") + ",JAVA_TOOL_OPTIONS=" + FAST_START);
    GUICE_FILTER.setLevel(java.util.logging.Level.SEVERE);
    yarn = new MiniYARNCluster("adjoint-yarn-it", 2, 1, 1);
    yarn.init(conf);
    yarn.start();
    Configuration running = yarn.getConfig();
    for (int i = 0; i < 100 && running.get(YarnConfiguration.RM_ADDRESS).endsWith(":0"); i++) {
      Thread.sleep(100);  // start() may return before the ResourceManager has written its port back
    }
    assertFalse(running.get(YarnConfiguration.RM_ADDRESS).endsWith(":0"), "the ResourceManager has a port");
    System.out.printf("YarnClusterIT: HDFS and YARN up: %.1f s%n", (System.nanoTime() - start) / 1e9);
    hadoopConf = WORK.resolve("hadoop-conf");
    Files.createDirectories(hadoopConf);
    try (OutputStream out = Files.newOutputStream(hadoopConf.resolve("yarn-site.xml"))) {
      running.writeXml(out);
    }

    // The same files as the YARN runs read: a local folder may list two files of the same size in another
    // order than HDFS (which sorts by name), and Spark packs splits in listing order among equal sizes, so
    // the rows would be summed in another order. A file: URI, since HADOOP_CONF_DIR makes HDFS the default.
    Path local = WORK.resolve("local");
    Result r = sh(Map.of(), run("local[2]", data, local.toUri().toString()));
    assertEquals(0, r.exit(), r.output());
    localDw = Files.readAllBytes(local.resolve("dW.npy"));
    localDb = Files.readAllBytes(local.resolve("db.npy"));
    localLoss = new ObjectMapper().readTree(local.resolve("report.json").toFile()).at("/loss").asDouble();
  }

  @AfterAll
  static void stopClusters() {
    if (yarn != null) {
      yarn.stop();
    }
    if (hdfs != null) {
      hdfs.close();
    }
  }

  @Test
  @Order(1)
  void clusterModeOnHdfsGivesTheSameBitsAsLocal() throws Exception {
    String out = hdfs.uri() + "/runs/cluster";
    Result r = sh(Map.of("ADJOINT_DEPLOY_MODE", "cluster"), run("yarn", data, out));
    assertEquals(0, r.exit(), r.output());
    JsonNode report = assertSameAsLocal(out, "yarn cluster mode");
    RMApp app = application(report.at("/spark/application_id").asText());
    assertEquals(FinalApplicationStatus.SUCCEEDED, app.getFinalApplicationStatus(), app.getDiagnostics().toString());
    // the driver ran in the ApplicationMaster's container: its log there has the run's summary
    assertTrue(containerLogsContain(app.getApplicationId(), "stdout", "verification"), "the driver's summary, in its container");
  }

  @Test
  @Order(2)
  void clientModeOnHdfsGivesTheSameBitsAsLocal() throws Exception {
    String out = hdfs.uri() + "/runs/client";
    Result r = sh(Map.of(), run("yarn", data, out));
    assertEquals(0, r.exit(), r.output());
    assertTrue(r.output().contains("verification"), "the driver's summary, here:\n" + r.output());
    JsonNode report = assertSameAsLocal(out, "yarn client mode");
    RMApp app = application(report.at("/spark/application_id").asText());
    assertTrue(app.getFinishTime() > 0, "the application ended with the driver");
  }

  @Test
  @Order(3)
  void aMissingInputFailsTheApplicationWithAdjointsLine() throws Exception {
    String out = hdfs.uri() + "/runs/missing";
    String missing = hdfs.uri() + "/no/such/data";
    String[] command = run("yarn", data, out);
    for (int i = 0; i < command.length; i++) {
      if (command[i].equals("--input")) {
        command[i + 1] = missing;
      }
    }
    Result r = sh(Map.of("ADJOINT_DEPLOY_MODE", "cluster"), command);
    String line = "adjoint: error: input " + missing + " does not exist";
    assertEquals(1, r.exit(), "spark-submit's code for a failed application:\n" + r.output());
    assertTrue(r.output().contains("Application diagnostics message: User class threw exception: " + line + " (exit code 2)"),
        "YARN's diagnostics, as spark-submit prints them:\n" + r.output());
    RMApp app = yarn.getResourceManager().getRMContext().getRMApps().values().stream()
        .max(Comparator.comparing(RMApp::getStartTime)).orElseThrow();
    assertEquals(FinalApplicationStatus.FAILED, app.getFinalApplicationStatus());
    assertTrue(app.getDiagnostics().toString().contains(line), "the application's diagnostics: " + app.getDiagnostics());
    assertTrue(containerLogsContain(app.getApplicationId(), "stderr", line), "the driver's log has the line");
    assertFalse(hdfs.fileSystem().exists(new org.apache.hadoop.fs.Path(out)), "nothing written");
  }

  private static String[] run(String master, String in, String out) {
    return new String[] {"scripts/adjoint", "run", "--master", master, "--input", in + "/data",
        "--features-col", "features", "--target-col", "targets", "--loss", "squared",
        "--weights", in + "/W.npy", "--bias", in + "/b.npy", "--partitions", "4",
        "--verify", "reference,freivalds", "--output", out, "--overwrite"};
  }

  /** dW.npy, db.npy and L of the run at {@code out} (on HDFS) are bitwise the local[2] run's; its report. */
  private static JsonNode assertSameAsLocal(String out, String what) throws Exception {
    assertArrayEquals(localDw, readHdfs(out + "/dW.npy"), what + ": dW.npy bitwise");
    assertArrayEquals(localDb, readHdfs(out + "/db.npy"), what + ": db.npy bitwise");
    JsonNode report = new ObjectMapper().readTree(readHdfs(out + "/report.json"));
    assertEquals("yarn", report.at("/spark/master").asText(), what + ": ran on YARN");
    assertEquals(ROWS, report.at("/shapes/n").asLong(), what + ": every row counted once");
    assertEquals(Double.doubleToLongBits(localLoss), Double.doubleToLongBits(report.at("/loss").asDouble()), what + ": L");
    assertEquals("pass", report.at("/verification/verdict").asText(), what + ": " + report.at("/verification"));
    assertTrue(report.at("/verification/checks").size() >= 4, what + ": the checks ran");
    for (JsonNode check : report.at("/verification/checks")) {
      assertEquals("pass", check.at("/verdict").asText(), what + ": " + check);
    }
    return report;
  }

  private static byte[] readHdfs(String uri) throws IOException {
    try (InputStream in = hdfs.fileSystem().open(new org.apache.hadoop.fs.Path(uri))) {
      return in.readAllBytes();
    }
  }

  private static RMApp application(String id) {
    RMApp app = yarn.getResourceManager().getRMContext().getRMApps().get(ApplicationId.fromString(id));
    assertNotNull(app, "YARN knows application " + id);
    return app;
  }

  /** Whether the {@code file} (stdout or stderr) of any container of {@code app} holds {@code text}. */
  private static boolean containerLogsContain(ApplicationId app, String file, String text) throws IOException {
    String name = app.toString();
    try (Stream<Path> files = Files.walk(yarn.getTestWorkDir().toPath())) {
      List<Path> logs = files.filter(f -> f.getFileName().toString().equals(file) && f.toString().contains(name)).toList();
      for (Path log : logs) {
        if (Files.readString(log, StandardCharsets.ISO_8859_1).contains(text)) {
          return true;
        }
      }
      return false;
    }
  }

  /** {@code command} in the project folder with the YARN cluster's configuration, its output and exit code. */
  static Result sh(Map<String, String> env, String... command) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(command).directory(ROOT.toFile()).redirectErrorStream(true);
    Map<String, String> environment = new HashMap<>();
    if (hadoopConf != null) {
      environment.put("HADOOP_CONF_DIR", hadoopConf.toString());
    }
    // the containers' Spark binds to loopback, the only network here (YARN adds admin-env values to the
    // application's with a ':', so this cannot be the nodes' setting)
    environment.put("JAVA_OPTS", "-Dspark.yarn.appMasterEnv.SPARK_LOCAL_IP=127.0.0.1 -Dspark.executorEnv.SPARK_LOCAL_IP=127.0.0.1");
    environment.put("JAVA_TOOL_OPTIONS", FAST_START);
    environment.put("ADJOINT_DRIVER_MEMORY", "1g");
    environment.put("ADJOINT_EXECUTOR_MEMORY", "512m");
    environment.putAll(env);
    pb.environment().putAll(environment);
    Path log = Files.createTempFile(WORK, "cmd", ".log");
    pb.redirectOutput(log.toFile());
    long start = System.nanoTime();
    Process p = pb.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError(String.join(" ", command) + " did not finish in 300 s:\n" + Files.readString(log));
    }
    System.out.printf("YarnClusterIT: %s %s %s: %.1f s%n", command[1], command[2].equals("--master") ? command[3] : "",
        String.join(" ", env.values()), (System.nanoTime() - start) / 1e9);
    return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
