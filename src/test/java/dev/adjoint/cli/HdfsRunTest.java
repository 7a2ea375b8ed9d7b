package dev.adjoint.cli;

import static dev.adjoint.kernel.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestHdfs;
import dev.adjoint.TestSpark;
import dev.adjoint.data.Npy;
import dev.adjoint.job.NpyFiles;
import java.io.InputStream;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.hadoop.fs.FileSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real HDFS (MiniDFSCluster, one NameNode and one DataNode on loopback): generate onto hdfs://, run
 * reading X, W.npy and b.npy from HDFS and writing every output there, and compare with the same run
 * on local files.
 */
class HdfsRunTest {
  private static TestHdfs cluster;
  private static String hdfs;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void startHdfs() throws Exception {
    cluster = TestHdfs.start(tmp);
    hdfs = cluster.uri();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.close();
    }
  }

  private static Npy.Array readNpy(String uri) throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    try (InputStream in = p.getFileSystem(TestSpark.get().sparkContext().hadoopConfiguration()).open(p)) {
      return Npy.read(in, uri);
    }
  }

  private static JsonNode readJson(String uri) throws Exception {
    org.apache.hadoop.fs.Path p = new org.apache.hadoop.fs.Path(uri);
    try (InputStream in = p.getFileSystem(TestSpark.get().sparkContext().hadoopConfiguration()).open(p)) {
      return new ObjectMapper().readTree(in);
    }
  }

  @Test
  void generateAndRunOnHdfsEqualsTheSameOnLocalFiles() throws Exception {
    String[] gen = {"generate", "--rows", "5000", "--dim", "12", "--out-dim", "3", "--targets", "--files", "3", "--seed", "9"};
    String remote = hdfs + "/adjoint/gen";
    String local = tmp.resolve("gen").toString();
    CliRun g1 = CliRun.of(concat(gen, "--output", remote));
    assertEquals(0, g1.exitCode(), g1.toString());
    CliRun g2 = CliRun.of(concat(gen, "--output", local));
    assertEquals(0, g2.exitCode(), g2.toString());

    String remoteOut = hdfs + "/adjoint/run";
    String localOut = tmp.resolve("run").toString();
    for (String[] where : new String[][] {{remote, remoteOut}, {local, localOut}}) {
      CliRun run = CliRun.of("run", "--input", where[0] + "/data", "--features-col", "features", "--target-col", "targets",
          "--id-col", "id", "--weights", where[0] + "/W.npy", "--bias", where[0] + "/b.npy", "--loss", "squared",
          "--partitions", "3", "--output", where[1], "--write-activations");
      assertEquals(0, run.exitCode(), run.toString());
    }
    FileSystem fs = cluster.fileSystem();
    for (String name : new String[] {"dW.npy", "db.npy", "report.json", "activations/_SUCCESS"}) {
      assertTrue(fs.exists(new org.apache.hadoop.fs.Path("/adjoint/run/" + name)), name + " written to HDFS");
    }
    // Same data and partitioning; the tree of sums may combine partials in another order (SPARK-15043),
    // so equal to float64 rounding of n = 5000-term sums: relative 1e-12 (see Close).
    assertClose(NpyFiles.read(Path.of(localOut, "dW.npy")).data(), readNpy(remoteOut + "/dW.npy").data(), "dW");
    assertClose(NpyFiles.read(Path.of(localOut, "db.npy")).data(), readNpy(remoteOut + "/db.npy").data(), "db");
    JsonNode r = readJson(remoteOut + "/report.json");
    assertEquals(5000, r.at("/shapes/n").asLong());
    assertEquals("pass", r.at("/verification/verdict").asText(), r.toPrettyString());
    assertEquals(5000, TestSpark.get().read().parquet(remoteOut + "/activations").count());
    // the generated data is identical on both file systems
    assertEquals(0, TestSpark.get().read().parquet(remote + "/data").exceptAll(TestSpark.get().read().parquet(local + "/data"))
        .count());
  }

  private static String[] concat(String[] a, String... b) {
    String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
