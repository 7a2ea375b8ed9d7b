package dev.adjoint.cli;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * What can be found wrong with the environment before any work starts, each in a few seconds: a Spark master
 * that cannot be reached or is not configured (before a SparkContext starts: Spark itself would retry for a
 * minute), and file systems that cannot serve the paths given (a scheme nothing serves, a NameNode that does
 * not answer, an output folder that cannot be written). Each failure is an {@link EnvironmentException}.
 */
final class EnvironmentCheck {
  private EnvironmentCheck() {}

  /** How long one TCP probe waits: long enough for a loaded machine, short of Spark's own minute of retries. */
  static final int CONNECT_TIMEOUT_MS = 5_000;

  /** The master {@code master} (or spark-submit's, when null) is reachable and configured; else throws. */
  static void requireMaster(String master) {
    String url = master != null ? master : System.getProperty("spark.master");
    if (url == null) {
      return;
    }
    boolean clientMode = !"cluster".equals(System.getProperty("spark.submit.deployMode"));
    if (url.startsWith("spark://")) {
      requireSparkMaster(url);
    } else if (url.equals("yarn") && clientMode) {
      requireModule(url, "org.apache.spark.scheduler.cluster.YarnClusterManager", "spark-yarn");
      if (System.getenv("HADOOP_CONF_DIR") == null && System.getenv("YARN_CONF_DIR") == null) {
        throw new EnvironmentException("master 'yarn' has no configuration: neither HADOOP_CONF_DIR nor YARN_CONF_DIR "
            + "is set; check: point one of them to the folder holding the cluster's yarn-site.xml");
      }
    } else if (url.startsWith("k8s://") && clientMode) {
      requireModule(url, "org.apache.spark.scheduler.cluster.k8s.KubernetesClusterManager", "spark-kubernetes");
      if (System.getProperty("spark.kubernetes.container.image") == null) {
        throw new EnvironmentException("master " + url + " has no executor image: spark.kubernetes.container.image is "
            + "not set; check: pass --conf spark.kubernetes.container.image=IMAGE to spark-submit");
      }
      URI api = URI.create(url.substring("k8s://".length()));
      requireReachable("the Kubernetes API server of master " + url, api.getHost(),
          api.getPort() > 0 ? api.getPort() : 443, "check the master URL and that the API server runs (kubectl cluster-info)");
    }
  }

  /**
   * Spark's UI can bind a port: Spark tries spark.ui.port and the spark.port.maxRetries ports after it, and
   * when all are taken it ends the JVM with System.exit(1) (which would read as a failed check). Port 0 (any
   * free port) and a UI turned off need nothing.
   */
  static void requireUiPort() {
    if (!Boolean.parseBoolean(System.getProperty("spark.ui.enabled", "true"))) {
      return;
    }
    int first;
    int retries;
    try {
      first = Integer.parseInt(System.getProperty("spark.ui.port", "4040").strip());
      retries = Integer.parseInt(System.getProperty("spark.port.maxRetries", "16").strip());
    } catch (NumberFormatException e) {
      return;  // Spark says which setting is not a number
    }
    if (first <= 0) {
      return;
    }
    String host = System.getenv().getOrDefault("SPARK_LOCAL_IP", "0.0.0.0");
    for (int port = first; port <= Math.min(65535, first + retries); port++) {
      try (java.net.ServerSocket s = new java.net.ServerSocket()) {
        s.bind(new InetSocketAddress(host, port));
        return;
      } catch (IOException e) {
        // taken: try the next, as Spark would
      }
    }
    throw new EnvironmentException("the Spark UI's ports " + first + "–" + (first + retries) + " are all taken on " + host
        + "; check: another spark.ui.port, more spark.port.maxRetries, or spark.ui.enabled=false (-D… in JAVA_OPTS, or "
        + "--conf with spark-submit)");
  }

  /** spark://H:P or the HA form spark://H1:P1,H2:P2: at least one of them accepts a connection. */
  private static void requireSparkMaster(String url) {
    List<String> failures = new ArrayList<>();
    for (String hostPort : url.substring("spark://".length()).split(",")) {
      int colon = hostPort.lastIndexOf(':');
      if (colon < 0) {
        return;  // Spark says what is wrong with the URL itself
      }
      String host = hostPort.substring(0, colon);
      int port;
      try {
        port = Integer.parseInt(hostPort.substring(colon + 1));
      } catch (NumberFormatException e) {
        return;
      }
      String problem = connect(host, port);
      if (problem == null) {
        return;
      }
      failures.add(hostPort + " (" + problem + ")");
    }
    throw new EnvironmentException("Spark master " + url + " cannot be reached: " + String.join(", ", failures)
        + "; check that the master runs (scripts/cluster status) and the host and port in --master");
  }

  private static void requireModule(String master, String className, String module) {
    try {
      Class.forName(className, false, EnvironmentCheck.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new EnvironmentException("master '" + master + "' needs Spark's " + module + " module, which is not on "
          + "this JVM's classpath; check: submit the thin jar with your cluster's own spark-submit (docs/cluster.md)");
    }
  }

  private static void requireReachable(String what, String host, int port, String check) {
    String problem = connect(host, port);
    if (problem != null) {
      throw new EnvironmentException(what + " at " + host + ":" + port + " cannot be reached (" + problem + "); " + check);
    }
  }

  /** Null when {@code host:port} accepts a TCP connection within the timeout, else what happened. */
  static String connect(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), CONNECT_TIMEOUT_MS);
      return null;
    } catch (UnknownHostException e) {
      return "unknown host " + host;
    } catch (java.net.SocketTimeoutException e) {
      return "no answer within " + CONNECT_TIMEOUT_MS / 1000 + " s";
    } catch (IOException e) {
      return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().toLowerCase(java.util.Locale.ROOT);
    } catch (IllegalArgumentException e) {
      return "not a valid address: " + e.getMessage();
    }
  }

  /**
   * Every path given (option name, path; null paths are skipped) has a file system to serve it, that file
   * system's NameNode answers, and {@code output} (when given) can be written: a file is created and deleted
   * in it, or in the nearest folder above it that exists.
   */
  static void requirePaths(Configuration conf, String output, String... optionAndPath) {
    for (int i = 0; i + 1 < optionAndPath.length; i += 2) {
      if (optionAndPath[i + 1] != null) {
        fileSystem(conf, optionAndPath[i], optionAndPath[i + 1]);
      }
    }
    if (output != null) {
      requireWritable(conf, output);
    }
  }

  /** The file system of {@code path}, after a TCP probe of its NameNode when it is HDFS. */
  private static FileSystem fileSystem(Configuration conf, String option, String path) {
    Path p = new Path(path);
    URI uri = p.toUri();
    try {
      String scheme = uri.getScheme() != null ? uri.getScheme() : FileSystem.getDefaultUri(conf).getScheme();
      if (scheme != null) {
        FileSystem.getFileSystemClass(scheme, conf);
      }
      FileSystem fs = p.getFileSystem(conf);
      URI fsUri = fs.getUri();
      if ("hdfs".equals(fsUri.getScheme()) && fsUri.getHost() != null) {
        requireReachable("the HDFS NameNode of " + option + " " + path, fsUri.getHost(),
            fsUri.getPort() > 0 ? fsUri.getPort() : 8020,
            "check that the NameNode runs (hdfs dfsadmin -report) and the host and port in the path");
      }
      return fs;
    } catch (UnsupportedFileSystemException e) {
      throw new EnvironmentException(option + " " + path + ": no file system serves the scheme '" + uri.getScheme()
          + "'; check the URI (file:, hdfs://HOST:PORT/…) or put the connector for that scheme on the classpath", e);
    } catch (IOException e) {
      throw new EnvironmentException(option + " " + path + ": its file system cannot be opened (" + e.getMessage()
          + "); check the URI", e);
    }
  }

  private static void requireWritable(Configuration conf, String output) {
    FileSystem fs = fileSystem(conf, "--output", output);
    Path folder = fs.makeQualified(new Path(output));
    try {
      while (folder.getParent() != null && !fs.exists(folder)) {
        folder = folder.getParent();
      }
      if (!fs.getFileStatus(folder).isDirectory()) {
        return;  // OutputDir says what is wrong with a file in the way
      }
      Path probe = new Path(folder, ".adjoint-write-probe-" + UUID.randomUUID());
      fs.create(probe, false).close();
      fs.delete(probe, false);
    } catch (IOException e) {
      String reason = EnvironmentException.isPermissionDenied(e) ? "permission denied" : firstLine(e.getMessage());
      throw new EnvironmentException("output " + output + " cannot be written: " + reason + " in " + folder
          + "; check the folder's permissions and free space, or choose another --output", e);
    }
  }

  /** The secret in {@code file} (surrounding white space dropped), or an {@link EnvironmentException}. */
  static String secret(String file) {
    try {
      String secret = java.nio.file.Files.readString(java.nio.file.Path.of(file)).strip();
      if (secret.isEmpty()) {
        throw new EnvironmentException("the cluster's secret file " + file + " is empty; check: restart the cluster "
            + "(scripts/cluster stop, start), which writes a new one");
      }
      return secret;
    } catch (IOException e) {
      throw new EnvironmentException("the cluster's secret file " + file + " cannot be read (" + e.getMessage() + "); "
          + "check: it belongs to the user who started the cluster (scripts/cluster start) and only that user may read it", e);
    }
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
