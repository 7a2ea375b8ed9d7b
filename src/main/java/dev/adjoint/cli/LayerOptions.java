package dev.adjoint.cli;

import dev.adjoint.kernel.Loss;
import java.io.IOException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;

/**
 * The layer options (a picocli arg group, help heading {@value #HEADING}): W and b, or how to draw a
 * random W, and the loss. {@code run} and {@code study accumulation} take them, meaning the same in both;
 * only {@code --loss}'s default differs, given by each command's {@link CommandDefaults}.
 */
class LayerOptions {
  static final String HEADING = "%nLayer:%n";

  @Option(names = {"-w", "--weights"}, paramLabel = "W.npy",
      description = "W as a (d, m) float64/float32 .npy file (default without --out-dim: the W.npy in the folder holding "
          + "--input, as 'generate' writes it beside DIR/data).")
  String weights;

  @Option(names = {"-b", "--bias"}, paramLabel = "b.npy",
      description = "b as an (m,) .npy file (default: the b.npy beside a W.npy taken from the input's folder, else zeros).")
  String bias;

  @Option(names = "--out-dim", paramLabel = "M", description = "Without --weights: a random W ~ N(0, 1/d) with M columns.")
  int outDim;

  @Option(names = "--seed", paramLabel = "S", defaultValue = "42", description = "Seed of the random W (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--loss", paramLabel = "LOSS",
      description = "sum: L = ΣY (G = 1); squared: L = ½‖Y − T‖² (G = Y − T); cross-entropy: softmax over the m outputs, "
          + "with --label-col or probability targets (G = softmax(Y) − T); logistic: binary cross-entropy with logits, "
          + "targets in [0, 1] (G = σ(Y) − T); huber: Huber's loss with --huber-delta (G = clip(Y − T, ±δ)); auto: "
          + "cross-entropy with --label-col, squared when the input has its targets, else sum (docs/losses.md). "
          + "Default: ${DEFAULT-VALUE}.")
  String loss;

  @Option(names = "--huber-delta", paramLabel = "δ", description = "Huber's δ > 0 for --loss huber (default: 1, as PyTorch's HuberLoss).")
  Double huberDelta;

  /** The loss asked for (with class labels when {@code labels}); null for auto without labels. */
  Loss loss(CommandSpec spec, boolean labels) {
    Loss asked = Usage.parse(spec, "--loss", loss, "auto, sum, squared, cross-entropy, logistic or huber",
        s -> s.equals("auto") ? null : Loss.parse(s));
    if (huberDelta != null) {
      if (asked == null || asked.kind() != Loss.Kind.HUBER) {
        throw Usage.error(spec, "--huber-delta is for --loss huber");
      }
      if (!(huberDelta > 0) || huberDelta.isInfinite()) {
        throw Usage.error(spec, "--huber-delta must be a positive number, got " + huberDelta);
      }
      asked = Loss.huber(huberDelta);
    }
    if (labels) {
      // class labels mean cross-entropy unless --loss says otherwise (run's default, sum, does not count)
      boolean given = spec.commandLine() != null && spec.commandLine().getParseResult() != null
          && spec.commandLine().getParseResult().hasMatchedOption("--loss");
      if (given && asked != null && asked.kind() != Loss.Kind.CROSS_ENTROPY) {
        throw Usage.error(spec, "--label-col (class labels) is for --loss cross-entropy, not --loss " + asked.cliName());
      }
      return Loss.CROSS_ENTROPY_LABELS;
    }
    return asked;
  }

  /**
   * W and b: as given; or, with neither {@code --weights} nor {@code --out-dim}, the W.npy (and b.npy, when
   * there) in the folder that holds {@code input}, which is where {@code generate} writes them beside its
   * data/ folder; else no W path (a random W of {@code --out-dim} columns).
   */
  WeightPaths paths(Configuration hadoop, String input) {
    if (weights != null || outDim > 0 || input == null) {
      return new WeightPaths(weights, bias, false);
    }
    String w = besideInput(input, "W.npy");
    if (!isFile(hadoop, w)) {
      return new WeightPaths(null, bias, false);
    }
    String b = besideInput(input, "b.npy");
    return new WeightPaths(w, bias != null ? bias : isFile(hadoop, b) ? b : null, true);
  }

  /** {@code name} in the folder that holds {@code input}, spelled as the input is (relative stays relative). */
  static String besideInput(String input, String name) {
    String trimmed = input.replaceAll("(?<=.)/+$", "");
    int slash = trimmed.lastIndexOf('/');
    return slash < 0 ? name : trimmed.substring(0, slash + 1) + name;
  }

  /** The paths of W and b (null: random W, zero b), and whether they were found beside the input. */
  record WeightPaths(String weights, String bias, boolean besideInput) {}

  static boolean isFile(Configuration hadoop, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).getFileStatus(p).isFile();
    } catch (IOException | IllegalArgumentException e) {
      return false;  // missing, unreachable or oddly named: reading the input will say what is wrong
    }
  }

  static boolean isDirectory(Configuration hadoop, String path) {
    try {
      Path p = new Path(path);
      return p.getFileSystem(hadoop).getFileStatus(p).isDirectory();
    } catch (IOException | IllegalArgumentException e) {
      return false;
    }
  }
}
