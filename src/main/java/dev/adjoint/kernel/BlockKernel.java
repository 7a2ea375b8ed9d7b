package dev.adjoint.kernel;

import java.io.Serializable;

/**
 * The four steps of the layer on a block, as one replaceable unit. {@link #CORRECT} is the layer
 * ({@link LinearLayer}); the verification self-test swaps in kernels with one planted bug each, to
 * show that the checks catch them. Nothing else ever uses another kernel.
 */
public interface BlockKernel extends Serializable {
  /** Forward: Y_block = X_block·W + 1·bᵀ into {@code y}. */
  default void forward(Block block, WeightsAndBias p, double[] y) {
    LinearLayer.forward(block, p, y);
  }

  /** Loss forward and backward: replaces Y_block in {@code yThenG} by G_block, returns the loss sum. */
  default double lossSumAndGradient(Loss loss, double[] yThenG, double[] t, int n, int m) {
    return loss.lossSumAndGradientInPlace(yThenG, t, n, m);
  }

  /** Backward to the parameters: dW += Xᵀ·G, db += 1ᵀ·G. */
  default void backwardParams(Block block, double[] g, int m, double[] dwSum, double[] dbSum) {
    LinearLayer.backwardParams(block, g, m, dwSum, dbSum);
  }

  /** Backward to the input: dX_block = G_block·Wᵀ into {@code dx}. */
  default void backwardInput(double[] g, int rows, WeightsAndBias p, double[] dx) {
    LinearLayer.backwardInput(g, rows, p, dx);
  }

  /** The unit roundoff of the arithmetic of the products (2⁻⁵³ for float64), for the tolerances. */
  default double unitRoundoff() {
    return 0x1p-53;
  }

  /** The linear layer as it should be. */
  BlockKernel CORRECT = new Correct();

  /** The correct kernel's class (a named class so that it serialises to a singleton-equal value). */
  final class Correct implements BlockKernel {
    private static final long serialVersionUID = 1L;

    private Correct() {}

    private Object readResolve() {
      return CORRECT;
    }

    @Override
    public String toString() {
      return "correct";
    }
  }
}
