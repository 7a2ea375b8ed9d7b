package dev.adjoint.kernel;

import java.io.Serializable;

/**
 * The backward steps of one layer of a chain, as one replaceable unit (the chain's {@link BlockKernel}).
 * {@link #CORRECT} is the chain as it should be; the self-test swaps in kernels with one planted bug in one
 * layer each, to show that the checks catch them. The forward is never replaced: a bug there would be one
 * the reference alone must catch, which the single layer's self-test already shows.
 */
public interface ChainKernel extends Serializable {
  /** dW_l += h_lᵀ·G_{l+1}, db_l += 1ᵀ·G_{l+1}: the parameters' backward of layer {@code l}. */
  default void backwardParams(int l, double[] h, int n, double[] g, WeightsAndBias p, double[] dw, double[] db) {
    Dense.multTransAAdd(h, n, p.inputDim, g, p.outputDim, dw);
    Dense.colSumsAdd(g, n, p.outputDim, db);
  }

  /** ∂L/∂h_l = G_{l+1}·W_lᵀ [n×w_l]: the input's backward of layer {@code l}, into {@code out}. */
  default void backwardInput(int l, double[] g, int n, WeightsAndBias p, double[] out) {
    Dense.multTransB(g, n, p.outputDim, p.weights, p.inputDim, out);
  }

  /** G_l = ∂L/∂h_l ⊙ σ'(z_l) in place: the activation's backward below layer {@code l}. */
  default void backwardActivation(int l, Activation a, double[] z, double[] p, int len) {
    a.backward(z, p, len);
  }

  /** The chain as it should be. */
  ChainKernel CORRECT = new Correct();

  /** The correct kernel's class (named, so that it deserialises to the singleton). */
  final class Correct implements ChainKernel {
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
