package dev.adjoint.cli;

import picocli.CommandLine.Option;

/** {@code --master}, for every command that runs on Spark (a picocli mixin), and the session it opens. */
final class MasterOption {
  @Option(names = "--master", paramLabel = "URL", description = "Spark master (default: spark-submit's, else local[*]).")
  String master;

  /** The session for this command: a new one on {@code --master}, or the one already running. */
  RunCommand.Spark open() {
    return RunCommand.Spark.open(master);
  }
}
