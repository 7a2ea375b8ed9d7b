package dev.adjoint.cli;

import dev.adjoint.run.ChainSelfTest;
import dev.adjoint.run.SelfTest;
import dev.adjoint.run.Sensitivity;
import dev.adjoint.verify.CheckResult;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.api.java.JavaSparkContext;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint selftest}: every check against every planted bug; exit 0 only if all are caught. */
@Command(name = "selftest", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Runs every verification check against kernels with one planted bug each, on a small generated "
        + "case, and prints which checks catch which bug.",
        "Exits 0 only when every bug is caught by at least one check and the correct layer passes every check."})
final class SelfTestCommand implements Callable<Integer> {
  @ArgGroup(validate = false, heading = "%nCase:%n")
  Case testCase = new Case();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions spark = new SparkOptions();

  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  /** The generated case every planted bug runs on. */
  static final class Case {
    @Option(names = "--rows", paramLabel = "N", defaultValue = "96", description = "Rows (default: ${DEFAULT-VALUE}).")
    int rows;

    @Option(names = "--dim", paramLabel = "D", defaultValue = "4", description = "d = m, so W is square (default: ${DEFAULT-VALUE}).")
    int dim;

    @Option(names = "--partitions", paramLabel = "P", defaultValue = "3", description = "Partitions of the case's rows (default: ${DEFAULT-VALUE}).")
    int partitions;

    @Option(names = "--sensitivity",
        description = "Instead of the planted bugs, print the smallest planted relative error each check catches "
            + "(one dW entry, all of dW, db off by ε; one row dropped), scanning ε = 1e-1 … 1e-15.")
    boolean sensitivity;

    @Option(names = "--seed", paramLabel = "S", defaultValue = "7",
        description = "Seed of everything drawn: X, W, b and T (default: ${DEFAULT-VALUE}).")
    long seed;
  }

  @Override
  public Integer call() {
    int rows = testCase.rows;
    int dim = testCase.dim;
    int partitions = testCase.partitions;
    if (dim < 1 || partitions < 1 || rows < 2 * partitions) {
      throw Usage.error(spec, "--dim and --partitions must be ≥ 1 and "
          + "--rows ≥ 2·--partitions (every partition must hold rows for the dropped-partition bug to matter); got rows="
          + rows + ", dim=" + dim + ", partitions=" + partitions);
    }
    if (testCase.sensitivity) {
      return sensitivity(rows, dim, partitions);
    }
    try (SparkOptions.Spark session = spark.open()) {
      List<SelfTest.Row> table = SelfTest.run(JavaSparkContext.fromSparkContext(session.session().sparkContext()), rows,
          dim, partitions, testCase.seed);
      System.out.printf(Locale.ROOT, "Self-test: n=%d, d=m=%d, %d partitions, squared loss%n%n", rows, dim, partitions);
      System.out.printf(Locale.ROOT, "%-52s %-11s %-18s %-12s %-10s%n", "planted bug", "reference", "finite-difference",
          "directional", "freivalds");
      for (SelfTest.Row row : table) {
        verdictRow(String.format(Locale.ROOT, "%-52s", row.bug().description), row.bug() == SelfTest.Bug.NONE,
            row.results());
      }
      List<SelfTest.LossRow> losses = SelfTest.runLosses(JavaSparkContext.fromSparkContext(session.session().sparkContext()),
          rows, dim, partitions, testCase.seed);
      System.out.printf(Locale.ROOT, "%nThe nonlinear losses, each with one planted bug (same n, d, m):%n%n");
      System.out.printf(Locale.ROOT, "%-16s %-42s %-11s %-18s %-12s %-10s%n", "loss", "planted bug", "reference",
          "finite-difference", "directional", "freivalds");
      for (SelfTest.LossRow row : losses) {
        verdictRow(String.format(Locale.ROOT, "%-16s %-42s", row.loss(), row.bug()), row.correct(), row.results());
      }
      List<ChainSelfTest.Row> chain = ChainSelfTest.run(JavaSparkContext.fromSparkContext(session.session().sparkContext()),
          rows, dim, partitions, testCase.seed);
      System.out.printf(Locale.ROOT, "%nA chain d → d → d → 3 (tanh, squared loss), one bug planted per layer:%n%n");
      System.out.printf(Locale.ROOT, "%-59s %-11s %-18s %-12s %-10s%n", "planted bug", "reference", "finite-difference",
          "directional", "freivalds");
      for (ChainSelfTest.Row row : chain) {
        verdictRow(String.format(Locale.ROOT, "%-59s", row.bug()), row.correct(), row.results());
      }
      boolean ok = SelfTest.allCaught(table) && SelfTest.allLossesCaught(losses) && ChainSelfTest.allCaught(chain);
      System.out.println();
      System.out.println(ok ? "every planted bug is caught by at least one check; the correct layer passes every check"
          : "SELF-TEST FAILED: a bug went uncaught or the correct layer failed a check (run with --verbose)");
      return ok ? ExitCodes.OK : ExitCodes.VERIFICATION_FAILED;
    }
  }

  /**
   * One row of a self-test table: its label, then per check "caught" or "-" for a planted bug, "passes" or
   * "FAILED" for the correct code; with --verbose every comparison below it.
   */
  private void verdictRow(String label, boolean correct, List<CheckResult> results) {
    StringBuilder line = new StringBuilder(label);
    int[] widths = {11, 18, 12, 10};
    int c = 0;
    for (Map.Entry<String, Boolean> e : SelfTest.verdicts(results).entrySet()) {
      String cell = correct ? (e.getValue() ? "FAILED" : "passes") : (e.getValue() ? "caught" : "-");
      line.append(' ').append(String.format(Locale.ROOT, "%-" + widths[c++] + "s", cell));
    }
    System.out.println(line);
    if (Main.verbose(spec)) {
      Summary.printChecks(System.out, results);
    }
  }

  /** The sensitivity table: smallest ε caught per check and planted error. */
  private int sensitivity(int rows, int dim, int partitions) {
    try (SparkOptions.Spark session = spark.open()) {
      List<Sensitivity.Line> lines = Sensitivity.run(JavaSparkContext.fromSparkContext(session.session().sparkContext()),
          rows, dim, partitions, testCase.seed);
      System.out.printf(Locale.ROOT, "Sensitivity: n=%d, d=m=%d, %d partitions, squared loss, default checks%n", rows,
          dim, partitions);
      System.out.printf(Locale.ROOT, "smallest planted relative error ε caught (every larger ε caught too; - : not even "
          + "1e-1)%n%n");
      System.out.printf(Locale.ROOT, "%-40s %-11s %-18s %-12s %-10s%n", "planted error", "reference", "finite-difference",
          "directional", "freivalds");
      int[] widths = {11, 18, 12, 10};
      for (Sensitivity.Line line : lines) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-40s", line.error()));
        int c = 0;
        for (String check : Sensitivity.CHECKS) {
          double eps = line.smallestCaught().get(check);
          String cell = Double.isNaN(eps) ? "-" : line.error().contains("dropped") ? "caught"
              : String.format(Locale.ROOT, "%.0e", eps);
          out.append(' ').append(String.format(Locale.ROOT, "%-" + widths[c++] + "s", cell));
        }
        System.out.println(out);
      }
      return ExitCodes.OK;
    }
  }
}
