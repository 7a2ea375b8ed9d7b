package dev.adjoint.cli;

import dev.adjoint.data.Converter;
import dev.adjoint.data.Generator;
import dev.adjoint.data.OutputDir;
import dev.adjoint.data.Storage;
import dev.adjoint.data.TableSpec;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code adjoint convert}: rewrites a table once into the layout that reads fastest, for inputs read many times. */
@Command(name = "convert", mixinStandardHelpOptions = true, sortOptions = false,
    customSynopsis = "adjoint convert [-hvV] -i=PATH -o=DIR [OPTIONS]",
    description = {"Rewrites a table once into another layout (default: the fastest to read here, uncompressed, 32 MB row "
        + "groups; docs/read-path.md) as OUT/data, for inputs read many times (the study, repeated runs).",
        "Every row is checked as 'run' checks it; a bad row stops the conversion (exit 2) and nothing is written."})
final class ConvertCommand implements Callable<Integer> {
  @CommandLine.Spec
  CommandLine.Model.CommandSpec spec;

  @ArgGroup(validate = false, heading = InputOptions.HEADING)
  Input input = new Input();

  @ArgGroup(validate = false, heading = "%nLayout:%n")
  Written written = new Written();

  @ArgGroup(validate = false, heading = StorageOptions.HEADING)
  StorageOptions stored = new StorageOptions();

  @ArgGroup(validate = false, heading = OutputOptions.HEADING)
  OutputOptions output = new OutputOptions();

  @ArgGroup(validate = false, heading = SparkOptions.HEADING)
  SparkOptions spark = new SparkOptions();

  /** {@link InputOptions} and the id column to carry. */
  static final class Input extends InputOptions {
    @Option(names = "--id-col", paramLabel = "NAME", description = "Key column to carry into the new table (default: none).")
    String idCol;
  }

  /** The layout and type written, as {@code generate} offers them. */
  static final class Written {
    @Option(names = "--layout", paramLabel = "columns|array|vector",
        description = "Flat columns x0…, t0…, one array column each, or an MLlib Vector (default: the fastest to read here: "
            + "columns when d + m ≤ 100, else array).")
    Generator.Layout layout;

    @Option(names = "--dtype", paramLabel = "float64|float32",
        description = "Stored type (default: as stored: float32 when every feature is float32, else float64).")
    String dtype;
  }

  @Override
  public Integer call() throws Exception {
    Usage.requireGiven(spec, "--input", "--output");
    Storage storage = stored.storage(spec);
    Boolean float32 = written.dtype == null ? null : StorageOptions.float32(spec, written.dtype);
    input.table(spec, input.idCol);  // its usage mistakes, before Spark starts
    try (SparkOptions.Spark session = spark.open()) {
      input.path = InputOptions.dataFolder(session.session().sparkContext().hadoopConfiguration(), input.path);
      TableSpec asked = input.table(spec, input.idCol);
      // the targets: those named, else 'targets' (or t0, t1, …) when the table has them
      TableSpec table = InputOptions.settle(session.session(), asked, null).table();
      OutputDir out = OutputDir.prepare(session.session().sparkContext().hadoopConfiguration(), output.dir,
          output.overwrite, Converter.OWN_NAMES);
      long t0 = System.nanoTime();
      Converter.Converted c = Converter.convert(session.session(), table, written.layout, float32,
          storage, out);
      System.out.printf(Locale.ROOT, "converted %d rows × %d features%s (%s, %s layout, %s) from %s to %s in %.1f s%n",
          c.rows(), c.features(), c.targets() > 0 ? " + " + c.targets() + " targets" : "", c.float32() ? "float32" : "float64",
          c.layout().cliName(), c.storage().describe(), asked.path(), out.resolve("data"), (System.nanoTime() - t0) / 1e9);
    }
    return ExitCodes.OK;
  }
}
