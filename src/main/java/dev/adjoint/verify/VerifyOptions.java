package dev.adjoint.verify;

import java.util.Set;

/**
 * Which checks run and how large they are. Elementwise finite differences check every entry of W and b
 * when d·m + m ≤ {@code fdEntries}, else a seeded sample of {@code fdSample} entries (each costs two
 * forward GEMMs per block in the shared pass);
 * {@code directions}: random directions; {@code probes}: Freivalds vectors; {@code sampleRows}: rows
 * of the sampled blocks whose Y and dX are checked; {@code sampleBlocks}: whole blocks the reference
 * recomputes (chosen by a seeded hash); {@code fullReference}: recompute every row instead, streamed
 * through the driver; {@code referenceMaxFlops}: above rows·d·m·6 the reference recomputes a sample of
 * output columns instead of all.
 */
public record VerifyOptions(Set<String> checks, int fdEntries, int fdSample, int directions, int probes, int sampleRows,
    int sampleBlocks, boolean fullReference, double referenceMaxFlops, long seed) {

  public static final String REFERENCE = "reference";
  public static final String FINITE_DIFFERENCE = "finite-difference";
  public static final String DIRECTIONAL = "directional";
  public static final String FREIVALDS = "freivalds";
  public static final Set<String> ALL = Set.of(REFERENCE, FINITE_DIFFERENCE, DIRECTIONAL, FREIVALDS);

  public static VerifyOptions defaults(Set<String> checks) {
    return new VerifyOptions(checks, 16, 4, 2, 2, 8, 2, false, 2e10, 2024);
  }

  /** The same options with the full (streamed) reference or the sampled one. */
  public VerifyOptions withFullReference(boolean full) {
    return new VerifyOptions(checks, fdEntries, fdSample, directions, probes, sampleRows, sampleBlocks, full,
        referenceMaxFlops, seed);
  }

  public boolean runs(String check) {
    return checks.contains(check);
  }
}
