package dev.adjoint.kernel;

import java.io.Serializable;
import java.util.List;

/**
 * The parameters θ of a chain of dense layers: (W_l, b_l) for l = 0 … L−1 and the activation σ between them
 * (never after the last). Layer l maps widths w_l → w_{l+1}; w_0 = d, w_L = m. This is what the job broadcasts.
 *
 * <pre>
 *   h₀ = X,  z_{l+1} = h_l·W_l + 1·b_lᵀ,  h_{l+1} = σ(z_{l+1}) for l+1 &lt; L,  Y = z_L
 * </pre>
 */
public final class LayerChain implements Serializable {
  private static final long serialVersionUID = 1L;

  private final WeightsAndBias[] layers;
  public final Activation activation;

  /** The chain of {@code layers} in order; each W's rows must equal the previous W's columns. */
  public LayerChain(List<WeightsAndBias> layers, Activation activation) {
    Shapes.require(!layers.isEmpty(), "a chain needs at least one layer");
    for (int l = 1; l < layers.size(); l++) {
      WeightsAndBias below = layers.get(l - 1);
      WeightsAndBias above = layers.get(l);
      Shapes.require(below.outputDim == above.inputDim, "the layers do not connect: layer " + (l - 1) + "'s W is ["
          + below.inputDim + "×" + below.outputDim + "] but layer " + l + "'s W is [" + above.inputDim + "×"
          + above.outputDim + "]: layer " + l + "'s W needs " + below.outputDim + " rows");
    }
    this.layers = layers.toArray(new WeightsAndBias[0]);
    this.activation = activation;
  }

  public int depth() {
    return layers.length;
  }

  public WeightsAndBias layer(int l) {
    return layers[l];
  }

  /** w_l: the width entering layer l (w_0 = d), or leaving the last (w_L = m). */
  public int width(int l) {
    return l == layers.length ? layers[l - 1].outputDim : layers[l].inputDim;
  }

  public int inputDim() {
    return width(0);
  }

  public int outputDim() {
    return width(layers.length);
  }

  /** The widths (d, h₁, …, m). */
  public int[] widths() {
    int[] w = new int[layers.length + 1];
    for (int l = 0; l <= layers.length; l++) {
      w[l] = width(l);
    }
    return w;
  }

  /** Σ widths of the hidden layers and the output, the rows' share of a block's forward state. */
  public int widthSum() {
    int s = 0;
    for (int l = 1; l <= layers.length; l++) {
      s += width(l);
    }
    return s;
  }

  /** The number of parameters Σ (w_l·w_{l+1} + w_{l+1}). */
  public long parameterCount() {
    long c = 0;
    for (WeightsAndBias p : layers) {
      c += (long) p.inputDim * p.outputDim + p.outputDim;
    }
    return c;
  }

  /** θ + s·V, V given as per-layer (dW-shaped, db-shaped) arrays: a new chain, this one unchanged. */
  public LayerChain plus(double s, double[][] dW, double[][] db) {
    WeightsAndBias[] out = new WeightsAndBias[layers.length];
    for (int l = 0; l < layers.length; l++) {
      WeightsAndBias p = layers[l];
      double[] w = p.weights.clone();
      double[] b = p.bias.clone();
      for (int i = 0; i < w.length; i++) {
        w[i] += s * dW[l][i];
      }
      for (int j = 0; j < b.length; j++) {
        b[j] += s * db[l][j];
      }
      out[l] = new WeightsAndBias(p.inputDim, p.outputDim, w, b);
    }
    return new LayerChain(List.of(out), activation);
  }

  /** The shapes, as "[6×5] → [5×3] (tanh)". */
  @Override
  public String toString() {
    StringBuilder s = new StringBuilder();
    for (int l = 0; l < layers.length; l++) {
      s.append(l == 0 ? "" : " → ").append('[').append(layers[l].inputDim).append('×').append(layers[l].outputDim).append(']');
    }
    return s.append(layers.length > 1 ? " (" + activation.cliName() + ")" : "").toString();
  }
}
