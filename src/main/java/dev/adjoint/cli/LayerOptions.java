package dev.adjoint.cli;

import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.Loss;
import dev.adjoint.run.ChainSpec;
import java.util.List;
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
          + "--input, as 'generate' writes it beside DIR/data). A chain of layers: W0.npy,W1.npy,… or one .npz holding "
          + "W0, W1, …, b0, b1, … as numpy.savez writes them (docs/chain.md).")
  String weights;

  @Option(names = {"-b", "--bias"}, paramLabel = "b.npy",
      description = "b as an (m,) .npy file (default: the b.npy beside a W.npy taken from the input's folder, else zeros); "
          + "a chain: b0.npy,b1.npy,… (one per W, or none: zeros).")
  String bias;

  @Option(names = "--layers", paramLabel = "d,h1,…,m",
      description = "A chain of random layers of these widths (W_l ~ N(0, 1/w_l), b_l = 0, seed --seed + l), instead of --weights.")
  String layers;

  @Option(names = "--activation", paramLabel = "relu|tanh|sigmoid|gelu",
      description = "The activation between the layers of a chain, never after the last (default: relu; gelu is the exact erf form).")
  String activation;

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
   * The chain asked for, or null for one layer: two or more W files, an .npz, or --layers. Usage mistakes
   * (--layers with --weights or --out-dim, a bad width or activation) are found here, before Spark starts.
   */
  ChainSpec chain(CommandSpec spec) {
    List<String> ws = list(weights);
    List<String> bs = list(bias);
    boolean npz = ws.size() == 1 && ws.get(0).endsWith(".npz");
    Activation act = activation == null ? Activation.RELU
        : Usage.parse(spec, "--activation", activation, "relu, tanh, sigmoid or gelu", Activation::parse);
    if (layers != null) {
      if (weights != null || outDim > 0) {
        throw Usage.error(spec, "--layers draws random layers: not with --weights or --out-dim");
      }
      int[] widths = Usage.parse(spec, "--layers", layers, "widths d,h1,…,m, each ≥ 1, at least two", s -> {
        int[] w = java.util.Arrays.stream(s.split(",")).map(String::trim).mapToInt(Integer::parseInt).toArray();
        if (w.length < 2 || java.util.Arrays.stream(w).anyMatch(v -> v < 1)) {
          throw new IllegalArgumentException(s);
        }
        return w;
      });
      return new ChainSpec(List.of(), List.of(), widths, act);
    }
    if (ws.size() >= 2 || npz) {
      if (!bs.isEmpty() && bs.size() != ws.size()) {
        throw Usage.error(spec, npz ? "--bias with an .npz: its b0, b1, … come from the archive"
            : "--weights names " + ws.size() + " W files but --bias names " + bs.size() + ": give one b per W, or none");
      }
      return new ChainSpec(ws, bs, null, act);
    }
    if (bs.size() > 1) {
      throw Usage.error(spec, "--bias names " + bs.size() + " files but --weights names one W");
    }
    return null;
  }

  private static List<String> list(String csv) {
    return csv == null ? List.of() : java.util.Arrays.stream(csv.split(",")).map(String::trim)
        .filter(s -> !s.isEmpty()).toList();
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
