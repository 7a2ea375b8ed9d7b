package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Shapes;
import java.io.Serializable;

/**
 * A partial of one verification pass ({@link ProbePlan}), a monoid like the gradient partial: sums over
 * the rows added of the base loss, each probe set's loss, the Freivalds products Xᵀ·(G·R), and the
 * magnitudes the tolerances need (see {@link Tolerances}). eᵢ = ‖xᵢ‖₁·max|W| + max|b|.
 */
public final class ProbeSum implements Serializable {
  private static final long serialVersionUID = 1L;

  final int d;
  final int m;
  final int k;
  long rows;
  double lossSum;
  /** Σ|ℓᵢⱼ| at the base parameters. */
  double absLossSum;
  /** Σᵢ ‖gᵢ‖₁·eᵢ at the base parameters. */
  double absGE;
  /** Σᵢⱼ gᵢⱼ, the total of G (for the check db·1 = 1ᵀG1). */
  double sumG;
  /** Σᵢⱼ |gᵢⱼ|. */
  double absSumG;
  /** Σᵢ eᵢ. */
  double sumE;
  /** Σᵢ ‖xᵢ‖₁·‖gᵢ‖₁ (≥ every entry of |X|ᵀ|G|). */
  double absXG;
  /** Σᵢ ‖xᵢ‖₁·eᵢ. */
  double absXE;
  final double[] setLossSums;
  final double[] setAbsLossSums;
  final double[] setAbsGE;
  /** Xᵀ·(G·R) [d×k]. */
  final double[] xtGR;
  /** |X|ᵀ·(|G|·|R|) [d×k]. */
  final double[] absXtGR;
  /** |X|ᵀ·e [d]. */
  final double[] absXtE;

  private ProbeSum(int d, int m, int k, int sets) {
    this.d = d;
    this.m = m;
    this.k = k;
    this.setLossSums = new double[sets];
    this.setAbsLossSums = new double[sets];
    this.setAbsGE = new double[sets];
    this.xtGR = new double[d * k];
    this.absXtGR = new double[d * k];
    this.absXtE = new double[d];
  }

  public static ProbeSum empty(ProbePlan plan) {
    return new ProbeSum(plan.base().inputDim, plan.base().outputDim, plan.probeCount(), plan.lossSets().size());
  }

  /** Folds one block in. Mutates and returns {@code this}. */
  public ProbeSum add(Block block, ProbePlan plan) {
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
    if (k > 0) {
      addFreivalds(block, plan, e, g);
    }
    addLossSets(block, plan, xNorm1, g);
    rows += n;
    return this;
  }

  /** The loss at the base parameters and the magnitudes of its G (left in {@code g}). */
  private void addBase(Block block, ProbePlan plan, double[] xNorm1, double[] e, double[] g) {
    double[] absL = new double[1];
    double[] absGe = new double[1];
    lossSum += lossAt(block, plan.base(), plan, g, e, absL, absGe);
    absLossSum += absL[0];
    absGE += absGe[0];
    for (int i = 0; i < block.rows; i++) {
      double s = 0;
      for (int j = 0; j < m; j++) {
        double v = g[i * m + j];
        sumG += v;
        s += Math.abs(v);
      }
      absSumG += s;
      sumE += e[i];
      absXG += xNorm1[i] * s;
      absXE += xNorm1[i] * e[i];
    }
  }

  /** Xᵀ·(G·R), |X|ᵀ·(|G|·|R|) and |X|ᵀ·e from the base G. */
  private void addFreivalds(Block block, ProbePlan plan, double[] e, double[] g) {
    int n = block.rows;
    double[] gr = new double[n * k];
    Dense.mult(g, n, m, plan.probes(), k, gr);
    Dense.multTransAAdd(block.x, n, d, gr, k, xtGR);
    double[] absX = Dense.abs(block.x, n * d);
    Dense.mult(Dense.abs(g, n * m), n, m, Dense.abs(plan.probes(), m * k), k, gr);
    Dense.multTransAAdd(absX, n, d, gr, k, absXtGR);
    Dense.multTransAAdd(absX, n, d, e, 1, absXtE);
  }

  /** The loss at every probe set, with its magnitudes; {@code g} is scratch. */
  private void addLossSets(Block block, ProbePlan plan, double[] xNorm1, double[] g) {
    double[] absL = new double[1];
    double[] absGe = new double[1];
    for (int p = 0; p < setLossSums.length; p++) {
      WeightsAndBias set = plan.lossSets().get(p);
      setLossSums[p] += lossAt(block, set, plan, g, rowBounds(xNorm1, set), absL, absGe);
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
    Shapes.require(d == o.d && m == o.m && k == o.k && setLossSums.length == o.setLossSums.length,
        "merging probe partials of different plans");
    rows += o.rows;
    lossSum += o.lossSum;
    absLossSum += o.absLossSum;
    absGE += o.absGE;
    sumG += o.sumG;
    absSumG += o.absSumG;
    sumE += o.sumE;
    absXG += o.absXG;
    absXE += o.absXE;
    Dense.addInto(setLossSums, o.setLossSums);
    Dense.addInto(setAbsLossSums, o.setAbsLossSums);
    Dense.addInto(setAbsGE, o.setAbsGE);
    Dense.addInto(xtGR, o.xtGR);
    Dense.addInto(absXtGR, o.absXtGR);
    Dense.addInto(absXtE, o.absXtE);
    return this;
  }

  public long rows() {
    return rows;
  }
}
