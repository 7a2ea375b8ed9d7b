package dev.adjoint.verify;

/**
 * What the checks cost a run: task time the probes took inside the gradient pass (summed over tasks, so
 * about twice the wall time they add on two cores), the driver's own time for every comparison, and the
 * bytes that reached the driver — the probes' sums, the sampled blocks (x, t, Y, dX and their partials),
 * and, with {@code --reference full} only, every row streamed.
 */
public record VerificationCost(double probeTaskSeconds, double driverSeconds, long sumBytes, long sampleBytes,
    long streamedBytes) {

  /** Every byte that reached the driver for the checks. */
  public long driverBytes() {
    return sumBytes + sampleBytes + streamedBytes;
  }
}
