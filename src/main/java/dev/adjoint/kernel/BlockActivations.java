package dev.adjoint.kernel;

import java.util.Arrays;

/**
 * What the layer gives back per row of a block: Y_block = X·W + 1·bᵀ [rows×m] and the input gradient
 * dX_block = G·Wᵀ [rows×d], both row-major.
 */
public record BlockActivations(int rows, int inputDim, int outputDim, double[] y, double[] dx) {
  public BlockActivations {
    Shapes.require(y.length == (long) rows * outputDim, "Y holds " + y.length + " values, expected " + rows + "×" + outputDim);
    Shapes.require(dx.length == (long) rows * inputDim, "dX holds " + dx.length + " values, expected " + rows + "×" + inputDim);
  }

  /** Row i of Y, a copy [m]. */
  public double[] yRow(int i) {
    return Arrays.copyOfRange(y, i * outputDim, (i + 1) * outputDim);
  }

  /** Row i of dX, a copy [d]. */
  public double[] dxRow(int i) {
    return Arrays.copyOfRange(dx, i * inputDim, (i + 1) * inputDim);
  }
}
