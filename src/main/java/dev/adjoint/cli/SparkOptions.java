package dev.adjoint.cli;

import dev.adjoint.job.CachePolicy;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.Progress;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * The Spark options (a picocli arg group, help heading {@value #HEADING}): {@code --master}, which every
 * command that runs on Spark takes, and the session it opens. {@link Blocks} adds the block size,
 * {@link Layout} the rest of one pass's layout; each flag means the same in every command that takes it.
 */
class SparkOptions {
  static final String HEADING = "%nSpark:%n";

  @Option(names = "--master", paramLabel = "URL", order = 1, description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  @Option(names = {"-q", "--quiet"}, order = 9,
      description = "No progress on stderr (by default: a line per phase, and tasks, rows, rows/s and ETA while it runs).")
  boolean quiet;

  /**
   * The session for this command: a new one on {@code --master}, or the one already running. A master that
   * cannot be reached or is not configured is said before Spark starts (Spark itself would retry for a minute).
   */
  Spark open() {
    EnvironmentCheck.requireMaster(master);
    if (SparkSession.getActiveSession().isEmpty() && SparkSession.getDefaultSession().isEmpty()) {
      EnvironmentCheck.requireUiPort();
    }
    return Spark.open(master, !quiet);
  }

  /** {@code --master} and {@code --block-rows}: the commands that cut rows into blocks. */
  static class Blocks extends SparkOptions {
    @Option(names = "--block-rows", paramLabel = "R", converter = OneInt.class, order = 3,
        description = "Rows per block (default: enough rows for about 4 MB of X, or --block-mb where offered).")
    int blockRows;
  }

  /** {@link Blocks} and the rest of one pass's layout: partitions, block size in MB, the tree, caching. */
  static final class Layout extends Blocks {
    @Option(names = "--partitions", paramLabel = "N", order = 2, description = "Repartition the input into N partitions (default: as read).")
    int partitions;

    @Option(names = "--block-mb", paramLabel = "MB", defaultValue = "4", order = 4, description = "Target MB per block of X (default: ${DEFAULT-VALUE}); a chain: of X and the block's forward and backward state (default: 32).")
    double blockMb;

    @Option(names = "--tree-depth", paramLabel = "K", defaultValue = "2", order = 5, description = "Depth of the tree that merges the partials, fixed or Spark's (default: ${DEFAULT-VALUE}).")
    int treeDepth;

    @Option(names = "--aggregation", paramLabel = "fixed|spark", defaultValue = "fixed", order = 6,
        description = "fixed (default): partials merged in a tree fixed by partition index, the same bits on every run; "
            + "spark: Spark's treeAggregate, which merges in the order tasks finish.")
    Aggregation aggregation;

    @Option(names = "--cache", paramLabel = "auto|memory|disk|none", defaultValue = "auto", order = 7,
        description = "Where the checks find the blocks again: auto (default: memory if the input takes under a quarter of "
            + "the executors' heap, else local disk), memory (spilling to disk), disk, or none (read the input again).")
    CachePolicy cache;
  }

  /**
   * One value, said so when given a list: {@code study} took a list of block sizes as {@code --block-rows}
   * before it meant what it means in {@code run}.
   */
  static final class OneInt implements CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String value) {
      if (value.contains(",")) {
        throw new CommandLine.TypeConversionException("'" + value + "' is a list, but this option takes one value "
            + "(the study's sweep of block sizes is --block-rows-sweep)");
      }
      try {
        return Integer.valueOf(value.trim());
      } catch (NumberFormatException e) {
        throw new CommandLine.TypeConversionException("'" + value + "' is not an int");
      }
    }
  }

  /**
   * The Spark session of a command: created (and stopped) here unless one is already active; with its
   * progress on stderr unless {@code --quiet} (null then).
   */
  record Spark(SparkSession session, boolean owned, Progress progress) implements AutoCloseable {
    /**
     * A file holding the secret of a cluster that authenticates (scripts/cluster's), which the driver reads
     * into spark.authenticate.secret: a Spark setting, so that spark-submit's --conf can pass it, and a file,
     * so that the secret itself is never on a command line.
     */
    static final String SECRET_FILE_PROPERTY = "spark.adjoint.secretFile";

    static Spark open(String master, boolean progress) {
      boolean existing = SparkSession.getActiveSession().isDefined() || SparkSession.getDefaultSession().isDefined();
      SparkSession.Builder b = SparkSession.builder().appName("adjoint");
      String secretFile = System.getProperty(SECRET_FILE_PROPERTY);
      if (secretFile != null) {
        b.config("spark.authenticate.secret", EnvironmentCheck.secret(secretFile));
      }
      if (master != null) {
        b.master(master);
      } else if (!existing && System.getProperty("spark.master") == null) {
        b.master("local[*]");
      }
      SparkSession session = b.getOrCreate();
      return new Spark(session, !existing, progress ? Progress.start(session.sparkContext(), System.err) : null);
    }

    /**
     * The paths given (pairs of option name and path; nulls skipped) have a file system that answers, and
     * {@code output} (when not null) can be written: said in seconds, before any data is read.
     */
    void requirePaths(String output, String... optionAndPath) {
      EnvironmentCheck.requirePaths(session.sparkContext().hadoopConfiguration(), output, optionAndPath);
    }

    @Override
    public void close() {
      if (progress != null) {
        progress.close();
      }
      if (owned) {
        session.stop();
      }
    }
  }
}
