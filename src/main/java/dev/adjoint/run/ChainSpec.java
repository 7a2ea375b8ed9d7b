package dev.adjoint.run;

import dev.adjoint.kernel.Activation;
import java.util.List;

/**
 * A chain of layers asked for: W files (one per layer, or one .npz), b files (one per W, or none), or random
 * layers of {@code widths} (d, h₁, …, m) with the run's seed; and the activation between layers.
 */
public record ChainSpec(List<String> weights, List<String> biases, int[] widths, Activation activation) {
  public ChainSpec {
    weights = List.copyOf(weights);
    biases = List.copyOf(biases);
  }

  /** The names a chain of {@code depth} layers writes: dW0.npy, db0.npy, … (dW.npy, db.npy for one layer). */
  public static String gradientName(String base, int layer, int depth) {
    return depth == 1 ? base + ".npy" : base + layer + ".npy";
  }
}
