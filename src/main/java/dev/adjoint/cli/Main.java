package dev.adjoint.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ScopeType;

/** Entry point: {@code adjoint run …}. Parses, runs the named command, maps failures to exit codes. */
@Command(name = "adjoint", mixinStandardHelpOptions = true, versionProvider = Main.Version.class,
    subcommands = {RunCommand.class, GenerateCommand.class, SelfTestCommand.class, StudyCommand.class,
        ConvertCommand.class, BenchReadCommand.class, BenchPassCommand.class, CommandLine.HelpCommand.class},
    description = "Forward and backward pass of a linear layer Y = X·W + b on Apache Spark, with its gradients "
        + "dW = Xᵀ·G, db = 1ᵀ·G, dX = G·Wᵀ.",
    footer = {"", "Exit codes: 0 success, 1 a verification failed, 2 bad usage or bad input, 3 internal error, "
        + "4 the environment failed (a master, file system, port or permission), 143 stopped by SIGTERM."})
public final class Main implements Runnable {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** Declared once, inherited by every subcommand at any depth: {@code adjoint study accumulation -v} works. */
  @Option(names = {"-v", "--verbose"}, scope = ScopeType.INHERIT,
      description = "More detail: stack traces with errors (selftest: every check's comparisons for every bug).")
  boolean verbose;

  public static void main(String[] args) {
    if (YarnClusterDriver.active()) {
      YarnClusterDriver.run(args);  // YARN's ApplicationMaster called us: return or throw, never System.exit
      return;
    }
    System.exit(Interruption.watch(System.err, () -> execute(args)));
  }

  /** Runs the command line and returns its exit code (never calls System.exit). */
  public static int execute(String... args) {
    return commandLine().execute(args);
  }

  /** The command line of every command, as {@link #execute} runs it. */
  static CommandLine commandLine() {
    return new CommandLine(new Main())
        .setExecutionExceptionHandler(new Failures())
        .setParameterExceptionHandler(Main::usageMistake)
        .setCaseInsensitiveEnumValuesAllowed(true);
  }

  /**
   * A usage mistake: its error and a one-line hint to the command's help, not the whole usage (which
   * buries the error under a hundred lines); picocli's "did you mean" suggestions stay. Exit 2.
   */
  private static int usageMistake(CommandLine.ParameterException e, String[] args) {
    CommandLine cl = e.getCommandLine();
    java.io.PrintWriter err = cl.getErr();
    err.println("adjoint: error: " + e.getMessage());
    CommandLine.UnmatchedArgumentException.printSuggestions(e, err);
    err.println("see " + cl.getCommandSpec().qualifiedName() + " --help");
    err.flush();
    return ExitCodes.BAD_INPUT;
  }

  /** Whether {@code -v} was given anywhere on the command line of {@code spec}. */
  static boolean verbose(CommandLine.Model.CommandSpec spec) {
    return spec.root().userObject() instanceof Main main && main.verbose;
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
