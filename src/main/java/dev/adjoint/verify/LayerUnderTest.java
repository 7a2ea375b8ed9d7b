package dev.adjoint.verify;

import static dev.adjoint.verify.Tolerances.U64;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;

/**
 * What the checks know before the pass: the parameters, loss and kernel under test and what follows from
 * them — the shapes, the kernel's unit roundoff u, the most rows B it sums in its own precision, and
 * max|W|, max|b| for the row bounds eᵢ = ‖xᵢ‖₁·max|W| + max|b|. The checks plan their probes from this
 * alone, so the probes can ride on the gradient pass.
 */
class LayerUnderTest {
  final WeightsAndBias params;
  final Loss loss;
  final BlockKernel kernel;
  final int d;
  final int m;
  /** The loss's rounding and derivative constants for m outputs. */
  final Loss.Bounds bounds;
  /** Unit roundoff of the kernel under test: 2⁻⁵³, or 2⁻²⁴ for float32 products. */
  final double u;
  /** The most rows the kernel sums in its own precision before adding into float64 (at least 1). */
  final int blockRows;
  final double wMax;
  final double bMax;
  final ParamIndex index;

  LayerUnderTest(WeightsAndBias params, Loss loss, BlockKernel kernel, int blockRows) {
    this.params = params;
    this.loss = loss;
    this.kernel = kernel;
    this.d = params.inputDim;
    this.m = params.outputDim;
    this.bounds = loss.bounds(m);
    this.u = Math.max(U64, kernel.unitRoundoff());
    this.blockRows = Math.max(1, blockRows);
    this.wMax = Dense.maxAbs(params.weights);
    this.bMax = Dense.maxAbs(params.bias);
    this.index = new ParamIndex(d, m);
  }

  /** eᵢ for the row of {@code x} at {@code offset}. */
  double rowBound(double[] x, int offset) {
    return RowReference.rowBound(RowReference.norm1(x, offset, d), wMax, bMax);
  }
}
