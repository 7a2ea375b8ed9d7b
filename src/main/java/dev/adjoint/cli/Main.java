package dev.adjoint.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point: {@code adjoint run …}. Parses, runs the named command, maps failures to exit codes. */
@Command(name = "adjoint", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    subcommands = {RunCommand.class, GenerateCommand.class, SelfTestCommand.class, StudyCommand.class,
        BenchReadCommand.class, BenchPassCommand.class, CommandLine.HelpCommand.class},
    description = "Forward and backward pass of a linear layer Y = X·W + b on Apache Spark, with its gradients "
        + "dW = Xᵀ·G, db = 1ᵀ·G, dX = G·Wᵀ.",
    footer = {"", "Exit codes: 0 success, 1 a verification failed, 2 bad usage or bad input, 3 internal error."})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  public static void main(String[] args) {
    System.exit(execute(args));
  }

  /** Runs the command line and returns its exit code (never calls System.exit). */
  public static int execute(String... args) {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new Failures())
        .setCaseInsensitiveEnumValuesAllowed(true)
        .execute(args);
  }

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = Main.class.getPackage().getImplementationVersion();
      return new String[] {"adjoint " + (v == null ? "(development build)" : v)};
    }
  }
}
