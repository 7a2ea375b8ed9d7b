package dev.adjoint.job;

import java.io.PrintStream;
import java.util.HashSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.spark.SparkContext;
import org.apache.spark.SparkStageInfo;
import org.apache.spark.SparkStatusTracker;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerStageCompleted;
import org.apache.spark.scheduler.SparkListenerStageSubmitted;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.storage.RDDInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Progress on stderr, for a person watching a long run; display only (the results come from the actions'
 * return values, never from here). A line when a phase starts: each Spark job's description names its phase
 * (the gradient pass, each check, writing Y and dX), and {@link #announce} names the driver's own (writing the
 * results). During a phase: tasks done out of the total of the running stages (from {@link SparkStatusTracker}),
 * rows read or written by the finished tasks (their task metrics, from this listener; not counted over blocks
 * read back from Spark's cache, which are blocks, not rows), rows/s and an ETA from the fraction of tasks done.
 * On a terminal ({@value #TERMINAL_PROPERTY}=true, which scripts/adjoint sets when stderr is one) that line is
 * redrawn in place twice a second; otherwise it is printed as a plain line every {@value #INTERVAL_PROPERTY}
 * seconds (default 10).
 */
public final class Progress extends SparkListener implements AutoCloseable {
  /** Seconds between plain progress lines (a system property; the tests make it short). */
  public static final String INTERVAL_PROPERTY = "adjoint.progress.interval";
  /** "true" when stderr is a terminal (a system property the launcher sets). */
  public static final String TERMINAL_PROPERTY = "adjoint.progress.terminal";

  private static final double DEFAULT_INTERVAL_SECONDS = 10;
  private static final long LIVE_REFRESH_MS = 500;
  private static final AtomicReference<Progress> ACTIVE = new AtomicReference<>();

  private final SparkContext sc;
  private final PrintStream err;
  private final boolean live;
  private final long start = System.nanoTime();
  private final ScheduledExecutorService ticker;

  // guarded by this: listener events come on Spark's listener thread, ticks on the ticker's
  private String phase;
  private long phaseStart;
  private long rows;
  private boolean liveLineShown;
  private final Set<Integer> computedPersistedRdds = new HashSet<>();
  private final Set<Integer> stagesReadingCache = new HashSet<>();

  private Progress(SparkContext sc, PrintStream err, boolean live, double intervalSeconds) {
    this.sc = sc;
    this.err = err;
    this.live = live;
    this.ticker = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "adjoint-progress");
      t.setDaemon(true);
      return t;
    });
    long periodMs = live ? LIVE_REFRESH_MS : Math.max(50, (long) (intervalSeconds * 1000));
    ticker.scheduleAtFixedRate(this::tick, periodMs, periodMs, TimeUnit.MILLISECONDS);
  }

  /**
   * Starts reporting the jobs of {@code sc} to {@code err} (and says where Spark's UI is, when it is on);
   * {@link #close} stops it.
   */
  public static Progress start(SparkContext sc, PrintStream err) {
    double interval = Double.parseDouble(System.getProperty(INTERVAL_PROPERTY, Double.toString(DEFAULT_INTERVAL_SECONDS)));
    Progress p = new Progress(sc, err, Boolean.parseBoolean(System.getProperty(TERMINAL_PROPERTY)), interval);
    if (sc.uiWebUrl().isDefined()) {
      err.println("adjoint: Spark UI at " + sc.uiWebUrl().get());
    }
    sc.addSparkListener(p);
    ACTIVE.set(p);
    return p;
  }

  /** Names a phase of the driver's own (writing the results, say), when progress is on. */
  public static void announce(String phase) {
    Progress p = ACTIVE.get();
    if (p != null) {
      p.newPhase(phase);
    }
  }

  private synchronized void newPhase(String name) {
    if (name.equals(phase)) {
      return;
    }
    phase = name;
    phaseStart = System.nanoTime();
    rows = 0;
    clearLiveLine();
    err.printf(Locale.ROOT, "adjoint: [%6.1f s] %s%n", seconds(start), name);
    err.flush();
  }

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    String description = job.properties() == null ? null : job.properties().getProperty("spark.job.description");
    if (description != null) {
      newPhase(description.replaceFirst("^adjoint:? ", ""));
    }
  }

  @Override
  public synchronized void onStageSubmitted(SparkListenerStageSubmitted submitted) {
    for (RDDInfo rdd : CollectionConverters.asJava(submitted.stageInfo().rddInfos())) {
      if (computedPersistedRdds.contains(rdd.id())) {
        stagesReadingCache.add(submitted.stageInfo().stageId());
      }
    }
  }

  @Override
  public synchronized void onStageCompleted(SparkListenerStageCompleted completed) {
    for (RDDInfo rdd : CollectionConverters.asJava(completed.stageInfo().rddInfos())) {
      if (rdd.storageLevel().isValid()) {
        computedPersistedRdds.add(rdd.id());
      }
    }
  }

  @Override
  public synchronized void onTaskEnd(SparkListenerTaskEnd end) {
    if (end.taskInfo().successful() && end.taskMetrics() != null && !stagesReadingCache.contains(end.stageId())) {
      rows += end.taskMetrics().inputMetrics().recordsRead() + end.taskMetrics().outputMetrics().recordsWritten();
    }
  }

  private synchronized void tick() {
    try {
      String line = line();
      if (line == null) {
        return;
      }
      if (live) {
        err.print("\r" + line + "\033[K");
        liveLineShown = true;
      } else {
        err.println(line);
      }
      err.flush();
    } catch (RuntimeException e) {
      // display only: a failed progress line must never fail the run
    }
  }

  /** The progress of the running stages, or null when none runs. */
  private String line() {
    SparkStatusTracker tracker = sc.statusTracker();
    int total = 0;
    int done = 0;
    for (int id : tracker.getActiveStageIds()) {
      SparkStageInfo stage = tracker.getStageInfo(id).getOrElse(() -> null);
      if (stage != null) {
        total += stage.numTasks();
        done += stage.numCompletedTasks();
      }
    }
    if (total == 0 || phase == null) {
      return null;
    }
    double elapsed = seconds(phaseStart);
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "adjoint: [%6.1f s]   %s: tasks %d/%d", seconds(start),
        phase, done, total));
    if (rows > 0) {
      b.append(String.format(Locale.ROOT, ", %,d rows, %,.0f rows/s", rows, rows / Math.max(elapsed, 1e-3)));
    }
    if (done > 0 && done < total) {
      b.append(String.format(Locale.ROOT, ", ETA %.0f s", elapsed * (total - done) / done));
    }
    return b.toString();
  }

  private void clearLiveLine() {
    if (liveLineShown) {
      err.print("\r\033[K");
      liveLineShown = false;
    }
  }

  private static double seconds(long since) {
    return (System.nanoTime() - since) / 1e9;
  }

  @Override
  public void close() {
    ticker.shutdownNow();
    sc.removeSparkListener(this);
    ACTIVE.compareAndSet(this, null);
    synchronized (this) {
      clearLiveLine();
      err.flush();
    }
  }
}
