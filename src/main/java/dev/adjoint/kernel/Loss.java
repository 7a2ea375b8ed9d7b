package dev.adjoint.kernel;

import java.util.Locale;

/**
 * Scalar losses of Y, each forward (the loss value) beside its backward (G = ∂L/∂Y).
 *
 * <p>Both work on a block in place: on entry {@code y} holds Y_block [n×m]; on return it holds G_block
 * and the block's loss sum is returned. Sums, not means: normalisation happens once, at the end
 * ({@link Reduction}).
 */
public enum Loss {
  /** L = Σᵢⱼ Yᵢⱼ, so G = 1 (every entry). Needs no targets. */
  SUM(false) {
    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      double lossSum = 0.0;
      for (int k = 0, len = n * m; k < len; k++) {
        lossSum += y[k];   // forward: L += Y
        y[k] = 1.0;        // backward: G = ∂L/∂Y = 1
      }
      return lossSum;
    }
  },

  /** L = ½‖Y − T‖², so G = Y − T. Needs targets T [n×m]. */
  SQUARED(true) {
    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      double lossSum = 0.0;
      for (int k = 0, len = n * m; k < len; k++) {
        double r = y[k] - t[k];
        lossSum += 0.5 * r * r;  // forward: L += ½(Y − T)²
        y[k] = r;                // backward: G = Y − T
      }
      return lossSum;
    }
  };

  private final boolean needsTargets;

  Loss(boolean needsTargets) {
    this.needsTargets = needsTargets;
  }

  /** Whether the loss reads targets T. */
  public boolean needsTargets() {
    return needsTargets;
  }

  /**
   * Replaces Y_block [n×m] in {@code y} by G_block = ∂L/∂Y and returns the block's loss sum.
   * {@code t} is T_block [n×m], or null when {@link #needsTargets()} is false.
   */
  public abstract double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m);

  /** Parses "sum" or "squared", case-insensitively. */
  public static Loss parse(String name) {
    return valueOf(name.trim().toUpperCase(Locale.ROOT));
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
