package dev.adjoint.cli;

import picocli.CommandLine.Option;

/**
 * The output options (a picocli arg group, help heading {@value #HEADING}): where a command writes, and
 * whether it may replace what it wrote there before. {@code run}, {@code study accumulation} and
 * {@code generate} take them.
 */
class OutputOptions {
  static final String HEADING = "%nOutput:%n";

  @Option(names = {"-o", "--output"}, paramLabel = "DIR", description = "Folder for the command's results; hdfs:// works.")
  String dir;

  @Option(names = "--overwrite",
      description = "Replace this command's own files in an existing --output folder (nothing else there is touched).")
  boolean overwrite;
}
