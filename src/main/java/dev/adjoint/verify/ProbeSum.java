package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.NeumaierSum;
import dev.adjoint.kernel.Shapes;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.Arrays;
import java.util.function.Function;

/**
 * A partial of one verification pass ({@link ProbePlan}), a monoid like the gradient partial: over the
 * rows added, the base loss and each probe set's loss (compensated across rows, blocks and partitions:
 * {@link NeumaierSum}), the Freivalds products Xᵀ·(G·R), the magnitudes the tolerances need (see
 * {@link Tolerances}; eᵢ = ‖xᵢ‖₁·max|W| + max|b|), the row and block counts, and the seeded sample of
 * whole blocks ({@link BlockSample}). Products over a block go to zeroed buffers and are then added, so
 * every sum over rows has the blocked rounding bound ({@link Tolerances#sumGamma}).
 */
public final class ProbeSum implements Serializable {
  private static final long serialVersionUID = 2L;

  final int d;
  final int m;
  final int k;
  long rows;
  long blocks;
  final NeumaierSum loss = new NeumaierSum();
  /** Σ|ℓᵢⱼ| at the base parameters. */
  double absLossSum;
  /** Σᵢ ‖gᵢ‖₁·eᵢ at the base parameters. */
  double absGE;
  /** Σᵢⱼ gᵢⱼ, the total of G (for the check db·1 = 1ᵀG1), compensated. */
  final NeumaierSum sumG = new NeumaierSum();
  /** Σᵢⱼ |gᵢⱼ|. */
  double absSumG;
  /** Σᵢ eᵢ. */
  double sumE;
  final NeumaierSum[] setLoss;
  final double[] setAbsLossSums;
  final double[] setAbsGE;
  /** Xᵀ·(G·R) [d×k]. */
  final double[] xtGR;
  /** |X|ᵀ·(|G|·|R|) [d×k]. */
  final double[] absXtGR;
  /** |X|ᵀ·e [d]. */
  final double[] absXtE;
  /** |X|ᵀ·|G| [d×m]: what bounds the rounding of each dW entry. */
  final double[] absXtG;
  /** 1ᵀ·|G| [m]: what bounds the rounding of each db entry. */
  final double[] absColG;
  final BlockSample sample;

  private ProbeSum(int d, int m, int k, int sets, int sampleBlocks, long sampleSeed) {
    this.d = d;
    this.m = m;
    this.k = k;
    this.setLoss = new NeumaierSum[sets];
    for (int p = 0; p < sets; p++) {
      setLoss[p] = new NeumaierSum();
    }
    this.setAbsLossSums = new double[sets];
    this.setAbsGE = new double[sets];
    this.xtGR = new double[d * k];
    this.absXtGR = new double[d * k];
    this.absXtE = new double[d];
    this.absXtG = new double[d * m];
    this.absColG = new double[m];
    this.sample = new BlockSample(sampleBlocks, sampleSeed);
  }

  public static ProbeSum empty(ProbePlan plan) {
    return new ProbeSum(plan.base().inputDim, plan.base().outputDim, plan.probeCount(), plan.lossSets().size(),
        plan.sampleBlocks(), plan.sampleSeed());
  }

  /** The gradient partial of one block through the plan's kernel (the sample's partial when the probes run apart). */
  public static Function<Block, GradientPartial> kernelPartial(ProbePlan plan) {
    return b -> GradientPartial.empty(plan.base().inputDim, plan.base().outputDim).add(b, plan.base(), plan.loss(),
        plan.kernel());
  }

  /** Folds one block in, without offering it to the sample. Mutates and returns {@code this}. */
  public ProbeSum add(Block block, ProbePlan plan) {
    return add(block, plan, 0, 0, null);
  }

  /**
   * Folds block {@code index} of {@code partition} in; when the plan's sample would keep it, also keeps
   * it with {@code partialOf}(block) — the gradient partial of that block alone, as the pass computes
   * it — and its Y and dX through the plan's kernel. Mutates and returns {@code this}.
   */
  public ProbeSum add(Block block, ProbePlan plan, int partition, long index, Function<Block, GradientPartial> partialOf) {
    int n = block.rows;
    if (n == 0) {
      return this;
    }
    double[] xNorm1 = new double[n];
    for (int i = 0; i < n; i++) {
      xNorm1[i] = RowReference.norm1(block.x, i * d, d);
    }
    double[] g = new double[n * m];
    double[] e = rowBounds(xNorm1, plan.base());
    addBase(block, plan, xNorm1, e, g);
    double[] absX = Dense.abs(block.x, n * d);
    addMagnitudes(block, absX, e, g);
    if (k > 0) {
      addFreivalds(block, plan, absX, g);
    }
    addLossSets(block, plan, xNorm1, g);
    rows += n;
    blocks++;
    if (partialOf != null) {
      long h = sample.hash(partition, index);
      if (sample.wants(h)) {
        BlockActivations acts = dev.adjoint.kernel.LinearLayer.activations(block, plan.base(), plan.loss(), 1.0,
            plan.kernel());
        sample.offer(new BlockSample.Entry(h, partition, index, block, partialOf.apply(block), acts));
      }
    }
    return this;
  }

  /** The loss at the base parameters and the magnitudes of its G (left in {@code g}). */
  private void addBase(Block block, ProbePlan plan, double[] xNorm1, double[] e, double[] g) {
    double[] absL = new double[1];
    double[] absGe = new double[1];
    loss.add(lossAt(block, plan.base(), plan, g, e, absL, absGe));
    absLossSum += absL[0];
    absGE += absGe[0];
    for (int i = 0; i < block.rows; i++) {
      double s = 0;
      for (int j = 0; j < m; j++) {
        double v = g[i * m + j];
        sumG.add(v);
        s += Math.abs(v);
      }
      absSumG += s;
      sumE += e[i];
    }
  }

  /** |X|ᵀ·|G|, 1ᵀ·|G| and |X|ᵀ·e of the block, each summed in a zeroed buffer and then added. */
  private void addMagnitudes(Block block, double[] absX, double[] e, double[] g) {
    int n = block.rows;
    double[] absG = Dense.abs(g, n * m);
    double[] buf = new double[d * m];
    Dense.multTransAAdd(absX, n, d, absG, m, buf);
    Dense.addInto(absXtG, buf);
    double[] col = new double[m];
    Dense.colSumsAdd(absG, n, m, col);
    Dense.addInto(absColG, col);
    double[] xe = new double[d];
    Dense.multTransAAdd(absX, n, d, e, 1, xe);
    Dense.addInto(absXtE, xe);
  }

  /** Xᵀ·(G·R) and |X|ᵀ·(|G|·|R|) from the base G. */
  private void addFreivalds(Block block, ProbePlan plan, double[] absX, double[] g) {
    int n = block.rows;
    double[] gr = new double[n * k];
    double[] buf = new double[d * k];
    Dense.mult(g, n, m, plan.probes(), k, gr);
    Dense.multTransAAdd(block.x, n, d, gr, k, buf);
    Dense.addInto(xtGR, buf);
    Arrays.fill(buf, 0.0);
    Dense.mult(Dense.abs(g, n * m), n, m, Dense.abs(plan.probes(), m * k), k, gr);
    Dense.multTransAAdd(absX, n, d, gr, k, buf);
    Dense.addInto(absXtGR, buf);
  }

  /** The loss at every probe set, with its magnitudes; {@code g} is scratch. */
  private void addLossSets(Block block, ProbePlan plan, double[] xNorm1, double[] g) {
    double[] absL = new double[1];
    double[] absGe = new double[1];
    double[] column = null;
    for (int p = 0; p < setLoss.length; p++) {
      WeightsAndBias set = plan.lossSets().get(p);
      int j = plan.setColumn(p);
      Block b = block;
      if (j >= 0) {  // the layer of output column j: T's column j as the targets
        if (block.targets != null) {
          column = column == null ? new double[block.rows] : column;
          for (int i = 0; i < block.rows; i++) {
            column[i] = block.targets[i * block.targetWidth + j];
          }
        }
        b = new Block(block.rows, block.features, block.x, block.targets == null ? 0 : 1,
            block.targets == null ? null : column, null, 0);
      }
      setLoss[p].add(lossAt(b, set, plan, g, rowBounds(xNorm1, set), absL, absGe));
      setAbsLossSums[p] += absL[0];
      setAbsGE[p] += absGe[0];
    }
  }

  /** The block's loss sum at {@code p} through the plan's kernel; G left in {@code g}; magnitudes out. */
  private static double lossAt(Block block, WeightsAndBias p, ProbePlan plan, double[] g, double[] e, double[] absL,
      double[] absGe) {
    int n = block.rows;
    int m = p.outputDim;
    plan.kernel().forward(block, p, g);
    double absY = 0;
    if (plan.loss() == Loss.SUM) {
      for (int q = 0; q < n * m; q++) {
        absY += Math.abs(g[q]);
      }
    }
    double loss = plan.kernel().lossSumAndGradient(plan.loss(), g, block.targets, n, m);
    absL[0] = plan.loss() == Loss.SUM ? absY : loss;  // squared: every ℓ ≥ 0
    double s = 0;
    for (int i = 0; i < n; i++) {
      double gi = 0;
      for (int j = 0; j < m; j++) {
        gi += Math.abs(g[i * m + j]);
      }
      s += gi * e[i];
    }
    absGe[0] = s;
    return loss;
  }

  private static double[] rowBounds(double[] xNorm1, WeightsAndBias p) {
    double wMax = Dense.maxAbs(p.weights);
    double bMax = Dense.maxAbs(p.bias);
    double[] e = new double[xNorm1.length];
    for (int i = 0; i < e.length; i++) {
      e[i] = RowReference.rowBound(xNorm1[i], wMax, bMax);
    }
    return e;
  }

  /** Adds another partial. Shapes must match. Mutates and returns {@code this}. */
  public ProbeSum merge(ProbeSum o) {
    Shapes.require(d == o.d && m == o.m && k == o.k && setLoss.length == o.setLoss.length,
        "merging probe partials of different plans");
    rows += o.rows;
    blocks += o.blocks;
    loss.merge(o.loss);
    absLossSum += o.absLossSum;
    absGE += o.absGE;
    sumG.merge(o.sumG);
    absSumG += o.absSumG;
    sumE += o.sumE;
    for (int p = 0; p < setLoss.length; p++) {
      setLoss[p].merge(o.setLoss[p]);
    }
    Dense.addInto(setAbsLossSums, o.setAbsLossSums);
    Dense.addInto(setAbsGE, o.setAbsGE);
    Dense.addInto(xtGR, o.xtGR);
    Dense.addInto(absXtGR, o.absXtGR);
    Dense.addInto(absXtE, o.absXtE);
    Dense.addInto(absXtG, o.absXtG);
    Dense.addInto(absColG, o.absColG);
    sample.merge(o.sample);
    return this;
  }

  public long rows() {
    return rows;
  }

  /** The compensated loss sum at the base parameters. */
  double lossSum() {
    return loss.value();
  }

  /** The compensated loss sum at probe set {@code p}. */
  double setLossSum(int p) {
    return setLoss[p].value();
  }

  /** Bytes of doubles this partial brings to the driver (the sums and the sampled blocks). */
  public long bytes() {
    long doubles = 12L + 3L * setLoss.length + xtGR.length + absXtGR.length + absXtE.length + absXtG.length
        + absColG.length;
    return 8 * doubles + sample.bytes();
  }
}
