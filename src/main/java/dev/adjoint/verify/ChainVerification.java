package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The four checks of a chain, on the sums (the reduction's scale cancels): the reference on sampled rows,
 * finite differences over entries of every layer, directional derivatives over all of θ, and Freivalds per
 * layer. docs/chain.md derives each tolerance; every comparison is normwise relative, and a tolerance ≥ 1
 * fails ({@link CheckResult#of}).
 */
public final class ChainVerification {
  private static final double U = Tolerances.U64;

  private final ChainProbePlan plan;
  private final VerifyOptions options;

  public ChainVerification(LayerChain chain, Loss loss, ChainKernel kernel, VerifyOptions options) {
    this.plan = new ChainProbePlan(chain, loss, kernel, options);
    this.options = options;
  }

  public ChainProbePlan plan() {
    return plan;
  }

  /** Every check that ran, one line per compared quantity. */
  public List<CheckResult> check(ChainPartial sum, ChainProbeSum probes, double probeSeconds) {
    List<CheckResult> out = new ArrayList<>();
    long t0 = System.nanoTime();
    if (options.runs(VerifyOptions.REFERENCE)) {
      reference(probes, out);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (options.runs(VerifyOptions.FINITE_DIFFERENCE)) {
      finiteDifferences(sum, probes, probeSeconds, out);
    }
    if (options.runs(VerifyOptions.DIRECTIONAL)) {
      directional(sum, probes, out);
    }
    if (options.runs(VerifyOptions.FREIVALDS)) {
      freivalds(sum, probes, out);
    }
    return out;
  }

  private void reference(ChainProbeSum probes, List<CheckResult> out) {
    long t0 = System.nanoTime();
    LayerChain chain = plan.chain;
    List<Block> rows = new ArrayList<>();
    ChainPartial kernel = ChainPartial.empty(chain.widths());
    for (ChainProbeSum.Sample s : probes.samples) {
      rows.add(s.rows);
      kernel.merge(s.partial);
    }
    ChainReference ref = ChainReference.of(rows, chain, plan.loss);
    double seconds = (System.nanoTime() - t0) / 1e9;
    String scope = ref.rows + " rows of " + rows.size() + " sampled block(s), plain loops"
        + (chain.activation.hasKink() ? ", " + ref.kinks + " pre-activation(s) within rounding of 0" : "");
    for (int l = 0; l < chain.depth(); l++) {
      out.add(CheckResult.normwise("reference", "dW" + l, kernel.dWSum[l], ref.dW[l], ref.dWTol[l], l == 0 ? seconds : 0, scope));
      out.add(CheckResult.normwise("reference", "db" + l, kernel.dbSum[l], ref.db[l], ref.dbTol[l], 0, scope));
    }
    out.add(CheckResult.normwise("reference", "L", new double[] {kernel.lossSum()}, new double[] {ref.loss},
        new double[] {ref.lossTol}, 0, scope));
  }

  /**
   * Central differences D(h) and D(h/2) of the loss sum per entry (for relu, of the loss along θ's own branch:
   * each crossed kink's first-order effect taken off); D(h/2) is compared. Tolerance: 2·|D(h) − D(h/2)|, twice
   * Richardson's estimate of D(h/2)'s truncation (six times it for an error c·h², twice for c·h), and the loss's
   * rounding 4·E_L/h (E_L at θ, doubled for θ ± h/2).
   */
  private void finiteDifferences(ChainPartial sum, ChainProbeSum probes, double probeSeconds, List<CheckResult> out) {
    int k = plan.entries();
    double[] got = new double[k];
    double[] fd = new double[k];
    double[] tol = new double[k];
    long kinks = 0;
    for (int e = 0; e < k; e++) {
      int l = plan.fdLayer[e];
      got[e] = plan.fdBias[e] ? sum.dbSum[l][plan.fdIndex[e]] : sum.dWSum[l][plan.fdIndex[e]];
      double h = plan.fdStep[e];
      double[] lv = corrected(probes.fdLoss[e], probes.fdCorrection[e]);
      double d1 = (lv[0] - lv[1]) / (2 * h);
      double d2 = (lv[2] - lv[3]) / h;
      fd[e] = d2;
      tol[e] = 2 * Math.abs(d1 - d2) + 4 * probes.lossRounding / h;
      kinks += probes.fdKinks[e];
    }
    String scope = String.format(Locale.ROOT, "%d entries over %d layers, steps 2⁻¹⁰·max(1,|θ|) and half", k,
        plan.chain.depth()) + (plan.chain.activation.hasKink() ? ", " + kinks + " relu kink(s) crossed, corrected" : "");
    out.add(CheckResult.normwise("finite-difference", "dW, db entries", got, fd, tol, probeSeconds, scope));
  }

  /** ⟨∇L, V⟩ against central differences along V (all of θ, ±1 entries), as the entries are. */
  private void directional(ChainPartial sum, ChainProbeSum probes, List<CheckResult> out) {
    int dirs = plan.dirChains.length;
    double h = plan.dirStep;
    for (int v = 0; v < dirs; v++) {
      double dot = 0;
      double mag = 0;
      long count = 0;
      for (int l = 0; l < plan.chain.depth(); l++) {
        for (int q = 0; q < sum.dWSum[l].length; q++) {
          dot += sum.dWSum[l][q] * plan.dirW[v][l][q];
          mag += Math.abs(sum.dWSum[l][q]);
          count++;
        }
        for (int q = 0; q < sum.dbSum[l].length; q++) {
          dot += sum.dbSum[l][q] * plan.dirB[v][l][q];
          mag += Math.abs(sum.dbSum[l][q]);
          count++;
        }
      }
      double[] lv = corrected(probes.dirLoss[v], probes.dirCorrection[v]);
      double d1 = (lv[0] - lv[1]) / (2 * h);
      double d2 = (lv[2] - lv[3]) / h;
      double tol = 2 * Math.abs(d1 - d2) + 4 * probes.lossRounding / h + Tolerances.gamma(count, U) * mag;
      String scope = String.format(Locale.ROOT, "direction %d of %d: ±1 over all %d parameters, step %.3g and half", v + 1,
          dirs, count, h) + (plan.chain.activation.hasKink() ? ", " + probes.dirKinks[v] + " relu kink(s) crossed, corrected" : "");
      out.add(CheckResult.normwise("directional", "⟨∇L, V⟩", new double[] {dot}, new double[] {d2}, new double[] {tol},
          0, scope));
    }
  }

  /**
   * Per layer, dW_l·r against Σ in_lᵀ·(G_l·r), and db_l·r against Σ 1ᵀ·(G_l·r): the same G on both sides, so
   * only rounding separates them, (2γ_n + 2γ_{w+1})·Σ|in_l|ᵀ·|G_l|·|r| (first order).
   */
  private void freivalds(ChainPartial sum, ChainProbeSum probes, List<CheckResult> out) {
    long n = sum.rowCount();
    int per = plan.freivaldsPerLayer;
    for (int l = 0; l * per < probes.frW.length; l++) {
      int w = plan.chain.width(l);
      int wOut = plan.chain.width(l + 1);
      double c = 2 * Tolerances.gamma(n + 1, U) + 2 * Tolerances.gamma(wOut + 1, U);
      double[] dwr = new double[w * per];
      double[] ref = new double[w * per];
      double[] tol = new double[w * per];
      double[] dbr = new double[per];
      double[] dbRef = new double[per];
      double[] dbTol = new double[per];
      for (int p = 0; p < per; p++) {
        int q = l * per + p;
        double[] r = plan.freivalds[q];
        for (int i = 0; i < w; i++) {
          for (int j = 0; j < wOut; j++) {
            dwr[p * w + i] += sum.dWSum[l][i * wOut + j] * r[j];
          }
          ref[p * w + i] = probes.frW[q][i];
          tol[p * w + i] = c * probes.frWMag[q][i];
        }
        for (int j = 0; j < wOut; j++) {
          dbr[p] += sum.dbSum[l][j] * r[j];
        }
        dbRef[p] = probes.frB[q];
        dbTol[p] = c * probes.frBMag[q];
      }
      String scope = "layer " + l + ": " + per + " random ±1 vector(s) r of " + wOut;
      out.add(CheckResult.normwise("freivalds", "dW" + l + "·r", dwr, ref, tol, 0, scope));
      out.add(CheckResult.normwise("freivalds", "db" + l + "·r", dbr, dbRef, dbTol, 0, scope));
    }
  }

  /** The loss sums at θ + s·e, each less its relu kinks' first-order effect (zero for smooth activations). */
  private static double[] corrected(dev.adjoint.kernel.NeumaierSum[] sums, double[] kinkEffect) {
    double[] v = new double[sums.length];
    for (int i = 0; i < sums.length; i++) {
      v[i] = sums[i].value() - kinkEffect[i];
    }
    return v;
  }
}
