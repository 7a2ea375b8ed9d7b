package dev.adjoint.verify;

import static dev.adjoint.verify.Tolerances.U64;

import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.WeightsAndBias;

/**
 * What every check looks at: the distributed result, the parameters, loss and kernel that made it, the
 * passes that reach its data, and what follows from them — the sizes, the final scaling s (1, or 1/n for
 * the mean reduction), the kernel's unit roundoff u and the run's {@link Tolerances}.
 */
final class ResultUnderTest {
  final DataPasses passes;
  final Gradients result;
  final WeightsAndBias params;
  final Loss loss;
  final BlockKernel kernel;
  final int d;
  final int m;
  final long n;
  /** The final scaling of L, dW, db and dX: 1, or 1/n for the mean reduction. */
  final double s;
  final boolean squared;
  /** Unit roundoff of the kernel under test: 2⁻⁵³, or 2⁻²⁴ for float32 products. */
  final double u;
  /** The most rows the kernel sums in its own precision before adding into float64 (at least 1). */
  final int blockRows;
  /** max|W| and max|b|, for the row bounds eᵢ = ‖xᵢ‖₁·max|W| + max|b|. */
  final double wMax;
  final double bMax;
  final Tolerances tolerances;
  final ParamIndex index;

  ResultUnderTest(DataPasses passes, Gradients result, WeightsAndBias params, Loss loss, BlockKernel kernel,
      int blockRows) {
    this.passes = passes;
    this.result = result;
    this.params = params;
    this.loss = loss;
    this.kernel = kernel;
    this.blockRows = Math.max(1, blockRows);
    this.d = params.inputDim;
    this.m = params.outputDim;
    this.n = result.rows();
    this.s = result.reduction() == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
    this.squared = loss == Loss.SQUARED;
    this.u = Math.max(U64, kernel.unitRoundoff());
    this.wMax = Dense.maxAbs(params.weights);
    this.bMax = Dense.maxAbs(params.bias);
    this.tolerances = new Tolerances(n, d, m, this.blockRows, u, s, squared);
    this.index = new ParamIndex(d, m);
  }

  /** eᵢ for the row of {@code x} at {@code offset}. */
  double rowBound(double[] x, int offset) {
    return RowReference.rowBound(RowReference.norm1(x, offset, d), wMax, bMax);
  }
}
