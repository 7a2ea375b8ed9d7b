package dev.adjoint.kernel;

import java.io.Serializable;

/** The layer's parameters: W [d×m] row-major and b [m]. This is what the job broadcasts. */
public final class WeightsAndBias implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int inputDim;
  public final int outputDim;
  public final double[] weights;
  public final double[] bias;

  public WeightsAndBias(int inputDim, int outputDim, double[] weights, double[] bias) {
    Shapes.require(inputDim > 0 && outputDim > 0, "W must be at least [1×1], got [" + inputDim + "×" + outputDim + "]");
    Shapes.require(weights.length == (long) inputDim * outputDim,
        "W holds " + weights.length + " values, expected [" + inputDim + "×" + outputDim + "]");
    Shapes.require(bias.length == outputDim, "b has length " + bias.length + " but W is [" + inputDim + "×" + outputDim
        + "]: b must have length " + outputDim);
    this.inputDim = inputDim;
    this.outputDim = outputDim;
    this.weights = weights;
    this.bias = bias;
  }
}
