package dev.adjoint.cli;

import java.util.Map;
import picocli.CommandLine;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * The defaults of shared options whose default differs between commands, as picocli's default value
 * provider of each such command (so the help's "default:" is the command's own).
 */
class CommandDefaults implements CommandLine.IDefaultValueProvider {
  private final Map<String, String> byOption;

  CommandDefaults(Map<String, String> byOption) {
    this.byOption = byOption;
  }

  @Override
  public String defaultValue(ArgSpec arg) {
    return arg instanceof OptionSpec o ? byOption.get(o.longestName()) : null;
  }

  /** {@code run}: the sum loss unless asked, as before {@code --loss auto} existed. */
  static final class Run extends CommandDefaults {
    Run() {
      super(Map.of("--loss", "sum"));
    }
  }

  /** {@code study accumulation}: the squared loss when the input has targets. */
  static final class Study extends CommandDefaults {
    Study() {
      super(Map.of("--loss", "auto"));
    }
  }
}
