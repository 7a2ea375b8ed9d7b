package dev.adjoint.cli;

import dev.adjoint.verify.VerifyOptions;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/** The verification options of {@code run} (a picocli arg group, help heading {@value #HEADING}). */
final class VerificationOptions {
  static final String HEADING = "%nVerification:%n";

  @Option(names = "--verify", paramLabel = "CHECKS", defaultValue = "all",
      description = "Checks the driver runs after the pass: all (default), none, or a comma list of reference, "
          + "finite-difference, directional, freivalds.")
  String verify;

  @Option(names = "--fd-entries", paramLabel = "N", defaultValue = "16",
      description = "Elementwise finite differences: every entry of W and b when d·m + m ≤ N (default: ${DEFAULT-VALUE}) ...")
  int fdEntries;

  @Option(names = "--fd-sample", paramLabel = "K", defaultValue = "4",
      description = "... else a seeded sample of K entries, each two forward GEMMs per block (default: ${DEFAULT-VALUE}).")
  int fdSample;

  @Option(names = "--directions", paramLabel = "K", defaultValue = "2", description = "Random directions of the directional check (default: ${DEFAULT-VALUE}).")
  int directions;

  @Option(names = "--freivalds-probes", paramLabel = "K", defaultValue = "2", description = "Random ±1 vectors of the Freivalds check (default: ${DEFAULT-VALUE}).")
  int probes;

  @Option(names = "--sample-rows", paramLabel = "N", defaultValue = "8",
      description = "Rows of the sampled blocks whose Y and dX are checked (default: ${DEFAULT-VALUE}).")
  int sampleRows;

  @Option(names = "--sample-blocks", paramLabel = "K", defaultValue = "2",
      description = "Whole blocks the reference recomputes on the driver, chosen by a seeded hash; the driver's "
          + "traffic is K blocks whatever n is (default: ${DEFAULT-VALUE}).")
  int sampleBlocks;

  @Option(names = "--reference", paramLabel = "sample|full", defaultValue = "sample",
      description = "sample (default): the reference recomputes the sampled blocks; full: every row, streamed through "
          + "the driver (a second pass; for small runs).")
  String reference;

  @Option(names = "--reference-max-flops", paramLabel = "F", defaultValue = "2e10",
      description = "Above 6·n·d·m flops the reference recomputes a seeded sample of output columns (default: ${DEFAULT-VALUE}).")
  double referenceMaxFlops;

  @Option(names = "--verify-seed", paramLabel = "S", defaultValue = "2024", description = "Seed of every sample and direction of the checks.")
  long verifySeed;

  /** The checks asked for, or null for {@code --verify none}. */
  VerifyOptions options(CommandSpec spec) {
    String v = verify.trim().toLowerCase(Locale.ROOT);
    if (v.equals("none")) {
      return null;
    }
    Set<String> checks = new TreeSet<>();
    for (String name : v.split(",")) {
      String c = name.trim();
      if (c.equals("all")) {
        checks.addAll(VerifyOptions.ALL);
      } else if (VerifyOptions.ALL.contains(c)) {
        checks.add(c);
      } else {
        throw Usage.error(spec, "unknown check '" + c + "' in --verify; expected all, none, or some of "
            + new TreeSet<>(VerifyOptions.ALL));
      }
    }
    Usage.atLeast(spec, "--fd-entries", fdEntries, 1);
    Usage.atLeast(spec, "--directions", directions, 0);
    Usage.atLeast(spec, "--freivalds-probes", probes, 0);
    Usage.atLeast(spec, "--sample-rows", sampleRows, 0);
    Usage.atLeast(spec, "--fd-sample", fdSample, 1);
    Usage.atLeast(spec, "--sample-blocks", sampleBlocks, 0);
    String ref = reference.trim().toLowerCase(Locale.ROOT);
    if (!ref.equals("sample") && !ref.equals("full")) {
      throw Usage.error(spec, "--reference must be sample or full, got '" + reference + "'");
    }
    return new VerifyOptions(checks, fdEntries, fdSample, directions, probes, sampleRows, sampleBlocks,
        ref.equals("full"), referenceMaxFlops, verifySeed);
  }
}
