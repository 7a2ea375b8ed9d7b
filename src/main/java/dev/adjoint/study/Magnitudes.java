package dev.adjoint.study;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Shapes;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;

/**
 * The magnitudes the error bounds scale with, for every entry of dW [d×m] (the exact reference has them
 * for its sampled entries only): S1 = |X|ᵀ·|G| (Σᵢ |xᵢⱼ|·|gᵢ꜀|) and S2 = |X|ᵀ·A with A = |X|·|W| + 1·|b|ᵀ
 * (see {@link ErrorBounds}); a monoid under {@link #merge}. Three float64 GEMMs a block.
 *
 * <p>Sums of non-negative terms err by at most γₙ(u₆₄) relative (10⁻¹⁰ for n = 10⁶): like the bounds,
 * first order, so that factor is dropped.
 */
public final class Magnitudes implements Serializable {
  private static final long serialVersionUID = 1L;

  public final int inputDim;
  public final int outputDim;
  /** S1 [d×m], row-major. */
  public final double[] termMagnitude;
  /** S2 [d×m], row-major. */
  public final double[] forwardMagnitude;

  private Magnitudes(int d, int m) {
    this.inputDim = d;
    this.outputDim = m;
    this.termMagnitude = new double[d * m];
    this.forwardMagnitude = new double[d * m];
  }

  /** Zero magnitudes: the identity of {@link #merge}. */
  public static Magnitudes empty(int d, int m) {
    return new Magnitudes(d, m);
  }

  /** S1 += |X|ᵀ·|G|, S2 += |X|ᵀ·(|X|·|W| + |b|) over the block (G in float64). Mutates and returns {@code this}. */
  public Magnitudes add(Block block, WeightsAndBias p, Loss loss) {
    int n = block.rows;
    int d = inputDim;
    int m = outputDim;
    double[] g = new double[n * m];
    BlockKernel.CORRECT.forward(block, p, g);
    BlockKernel.CORRECT.lossSumAndGradient(loss, g, block.targets, n, m);
    double[] absX = Dense.abs(block.x, n * d);
    double[] absG = Dense.abs(g, n * m);
    double[] a = new double[n * m];
    Dense.multAddBias(absX, n, d, Dense.abs(p.weights, d * m), m, Dense.abs(p.bias, m), a);
    Dense.multTransAAdd(absX, n, d, absG, m, termMagnitude);
    Dense.multTransAAdd(absX, n, d, a, m, forwardMagnitude);
    return this;
  }

  /** Adds another partial's magnitudes. Mutates and returns {@code this}. */
  public Magnitudes merge(Magnitudes other) {
    Shapes.requireEqual("merging magnitudes", "this", inputDim, outputDim, "other", other.inputDim, other.outputDim);
    Dense.addInto(termMagnitude, other.termMagnitude);
    Dense.addInto(forwardMagnitude, other.forwardMagnitude);
    return this;
  }
}
