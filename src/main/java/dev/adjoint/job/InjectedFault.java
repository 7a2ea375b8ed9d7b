package dev.adjoint.job;

import java.io.Serializable;
import org.apache.spark.SparkConf;
import org.apache.spark.TaskContext;

/**
 * A fault injected into the gradient pass, for the tests only: {@code fail:P} throws in partition P's
 * first attempt, {@code fail-always:P} in every attempt (so Spark's retries run out), {@code slow:P:S} makes
 * partition P's first attempt sleep S seconds.
 * It takes two keys to enable, so that it cannot happen by accident: the Spark setting
 * {@value #CONF} names the fault, and the driver's environment must hold {@value #ENV}=1.
 */
public record InjectedFault(String kind, int partition, int seconds) implements Serializable {
  public static final String CONF = "spark.adjoint.test.fault";
  public static final String ENV = "ADJOINT_TEST_FAULTS";

  /** The fault the configuration asks for, or null. */
  public static InjectedFault fromConf(SparkConf conf) {
    String spec = conf.get(CONF, "");
    if (spec.isEmpty()) {
      return null;
    }
    if (!"1".equals(System.getenv(ENV))) {
      throw new IllegalStateException(CONF + "=" + spec + " is set but " + ENV + "=1 is not: fault injection is for "
          + "the tests only");
    }
    String[] p = spec.split(":");
    InjectedFault f = switch (p[0]) {
      case "fail", "fail-always" -> new InjectedFault(p[0], Integer.parseInt(p[1]), 0);
      case "slow" -> new InjectedFault("slow", Integer.parseInt(p[1]), Integer.parseInt(p[2]));
      default -> throw new IllegalStateException("unknown fault '" + spec + "': fail:P, fail-always:P or slow:P:SECONDS");
    };
    System.err.println("adjoint: TEST FAULT INJECTION ACTIVE: " + spec);
    return f;
  }

  /** {@code fold} with this fault applied at the start of each partition's task: the pass's wrapper. */
  public <S, E, P> PartitionFold<S, E, P> around(PartitionFold<S, E, P> fold) {
    return (partition, elements, shared) -> {
      apply(partition);
      return fold.fold(partition, elements, shared);
    };
  }

  /** Wraps {@code fold} with the fault {@code conf} asks for, or returns it as it is when none is set. */
  public static <S, E, P> PartitionFold<S, E, P> around(SparkConf conf, PartitionFold<S, E, P> fold) {
    InjectedFault fault = fromConf(conf);
    return fault == null ? fold : fault.around(fold);
  }

  private void apply(int partitionIndex) {
    TaskContext ctx = TaskContext.get();
    if (partitionIndex != partition || ctx == null || (ctx.attemptNumber() != 0 && !kind.equals("fail-always"))) {
      return;
    }
    if (kind.startsWith("fail")) {
      String message = "injected fault: partition " + partition + ", attempt " + ctx.attemptNumber();
      System.err.println("adjoint: " + message);  // on record in the executor's log, whatever the log levels
      throw new IllegalStateException(message);
    }
    try {
      Thread.sleep(seconds * 1000L);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("injected slow task interrupted (killed)", e);
    }
  }
}
