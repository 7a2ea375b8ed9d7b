package dev.adjoint;

import java.io.IOException;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.hdfs.MiniDFSCluster;

/** A real HDFS for a test class: one NameNode and one DataNode (or more) on loopback, data under a folder of the test's. */
public final class TestHdfs implements AutoCloseable {
  private final MiniDFSCluster cluster;

  private TestHdfs(MiniDFSCluster cluster) {
    this.cluster = cluster;
  }

  /** Starts the cluster with its blocks under {@code dir}/dfs and waits until it is up. */
  public static TestHdfs start(Path dir) throws Exception {
    return start(dir, 1);
  }

  /** The same with {@code dataNodes} DataNodes (blocks kept on as many as there are, up to 3). */
  public static TestHdfs start(Path dir, int dataNodes) throws Exception {
    Configuration conf = new Configuration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, dir.resolve("dfs").toString());
    MiniDFSCluster cluster = new MiniDFSCluster.Builder(conf).numDataNodes(dataNodes).build();
    cluster.waitActive();
    return new TestHdfs(cluster);
  }

  /** The file system's URI, hdfs://127.0.0.1:PORT. */
  public String uri() {
    return "hdfs://127.0.0.1:" + cluster.getNameNodePort();
  }

  /** A client of the file system. */
  public FileSystem fileSystem() throws IOException {
    return cluster.getFileSystem();
  }

  @Override
  public void close() {
    cluster.shutdown();
  }
}
