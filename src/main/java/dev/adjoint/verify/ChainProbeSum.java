package dev.adjoint.verify;

import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.ChainPass;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.NeumaierSum;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The chain's checks' sums over the blocks, folded beside the gradient in the same pass (one read of the
 * data) and merged by the same tree: a monoid under {@link #merge}.
 *
 * <ul>
 *   <li>finite differences and directions: the loss sum at θ + s·e for s = ±h, ±h/2, and for relu the
 *       pre-activations that change side of 0 between θ and θ + s, counted, with their first-order effect;
 *   <li>the rounding bound of the loss sum, from a forward of the magnitudes (one GEMM per layer with |W|);
 *   <li>Freivalds per layer: Σ in_lᵀ·(G_l·r_l), Σ 1ᵀ·(G_l·r_l) and their magnitudes;
 *   <li>the reference's sample: a few rows of a few blocks (the smallest seeded keys), with the kernel's
 *       partial of those rows alone.
 * </ul>
 */
public final class ChainProbeSum implements Serializable {
  private static final long serialVersionUID = 1L;

  final NeumaierSum[][] fdLoss;
  final double[][] fdCorrection;
  final long[] fdKinks;
  final NeumaierSum[][] dirLoss;
  final double[][] dirCorrection;
  final long[] dirKinks;
  double lossRounding;
  final double[][] frW;
  final double[] frB;
  final double[][] frWMag;
  final double[] frBMag;
  final List<Sample> samples = new ArrayList<>();
  private final int keep;

  /** One sampled block's rows, its key, and the kernel's partial of those rows alone (a class: Kryo). */
  static final class Sample implements Serializable {
    private static final long serialVersionUID = 1L;
    final long key;
    final Block rows;
    final ChainPartial partial;

    Sample(long key, Block rows, ChainPartial partial) {
      this.key = key;
      this.rows = rows;
      this.partial = partial;
    }
  }

  private transient Scratch scratch;

  private ChainProbeSum(ChainProbePlan plan) {
    int k = plan.entries();
    fdLoss = sums(k);
    fdCorrection = new double[k][ChainProbePlan.STEPS.length];
    fdKinks = new long[k];
    int v = plan.dirChains.length;
    dirLoss = sums(v);
    dirCorrection = new double[v][ChainProbePlan.STEPS.length];
    dirKinks = new long[v];
    int f = plan.freivalds.length;
    frW = new double[f][];
    frWMag = new double[f][];
    frB = new double[f];
    frBMag = new double[f];
    for (int q = 0; q < f; q++) {
      frW[q] = new double[plan.chain.width(plan.freivaldsLayer(q))];
      frWMag[q] = new double[frW[q].length];
    }
    keep = plan.sampleBlocks;
  }

  private static NeumaierSum[][] sums(int k) {
    NeumaierSum[][] s = new NeumaierSum[k][ChainProbePlan.STEPS.length];
    for (NeumaierSum[] row : s) {
      for (int i = 0; i < row.length; i++) {
        row[i] = new NeumaierSum();
      }
    }
    return s;
  }

  public static ChainProbeSum empty(ChainProbePlan plan) {
    return new ChainProbeSum(plan);
  }

  /**
   * Folds one block in, after the gradient's fold left the block's forward and backward in {@code base}
   * (z_l, h_l, ∂L/∂h_l, G_l): every probe of {@code plan} on it. {@code index} numbers the block in its
   * partition.
   */
  public void add(Block block, ChainPass base, ChainProbePlan plan, int partition, long index) {
    int n = block.rows;
    if (n == 0) {
      return;
    }
    if (scratch == null || scratch.capacity < n) {
      scratch = new Scratch(plan.chain, n);
    }
    freivalds(base, plan, n);
    if (plan.entries() > 0 || plan.dirChains.length > 0) {  // only the differences' tolerances read it
      lossRounding += lossRounding(block, base, plan, n);
    }
    for (int k = 0; k < plan.entries(); k++) {
      for (int s = 0; s < ChainProbePlan.STEPS.length; s++) {
        fdLoss[k][s].add(entryLoss(block, base, plan, k, ChainProbePlan.STEPS[s] * plan.fdStep[k]));
        fdCorrection[k][s] += kinks(base, plan.chain, plan.fdLayer[k], plan.fdColumn(k), n, fdKinks, k);
      }
    }
    for (int v = 0; v < plan.dirChains.length; v++) {
      // layer 0 is linear in θ: z₀(θ + sV) = z₀ + s·(X·V₀ + 1·v₀ᵀ), one GEMM for the four steps
      WeightsAndBias first = plan.chain.layer(0);
      Dense.multAddBias(block.x, n, first.inputDim, plan.dirW[v][0], first.outputDim, plan.dirB[v][0], scratch.tangent);
      for (int s = 0; s < ChainProbePlan.STEPS.length; s++) {
        LayerChain c = plan.dirChains[v][s];
        double step = ChainProbePlan.STEPS[s] * plan.dirStep;
        double[] z0 = base.preActivation(0);
        for (int q = 0; q < n * first.outputDim; q++) {
          scratch.z[0][q] = z0[q] + step * scratch.tangent[q];
        }
        scratch.continueFrom(base, c, 0, n);
        dirLoss[v][s].add(outputLoss(block, plan, n));
        dirCorrection[v][s] += kinks(base, c, 0, -1, n, dirKinks, v);
      }
    }
    long key = plan.sampleKey(partition, index);
    if (keep > 0 && (samples.size() < keep || key < samples.get(samples.size() - 1).key)) {
      Block rows = spacedRows(block, plan.sampleRows);
      ChainPartial partial = ChainPartial.empty(plan.chain.widths())
          .add(rows, new ChainPass(plan.chain), plan.loss, plan.kernel, null, null);
      samples.add(new Sample(key, rows, partial));
      trim();
    }
  }

  /** Merges another sum into this one (the sample keeps the smallest keys). Mutates and returns {@code this}. */
  public ChainProbeSum merge(ChainProbeSum o) {
    for (int k = 0; k < fdLoss.length; k++) {
      for (int s = 0; s < fdLoss[k].length; s++) {
        fdLoss[k][s].merge(o.fdLoss[k][s]);
      }
      Dense.addInto(fdCorrection[k], o.fdCorrection[k]);
      fdKinks[k] += o.fdKinks[k];
    }
    for (int v = 0; v < dirLoss.length; v++) {
      for (int s = 0; s < dirLoss[v].length; s++) {
        dirLoss[v][s].merge(o.dirLoss[v][s]);
      }
      Dense.addInto(dirCorrection[v], o.dirCorrection[v]);
      dirKinks[v] += o.dirKinks[v];
    }
    lossRounding += o.lossRounding;
    for (int q = 0; q < frW.length; q++) {
      Dense.addInto(frW[q], o.frW[q]);
      Dense.addInto(frWMag[q], o.frWMag[q]);
      frB[q] += o.frB[q];
      frBMag[q] += o.frBMag[q];
    }
    samples.addAll(o.samples);
    trim();
    return this;
  }

  private void trim() {
    samples.sort(Comparator.comparingLong(sample -> sample.key));
    while (samples.size() > keep) {
      samples.remove(samples.size() - 1);
    }
  }

  /** Freivalds per layer: Σ in_lᵀ·(G_l·r_l), Σ 1ᵀ·(G_l·r_l), and Σ|in_l|ᵀ·(|G_l|·1), Σ 1ᵀ|G_l|1 for the bound. */
  private void freivalds(ChainPass base, ChainProbePlan plan, int n) {
    for (int q = 0; q < frW.length; q++) {
      int l = plan.freivaldsLayer(q);
      double[] in = base.input(l);
      double[] g = base.preActivationGradient(l);
      double[] r = plan.freivalds[q];
      int w = plan.chain.width(l);
      int wOut = plan.chain.width(l + 1);
      for (int i = 0; i < n; i++) {
        double gr = 0;
        double ga = 0;
        for (int j = 0; j < wOut; j++) {
          double gij = g[i * wOut + j];
          gr += gij * r[j];
          ga += Math.abs(gij);
        }
        frB[q] += gr;
        frBMag[q] += ga;
        for (int k = 0; k < w; k++) {
          double x = in[i * w + k];
          frW[q][k] += x * gr;
          frWMag[q][k] += Math.abs(x) * ga;
        }
      }
    }
  }

  /**
   * A bound on the rounding of the block's loss sum: E_Y from a forward of magnitudes (E_z = (γ|in| + E_in)·|W|
   * + γ|b|, E_h = sup|σ'|·E_z + c_σ·u·|h|), then Σ|G|·E_Y + ½c₂·ΣE_Y² and the loss's own rounding.
   */
  private double lossRounding(Block block, ChainPass base, ChainProbePlan plan, int n) {
    LayerChain chain = plan.chain;
    Activation act = chain.activation;
    double u = Tolerances.U64;
    double[] eIn = null;
    for (int l = 0; l < chain.depth(); l++) {
      WeightsAndBias a = plan.absLayers[l];
      double gamma = Tolerances.gamma(a.inputDim + 1, u);
      double[] in = base.input(l);
      double[] m = scratch.mag[l];
      for (int q = 0; q < n * a.inputDim; q++) {
        m[q] = gamma * Math.abs(in[q]) + (eIn == null ? 0 : eIn[q]);
      }
      double[] gb = scratch.gammaBias[l];
      for (int j = 0; j < a.outputDim; j++) {
        gb[j] = gamma * a.bias[j];
      }
      double[] ez = scratch.err[l];
      Dense.multAddBias(m, n, a.inputDim, a.weights, a.outputDim, gb, ez);
      if (l < chain.depth() - 1) {
        double[] h = base.input(l + 1);
        for (int q = 0; q < n * a.outputDim; q++) {
          ez[q] = act.slopeBound() * ez[q] + act.valueRounding() * u * Math.abs(h[q]);
        }
      }
      eIn = ez;
    }
    int m = chain.outputDim();
    double[] g = base.preActivationGradient(chain.depth() - 1);
    double[] y = base.output();
    var lb = plan.loss.bounds(m);
    double sum = 0;
    double absY = 0;
    for (int q = 0; q < n * m; q++) {
      sum += Math.abs(g[q]) * eIn[q] + 0.5 * lb.curvature() * eIn[q] * eIn[q];
      absY += Math.abs(y[q]);
    }
    double blockLoss = scratch.lossOf(y, block, plan, n);
    double absLoss = plan.loss.absLossSum(blockLoss, absY);
    return sum + (lb.lossRel() * absLoss + lb.lossY() * absY + lb.lossRowAbs() * n) * u
        + Tolerances.gamma((long) n * m + 1, u) * absLoss;
  }

  /** L of the block with entry k of θ moved by s (W_l[i,j] or b_l[j]). */
  private double entryLoss(Block block, ChainPass base, ChainProbePlan plan, int k, double s) {
    int l = plan.fdLayer[k];
    WeightsAndBias p = plan.chain.layer(l);
    int j = plan.fdBias[k] ? plan.fdIndex[k] : plan.fdIndex[k] % p.outputDim;
    int i = plan.fdBias[k] ? -1 : plan.fdIndex[k] / p.outputDim;
    fdLossFrom(block, base, plan.chain, l, p, i, j, s);
    return outputLoss(block, plan, block.rows);
  }

  /**
   * The perturbed forward from layer l: z'_l = z_l + s·in_l[:, i] in column j (i = −1: + s, the bias); then
   * z'_{l+1} = z_{l+1} + (σ(z'_l) − h_l)[:, j]·W_{l+1}[j, :], and the layers above in full.
   */
  private void fdLossFrom(Block block, ChainPass base, LayerChain c, int l, WeightsAndBias p, int i, int j, double s) {
    int n = block.rows;
    double[] z = scratch.z[l];
    System.arraycopy(base.preActivation(l), 0, z, 0, n * p.outputDim);
    double[] in = base.input(l);
    for (int r = 0; r < n; r++) {
      z[r * p.outputDim + j] += i < 0 ? s : s * in[r * p.inputDim + i];
    }
    if (l == c.depth() - 1) {
      return;
    }
    // only column j of h_l moves, so the layer above moves by a rank-one update, Δh_j ⊗ W_{l+1}[j, :], not a GEMM;
    // the layers above it move everywhere and run in full
    WeightsAndBias above = c.layer(l + 1);
    double[] h0 = base.input(l + 1);
    double[] z0 = base.preActivation(l + 1);
    double[] z1 = scratch.z[l + 1];
    System.arraycopy(z0, 0, z1, 0, n * above.outputDim);
    for (int r = 0; r < n; r++) {
      double dh = c.activation.value(z[r * p.outputDim + j]) - h0[r * p.outputDim + j];
      if (dh != 0) {
        for (int k = 0; k < above.outputDim; k++) {
          z1[r * above.outputDim + k] += dh * above.weights[j * above.outputDim + k];
        }
      }
    }
    scratch.continueFrom(base, c, l + 1, n);
  }

  /** The loss sum of the perturbed forward's output (which it overwrites by G: nothing reads it after). */
  private double outputLoss(Block block, ChainProbePlan plan, int n) {
    return plan.loss.lossSumAndGradientInPlace(scratch.z[plan.chain.depth() - 1], block.targets, n,
        plan.chain.outputDim());
  }

  /**
   * For relu: the hidden pre-activations of the perturbed forward (layers ≥ {@code from}; at layer {@code from}
   * only {@code column} when it is ≥ 0) on the other side of 0 from θ's, counted into {@code counts[slot]}; returns their first-order effect on the loss, Σ ∂L/∂h·Δ with
   * Δ = relu(z') − (the branch θ's z is on, continued to z'): −z' where θ's z was on, z' where it was off. Taking
   * it off the perturbed loss leaves the loss along θ's own branch, whose derivative backprop computes.
   */
  private double kinks(ChainPass base, LayerChain c, int from, int column, int n, long[] counts, int slot) {
    if (!c.activation.hasKink()) {
      return 0;
    }
    double effect = 0;
    long count = 0;
    for (int l = from; l < c.depth() - 1; l++) {
      double[] z0 = base.preActivation(l);
      double[] z1 = scratch.z[l];
      double[] dh = base.hiddenGradient(l);
      int w = c.width(l + 1);
      // at the entry's own layer only its column moved
      int first = l == from && column >= 0 ? column : 0;
      int step = l == from && column >= 0 ? w : 1;
      for (int q = first; q < n * w; q += step) {
        boolean on = z0[q] > 0;
        if (on != (z1[q] > 0)) {
          count++;
          effect += dh[q] * (on ? -z1[q] : z1[q]);
        }
      }
    }
    counts[slot] += count;
    return effect;
  }

  /** Up to {@code max} rows of {@code b}, evenly spaced, as a block of their own (targets kept). */
  static Block spacedRows(Block b, int max) {
    int k = Math.min(max, b.rows);
    double[] x = new double[k * b.features];
    double[] t = b.targets == null ? null : new double[k * b.targetWidth];
    for (int q = 0; q < k; q++) {
      int r = (int) ((long) q * b.rows / k);
      System.arraycopy(b.x, r * b.features, x, q * b.features, b.features);
      if (t != null) {
        System.arraycopy(b.targets, r * b.targetWidth, t, q * b.targetWidth, b.targetWidth);
      }
    }
    return Block.of(k, b.features, x, b.targetWidth, t);
  }

  /** The perturbed forwards' buffers, reused from block to block (never shipped). */
  private static final class Scratch {
    final int capacity;
    final double[][] z;
    final double[][] h;
    final double[][] mag;
    final double[][] err;
    final double[][] gammaBias;
    final double[] y;
    final double[] tangent;

    Scratch(LayerChain chain, int n) {
      capacity = n;
      int depth = chain.depth();
      z = new double[depth][];
      h = new double[depth][];
      mag = new double[depth][];
      err = new double[depth][];
      gammaBias = new double[depth][];
      for (int l = 0; l < depth; l++) {
        z[l] = new double[n * chain.width(l + 1)];
        h[l] = new double[n * chain.width(l + 1)];
        mag[l] = new double[n * chain.width(l)];
        err[l] = new double[n * chain.width(l + 1)];
        gammaBias[l] = new double[chain.width(l + 1)];
      }
      y = new double[n * chain.outputDim()];
      tangent = new double[n * chain.width(1)];
    }

    /** From z_l as it stands in z[l]: h_l = σ(z_l), then layers l+1 … with chain c. */
    void continueFrom(ChainPass base, LayerChain c, int l, int n) {
      for (int k = l; k < c.depth() - 1; k++) {
        c.activation.forward(z[k], h[k], n * c.width(k + 1));
        WeightsAndBias p = c.layer(k + 1);
        Dense.multAddBias(h[k], n, p.inputDim, p.weights, p.outputDim, p.bias, z[k + 1]);
      }
    }

    double lossOf(double[] out, Block block, ChainProbePlan plan, int n) {
      int m = plan.chain.outputDim();
      System.arraycopy(out, 0, y, 0, n * m);
      return plan.loss.lossSumAndGradientInPlace(y, block.targets, n, m);
    }
  }
}
