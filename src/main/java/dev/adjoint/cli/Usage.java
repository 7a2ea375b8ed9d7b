package dev.adjoint.cli;

import java.util.List;
import java.util.Locale;
import java.util.function.Function;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Usage mistakes found after parsing: each becomes the {@link CommandLine.ParameterException} that picocli
 * prints with the command's usage, exit code 2. The option groups only arrange the help (they are
 * {@code validate = false}), so the checks they would make live here.
 */
final class Usage {
  private Usage() {}

  static CommandLine.ParameterException error(CommandSpec spec, String message) {
    return new CommandLine.ParameterException(spec.commandLine(), message);
  }

  /**
   * Every option of {@code spec} marked {@code required}, and the options {@code alsoRequired} this command
   * needs although others sharing their group do not, were given; else picocli's "Missing required option".
   */
  static void requireGiven(CommandSpec spec, String... alsoRequired) {
    CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
    for (OptionSpec o : spec.options()) {
      boolean needed = o.required() || List.of(alsoRequired).contains(o.longestName());
      if (needed && !parsed.hasMatchedOption(o)) {
        String label = o.longestName() + (o.arity().max() > 0 ? "=" + o.paramLabel() : "");
        throw new CommandLine.MissingParameterException(spec.commandLine(), o, "Missing required option: '" + label + "'");
      }
    }
  }

  static void atLeast(CommandSpec spec, String option, long value, long min) {
    if (value < min) {
      throw error(spec, option + " must be ≥ " + min + ", got " + value);
    }
  }

  /** A list option: at least one value, each ≥ {@code min}. */
  static void allAtLeast(CommandSpec spec, String option, List<? extends Number> values, long min) {
    if (values.isEmpty()) {
      throw error(spec, option + " needs at least one value");
    }
    for (Number v : values) {
      if (v.longValue() < min) {
        throw error(spec, option + " values must be ≥ " + min + ", got " + v + " in " + values);
      }
    }
  }

  /** {@code parser(value)}, or a usage error naming the option, the value and {@code expected}. */
  static <T> T parse(CommandSpec spec, String option, String value, String expected, Function<String, T> parser) {
    try {
      return parser.apply(value.trim().toLowerCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw error(spec, "invalid value for " + option + ": '" + value + "' (expected " + expected + ")");
    }
  }

  /** The value of an old spelling kept as a hidden alias when it was given, else the new option's. */
  static <T> T aliasOr(T alias, T value) {
    return alias != null ? alias : value;
  }
}
