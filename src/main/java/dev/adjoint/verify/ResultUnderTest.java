package dev.adjoint.verify;

import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Reduction;

/**
 * What every check looks at after the pass: the {@link LayerUnderTest} (which it extends), the distributed result, the
 * passes that reach its data (only the full reference streams rows; may be null otherwise), and what
 * follows — n, the final scaling s (1, or 1/n for the mean reduction) and the run's {@link Tolerances}.
 */
final class ResultUnderTest extends LayerUnderTest {
  final LayerUnderTest layer;
  final DataPasses passes;
  final Gradients result;
  final long n;
  /** The final scaling of L, dW, db and dX: 1, or 1/n for the mean reduction. */
  final double s;
  final Tolerances tolerances;

  /** {@code blocks}: how many blocks the pass summed (the probe pass counts them). */
  ResultUnderTest(LayerUnderTest layer, DataPasses passes, Gradients result, long blocks) {
    super(layer.params, layer.loss, layer.kernel, layer.blockRows);
    this.layer = layer;
    this.passes = passes;
    this.result = result;
    this.n = result.rows();
    this.s = result.reduction() == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
    this.tolerances = new Tolerances(n, blocks, d, m, blockRows, u, s, bounds);
  }
}
