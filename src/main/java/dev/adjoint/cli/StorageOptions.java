package dev.adjoint.cli;

import dev.adjoint.data.Storage;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * How a written table is stored (a picocli arg group, help heading {@value #HEADING}): Parquet codec and
 * row-group size. {@code generate} and {@code convert} take them, meaning the same in both.
 */
class StorageOptions {
  static final String HEADING = "%nStored as:%n";

  @Option(names = "--codec", paramLabel = "none|snappy|zstd", defaultValue = "none",
      description = "Parquet compression (default: ${DEFAULT-VALUE}: random numbers do not compress, and uncompressed pages "
          + "decode fastest).")
  Storage.Codec codec;

  @Option(names = "--row-group-mb", paramLabel = "MB", defaultValue = "32",
      description = "Parquet row-group size: what a writing or reading task buffers per file (default: ${DEFAULT-VALUE}).")
  int rowGroupMb;

  Storage storage(CommandSpec spec) {
    Usage.atLeast(spec, "--row-group-mb", rowGroupMb, 1);
    return new Storage(codec, (long) rowGroupMb << 20);
  }

  /** {@code --dtype}: true for float32, false for float64. */
  static boolean float32(CommandSpec spec, String dtype) {
    return Usage.parse(spec, "--dtype", dtype, "float64 or float32", s -> switch (s) {
      case "float64", "double" -> false;
      case "float32", "float" -> true;
      default -> throw new IllegalArgumentException(s);
    });
  }
}
