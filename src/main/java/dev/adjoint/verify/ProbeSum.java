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
  /** Σ|yᵢⱼ| at the base parameters. */
  double absY;
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
  final double[] setAbsY;
  /** Σᵢ eᵢ² of each set's parameters. */
  final double[] setE2;
  /**
   * For each pair of loss sets (θ₊, θ₋) of a central difference: the loss's bound on the remainder
   * ({@link Loss#centralDifferenceRemainder}; 0 for polynomial losses, which skip it) and the entries it
   * found at a kink.
   */
  final double[] pairRemainder;
  final long[] pairKinks;
  /** Xᵀ·(G·R) [d×k]. */
  final double[] xtGR;
  /** 1ᵀ·(G·R) [k], compensated: for cross-entropy, whose rows of G sum to 0, the bias check's probes. */
  final NeumaierSum[] sumGR;
  /** Σᵢ xᵢₖ² [d]: with Cauchy–Schwarz, Σᵢ|xᵢₖ|·aᵢ ≤ ‖x₍ₖ₎‖₂·‖a‖₂ bounds every magnitude over rows. */
  final double[] xColSq;
  /** Σᵢ gᵢⱼ² [m]: (|X|ᵀ|G|)ₖⱼ ≤ √(Σᵢxᵢₖ²·Σᵢgᵢⱼ²), what bounds the rounding of dWₖⱼ. */
  final double[] gColSq;
  /** Σᵢ ‖gᵢ‖₁²: (|X|ᵀ|G||R|)_c ≤ √(Σᵢxᵢc²·Σᵢ‖gᵢ‖₁²) for ±1 probes. */
  double gRowL1Sq;
  /** Σᵢ eᵢ²: (|X|ᵀe)ₖ ≤ √(Σᵢxᵢₖ²·Σᵢeᵢ²). */
  double sumE2;
  /** Σᵢ (‖xᵢ‖₁ + 1)²: bounds how far a shift of every parameter by ≤ 1 moves Y, over the rows. */
  double sumX1Sq;
  /** 1ᵀ·|G| [m]: what bounds the rounding of each db entry. */
  final double[] absColG;
  final BlockSample sample;
  private transient ProbeScratch scratch;

  private ProbeSum(int d, int m, int k, int sets, int pairs, int sampleBlocks, long sampleSeed) {
    this.d = d;
    this.m = m;
    this.k = k;
    this.setLoss = new NeumaierSum[sets];
    for (int p = 0; p < sets; p++) {
      setLoss[p] = new NeumaierSum();
    }
    this.setAbsLossSums = new double[sets];
    this.setAbsGE = new double[sets];
    this.setAbsY = new double[sets];
    this.setE2 = new double[sets];
    this.pairRemainder = new double[pairs];
    this.pairKinks = new long[pairs];
    this.xtGR = new double[d * k];
    this.sumGR = new NeumaierSum[k];
    for (int q = 0; q < k; q++) {
      sumGR[q] = new NeumaierSum();
    }
    this.xColSq = new double[d];
    this.gColSq = new double[m];
    this.absColG = new double[m];
    this.sample = new BlockSample(sampleBlocks, sampleSeed);
  }

  public static ProbeSum empty(ProbePlan plan) {
    return new ProbeSum(plan.base().inputDim, plan.base().outputDim, plan.probeCount(), plan.lossSets().size(),
        plan.pairCount(), plan.sampleBlocks(), plan.sampleSeed());
  }

  /**
   * Ends a partition: the sampled blocks that stayed get their partial from {@code partialOf} (the pass's
   * own fold on that block alone) and their Y and dX through the plan's kernel. Mutates and returns {@code this}.
   */
  public ProbeSum finishPartition(ProbePlan plan, Function<Block, GradientPartial> partialOf) {
    sample.complete(partialOf, b -> dev.adjoint.kernel.LinearLayer.activations(b, plan.base(), plan.loss(), 1.0,
        plan.kernel()));
    return this;
  }

  /** The gradient partial of one block through the plan's kernel (the sample's partial when the probes run apart). */
  public static Function<Block, GradientPartial> kernelPartial(ProbePlan plan) {
    return b -> GradientPartial.empty(plan.base().inputDim, plan.base().outputDim).add(b, plan.base(), plan.loss(),
        plan.kernel());
  }

  /** Folds one block in, without offering it to the sample. Mutates and returns {@code this}. */
  public ProbeSum add(Block block, ProbePlan plan) {
    return add(block, plan, 0, 0, false);
  }

  /**
   * Folds block {@code index} of {@code partition} in and, when the plan's sample would keep it (and
   * {@code sampled}), offers it to the sample; {@link #finishPartition} completes the kept ones. Mutates
   * and returns {@code this}.
   */
  public ProbeSum add(Block block, ProbePlan plan, int partition, long index, boolean sampled) {
    int n = block.rows;
    if (n == 0) {
      return this;
    }
    if (scratch == null) {
      scratch = new ProbeScratch();
    }
    double[] xNorm1 = scratch.xNorm1(n);
    for (int i = 0; i < n; i++) {
      xNorm1[i] = RowReference.norm1(block.x, i * d, d);
      sumX1Sq += (xNorm1[i] + 1) * (xNorm1[i] + 1);
    }
    // one forward GEMM for the base and every loss set side by side ({@link ProbePlan#stacked})
    WeightsAndBias stacked = plan.stacked();
    double[] yAll = scratch.yAll(n * stacked.outputDim);
    plan.kernel().forward(block, stacked, yAll);
    double[] g = scratch.g(n * m);
    columnsOf(yAll, n, stacked.outputDim, 0, m, g);
    double[] e = rowBounds(xNorm1, n, plan.base(), scratch.e(n));
    addBase(block, plan, e, g);
    addMagnitudes(block, e, g);
    if (k > 0) {
      addFreivalds(block, plan, g);
    }
    addLossSets(block, plan, xNorm1, yAll);
    rows += n;
    blocks++;
    if (sampled) {
      long h = sample.hash(partition, index);
      if (sample.wants(h)) {
        sample.offer(new BlockSample.Entry(h, partition, index, block));
      }
    }
    return this;
  }

  /** The loss at the base parameters and the magnitudes of its G (left in {@code g}). */
  private void addBase(Block block, ProbePlan plan, double[] e, double[] g) {
    double[] mags = new double[3];
    loss.add(lossAt(block.targets, block.rows, plan.base(), plan, g, e, mags));
    absLossSum += mags[0];
    absGE += mags[1];
    absY += mags[2];
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

  /**
   * The magnitudes over rows that bound the gradients' rounding (Cauchy–Schwarz: Σᵢ xᵢₖ², Σᵢ gᵢⱼ²,
   * Σᵢ ‖gᵢ‖₁², Σᵢ eᵢ²) and 1ᵀ·|G|, with loops over the block: no |X| is materialised, no GEMM.
   */
  private void addMagnitudes(Block block, double[] e, double[] g) {
    int n = block.rows;
    for (int i = 0; i < n; i++) {
      int xi = i * d;
      for (int c = 0; c < d; c++) {
        double x = block.x[xi + c];
        xColSq[c] += x * x;
      }
      double l1 = 0;
      for (int j = 0; j < m; j++) {
        double v = g[i * m + j];
        gColSq[j] += v * v;
        absColG[j] += Math.abs(v);
        l1 += Math.abs(v);
      }
      gRowL1Sq += l1 * l1;
      sumE2 += e[i] * e[i];
    }
  }

  /** Xᵀ·(G·R) from the base G, one block summed in a zeroed buffer and then added. */
  private void addFreivalds(Block block, ProbePlan plan, double[] g) {
    int n = block.rows;
    double[] gr = new double[n * k];
    double[] buf = new double[d * k];
    Dense.mult(g, n, m, plan.probes(), k, gr);
    Dense.multTransAAdd(block.x, n, d, gr, k, buf);
    Dense.addInto(xtGR, buf);
    for (int i = 0; i < n * k; i++) {
      sumGR[i % k].add(gr[i]);
    }
  }

  /**
   * The loss at every probe set, from its columns of the stacked forward {@code yAll}, with its magnitudes;
   * for each pair of a central difference, its remainder bound from the two sets' Y.
   */
  private void addLossSets(Block block, ProbePlan plan, double[] xNorm1, double[] yAll) {
    int n = block.rows;
    int width = plan.stacked().outputDim;
    double[] mags = new double[3];
    double[] column = null;
    double[] g = scratch.g(n * m);
    double[] e = scratch.e(n);
    for (int q = 0; q < pairRemainder.length && !plan.loss().thirdDerivativeIsZero(); q++) {
      int p = plan.pairPlus(q);
      int w = plan.lossSets().get(p).outputDim;
      double[] yPlus = scratch.yPlus(n * w);
      double[] yMinus = scratch.yMinus(n * w);
      columnsOf(yAll, n, width, plan.stackedOffset(p), w, yPlus);
      columnsOf(yAll, n, width, plan.stackedOffset(p + 1), w, yMinus);
      long[] kinks = new long[1];
      pairRemainder[q] += plan.loss().centralDifferenceRemainder(yPlus, yMinus, targetsOf(block, plan.setColumn(p)), n,
          w, kinks);
      pairKinks[q] += kinks[0];
    }
    for (int p = 0; p < setLoss.length; p++) {
      WeightsAndBias set = plan.lossSets().get(p);
      double[] targets = targetsOf(block, plan.setColumn(p));
      columnsOf(yAll, n, width, plan.stackedOffset(p), set.outputDim, g);
      rowBounds(xNorm1, n, set, e);
      setLoss[p].add(lossAt(targets, n, set, plan, g, e, mags));
      setAbsLossSums[p] += mags[0];
      setAbsGE[p] += mags[1];
      setAbsY[p] += mags[2];
      double e2 = 0;
      for (int i = 0; i < n; i++) {
        e2 += e[i] * e[i];
      }
      setE2[p] += e2;
    }
  }

  /** The block's targets, or for a set of output column j ≥ 0 (element-wise losses) T's column j; null without. */
  private double[] targetsOf(Block block, int j) {
    if (j < 0 || block.targets == null) {
      return block.targets;
    }
    double[] column = scratch.column(block.rows);
    columnsOf(block.targets, block.rows, block.targetWidth, j, 1, column);
    return column;
  }

  /** Columns [from, from + count) of the row-major [n×width] {@code a} into {@code out} [n×count]. */
  private static void columnsOf(double[] a, int n, int width, int from, int count, double[] out) {
    for (int i = 0; i < n; i++) {
      System.arraycopy(a, i * width + from, out, i * count, count);
    }
  }

  /**
   * The block's loss sum at {@code p} through the plan's kernel, from its Y in {@code g} (replaced by G);
   * magnitudes out: {@code mags} = {Σ|ℓ|, Σᵢ‖gᵢ‖₁·eᵢ, Σ|y|}.
   */
  private static double lossAt(double[] targets, int n, WeightsAndBias p, ProbePlan plan, double[] g, double[] e,
      double[] mags) {
    int m = p.outputDim;
    double absY = 0;
    for (int q = 0; q < n * m; q++) {
      absY += Math.abs(g[q]);
    }
    double loss = plan.kernel().lossSumAndGradient(plan.loss(), g, targets, n, m);
    mags[0] = plan.loss().absLossSum(loss, absY);
    mags[2] = absY;
    double s = 0;
    for (int i = 0; i < n; i++) {
      double gi = 0;
      for (int j = 0; j < m; j++) {
        gi += Math.abs(g[i * m + j]);
      }
      s += gi * e[i];
    }
    mags[1] = s;
    return loss;
  }

  /** eᵢ = ‖xᵢ‖₁·max|W| + max|b| of parameters {@code p} for every row, into {@code e}. */
  private static double[] rowBounds(double[] xNorm1, int n, WeightsAndBias p, double[] e) {
    double wMax = Dense.maxAbs(p.weights);
    double bMax = Dense.maxAbs(p.bias);
    for (int i = 0; i < n; i++) {
      e[i] = RowReference.rowBound(xNorm1[i], wMax, bMax);
    }
    return e;
  }

  /** Adds another partial. Shapes must match. Mutates and returns {@code this}. */
  public ProbeSum merge(ProbeSum o) {
    Shapes.require(d == o.d && m == o.m && k == o.k && setLoss.length == o.setLoss.length
        && pairRemainder.length == o.pairRemainder.length,
        "merging probe partials of different plans");
    rows += o.rows;
    blocks += o.blocks;
    loss.merge(o.loss);
    absLossSum += o.absLossSum;
    absY += o.absY;
    absGE += o.absGE;
    sumG.merge(o.sumG);
    absSumG += o.absSumG;
    sumE += o.sumE;
    for (int p = 0; p < setLoss.length; p++) {
      setLoss[p].merge(o.setLoss[p]);
    }
    Dense.addInto(setAbsLossSums, o.setAbsLossSums);
    Dense.addInto(setAbsGE, o.setAbsGE);
    Dense.addInto(setAbsY, o.setAbsY);
    Dense.addInto(setE2, o.setE2);
    Dense.addInto(pairRemainder, o.pairRemainder);
    for (int q = 0; q < pairKinks.length; q++) {
      pairKinks[q] += o.pairKinks[q];
    }
    Dense.addInto(xtGR, o.xtGR);
    for (int q = 0; q < k; q++) {
      sumGR[q].merge(o.sumGR[q]);
    }
    Dense.addInto(xColSq, o.xColSq);
    Dense.addInto(gColSq, o.gColSq);
    gRowL1Sq += o.gRowL1Sq;
    sumE2 += o.sumE2;
    sumX1Sq += o.sumX1Sq;
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
    long doubles = 16L + 5L * setLoss.length + 2L * pairRemainder.length + xtGR.length + 2L * k + xColSq.length + gColSq.length + absColG.length;
    return 8 * doubles + sample.bytes();
  }
}
