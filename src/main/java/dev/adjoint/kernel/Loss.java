package dev.adjoint.kernel;

import java.util.Locale;

/**
 * Scalar losses of Y, each forward (the loss value) beside its backward (G = ∂L/∂Y).
 *
 * <p>Both work on a block in place: on entry {@code y} holds Y_block [n×m]; on return it holds G_block
 * and the block's loss sum is returned, summed with
 * Neumaier's compensation ({@link NeumaierSum}). Sums, not means: normalisation happens once, at the end
 * ({@link Reduction}).
 */
public enum Loss {
  /** L = Σᵢⱼ Yᵢⱼ, so G = 1 (every entry). Needs no targets. */
  SUM(false) {
    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        lossSum.add(y[k]);  // forward: L += Y
        y[k] = 1.0;         // backward: G = ∂L/∂Y = 1
      }
      return lossSum.value();
    }
  },

  /** L = ½‖Y − T‖², so G = Y − T. Needs targets T [n×m]. */
  SQUARED(true) {
    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        double r = y[k] - t[k];
        lossSum.add(0.5 * r * r);  // forward: L += ½(Y − T)²
        y[k] = r;                  // backward: G = Y − T
      }
      return lossSum.value();
    }
  };

  private final boolean needsTargets;

  Loss(boolean needsTargets) {
    this.needsTargets = needsTargets;
  }

  /**
   * Whether ∂³L/∂y³ = 0 (L a polynomial of degree ≤ 2 in Y, so in W, b and X): then a central difference
   * of L is exact for any step, and the checks choose large steps. True of both losses here.
   */
  public boolean thirdDerivativeIsZero() {
    return true;
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
