package dev.adjoint.verify;

import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.WeightsAndBias;

/**
 * Chain kernels with one planted bug in one layer each, for the self-test: the checks must catch every one.
 * Named classes (serialisable to the executors); nothing but the self-test and its tests uses them.
 */
public final class PlantedChainKernels {
  private PlantedChainKernels() {}

  /** Layer {@code layer}'s ∂L/∂h = G·W instead of G·Wᵀ (shapes fit: the layer's W is square). */
  public static ChainKernel wrongTranspose(int layer) {
    return new WrongTranspose(layer);
  }

  /** σ' left out below layer {@code layer}: G_{l−1} = ∂L/∂h_{l−1}, not ⊙ σ'(z_{l−1}). */
  public static ChainKernel slopeLeftOut(int layer) {
    return new SlopeLeftOut(layer);
  }

  /** Layer {@code layer}'s db never accumulated (dW still is). */
  public static ChainKernel biasGradientDropped(int layer) {
    return new BiasDropped(layer);
  }

  private static final class WrongTranspose implements ChainKernel {
    private static final long serialVersionUID = 1L;
    private final int layer;

    WrongTranspose(int layer) {
      this.layer = layer;
    }

    @Override
    public void backwardInput(int l, double[] g, int n, WeightsAndBias p, double[] out) {
      if (l == layer && p.inputDim == p.outputDim) {
        Dense.mult(g, n, p.outputDim, p.weights, p.inputDim, out);
      } else {
        ChainKernel.super.backwardInput(l, g, n, p, out);
      }
    }
  }

  private static final class SlopeLeftOut implements ChainKernel {
    private static final long serialVersionUID = 1L;
    private final int layer;

    SlopeLeftOut(int layer) {
      this.layer = layer;
    }

    @Override
    public void backwardActivation(int l, Activation a, double[] z, double[] p, int len) {
      if (l != layer) {
        ChainKernel.super.backwardActivation(l, a, z, p, len);
      }
    }
  }

  private static final class BiasDropped implements ChainKernel {
    private static final long serialVersionUID = 1L;
    private final int layer;

    BiasDropped(int layer) {
      this.layer = layer;
    }

    @Override
    public void backwardParams(int l, double[] h, int n, double[] g, WeightsAndBias p, double[] dw, double[] db) {
      if (l == layer) {
        Dense.multTransAAdd(h, n, p.inputDim, g, p.outputDim, dw);
      } else {
        ChainKernel.super.backwardParams(l, h, n, g, p, dw, db);
      }
    }
  }
}
