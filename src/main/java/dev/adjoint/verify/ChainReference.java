package dev.adjoint.verify;

import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.List;

/**
 * The chain's reference: plain loops, one row at a time through every layer, forward then backward, with no
 * BLAS and none of the kernel's code but σ and σ' themselves and the loss formulas of {@link RowReference}.
 * Beside each value it carries a first-order bound on its rounding error (docs/chain.md derives each line):
 *
 * <pre>
 *   z = in·W + b        E_z  = γ_{w+1}·(|in|·|W| + |b|) + E_in·|W|
 *   h = σ(z)            E_h  = sup|σ'|·E_z + c_σ·u·|h|
 *   g = ∂ℓ/∂y           E_g  = c₂·max E_y + (gRel·|g| + gAbs)·u
 *   dh = G·Wᵀ           E_dh = γ_{w'+1}·|G|·|W|ᵀ + E_G·|W|ᵀ
 *   G' = dh ⊙ σ'(z)     E_G' = E_dh·|σ'| + |dh|·(sup|σ''|·E_z + c_σ'·u) + u·|G'|     (relu: |dh| where |z| ≤ E_z)
 *   dW += inᵀ·G         E_dW = Σ (E_in·|G| + |in|·E_G) + γ_n·Σ|in|·|G|
 * </pre>
 *
 * The kernel's result and this one each lie within these bounds of the exact values (to first order in u),
 * so they differ by at most twice them: that is the check's tolerance.
 */
final class ChainReference {
  private static final double U = Tolerances.U64;

  final double[][] dW;
  final double[][] db;
  final double[][] dWTol;
  final double[][] dbTol;
  double loss;
  double lossTol;
  long rows;
  long kinks;

  private ChainReference(LayerChain chain) {
    int depth = chain.depth();
    dW = new double[depth][];
    db = new double[depth][];
    dWTol = new double[depth][];
    dbTol = new double[depth][];
    for (int l = 0; l < depth; l++) {
      dW[l] = new double[chain.width(l) * chain.width(l + 1)];
      db[l] = new double[chain.width(l + 1)];
      dWTol[l] = new double[dW[l].length];
      dbTol[l] = new double[db[l].length];
    }
  }

  /** The sums Σ dW_l, Σ db_l, Σ ℓ over every row of {@code blocks}, each with its tolerance. */
  static ChainReference of(List<Block> blocks, LayerChain chain, Loss loss) {
    ChainReference r = new ChainReference(chain);
    int depth = chain.depth();
    double[][] mdW = new double[depth][];
    double[][] mdb = new double[depth][];
    for (int l = 0; l < depth; l++) {
      mdW[l] = new double[r.dW[l].length];
      mdb[l] = new double[r.db[l].length];
    }
    double lossMagnitude = 0;
    for (Block b : blocks) {
      for (int i = 0; i < b.rows; i++) {
        lossMagnitude += r.row(b, i, chain, loss, mdW, mdb);
      }
    }
    double gn = Tolerances.gamma(r.rows + 1, U);
    for (int l = 0; l < depth; l++) {
      for (int q = 0; q < mdW[l].length; q++) {
        r.dWTol[l][q] = 2 * (r.dWTol[l][q] + gn * mdW[l][q]);
      }
      for (int q = 0; q < mdb[l].length; q++) {
        r.dbTol[l][q] = 2 * (r.dbTol[l][q] + gn * mdb[l][q]);
      }
    }
    r.lossTol = 2 * (r.lossTol + gn * lossMagnitude);
    return r;
  }

  /** One row through the chain and back; adds into the sums and the bounds; returns |ℓ|. */
  private double row(Block b, int i, LayerChain chain, Loss loss, double[][] mdW, double[][] mdb) {
    int depth = chain.depth();
    Activation act = chain.activation;
    double[][] in = new double[depth + 1][];
    double[][] eIn = new double[depth + 1][];
    double[][] z = new double[depth][];
    double[][] eZ = new double[depth][];
    in[0] = new double[chain.inputDim()];
    System.arraycopy(b.x, i * b.features, in[0], 0, b.features);
    eIn[0] = new double[in[0].length];
    for (int l = 0; l < depth; l++) {
      WeightsAndBias p = chain.layer(l);
      z[l] = new double[p.outputDim];
      eZ[l] = new double[p.outputDim];
      double g = Tolerances.gamma(p.inputDim + 1, U);
      for (int j = 0; j < p.outputDim; j++) {
        double s = p.bias[j];
        double mag = Math.abs(p.bias[j]);
        double prop = 0;
        for (int k = 0; k < p.inputDim; k++) {
          double w = p.weights[k * p.outputDim + j];
          s += in[l][k] * w;
          mag += Math.abs(in[l][k] * w);
          prop += eIn[l][k] * Math.abs(w);
        }
        z[l][j] = s;
        eZ[l][j] = g * mag + prop;
      }
      if (l < depth - 1) {
        in[l + 1] = new double[p.outputDim];
        eIn[l + 1] = new double[p.outputDim];
        for (int j = 0; j < p.outputDim; j++) {
          in[l + 1][j] = act.value(z[l][j]);
          eIn[l + 1][j] = act.slopeBound() * eZ[l][j] + act.valueRounding() * U * Math.abs(in[l + 1][j]);
        }
      }
    }
    // the loss at the output, from its definition
    int m = chain.outputDim();
    double[] y = z[depth - 1];
    double[] t = b.targets == null ? null : new double[b.targetWidth];
    if (t != null) {
      System.arraycopy(b.targets, i * b.targetWidth, t, 0, b.targetWidth);
    }
    double[] g = new double[m];
    double ell = RowReference.lossAndGradient(y, t, loss, g);
    Loss.Bounds lb = loss.bounds(m);
    double eyMax = 0;
    double eySq = 0;
    double gey = 0;
    double absY = 0;
    for (int j = 0; j < m; j++) {
      eyMax = Math.max(eyMax, eZ[depth - 1][j]);
      eySq += eZ[depth - 1][j] * eZ[depth - 1][j];
      gey += Math.abs(g[j]) * eZ[depth - 1][j];
      absY += Math.abs(y[j]);
    }
    this.loss += ell;
    lossTol += gey + 0.5 * lb.curvature() * eySq + (lb.lossRel() * Math.abs(ell) + lb.lossY() * absY + lb.lossRowAbs()) * U;
    double[] eG = new double[m];
    for (int j = 0; j < m; j++) {
      eG[j] = lb.curvature() * eyMax + (lb.gRel() * Math.abs(g[j]) + lb.gAbs()) * U;
    }
    // backward, layer by layer
    for (int l = depth - 1; l >= 0; l--) {
      WeightsAndBias p = chain.layer(l);
      int w = p.inputDim;
      int wOut = p.outputDim;
      for (int k = 0; k < w; k++) {
        for (int j = 0; j < wOut; j++) {
          int q = k * wOut + j;
          dW[l][q] += in[l][k] * g[j];
          dWTol[l][q] += eIn[l][k] * Math.abs(g[j]) + Math.abs(in[l][k]) * eG[j];
          mdW[l][q] += Math.abs(in[l][k] * g[j]);
        }
      }
      for (int j = 0; j < wOut; j++) {
        db[l][j] += g[j];
        dbTol[l][j] += eG[j];
        mdb[l][j] += Math.abs(g[j]);
      }
      if (l == 0) {
        break;
      }
      double gamma = Tolerances.gamma(wOut + 1, U);
      double[] gBelow = new double[w];
      double[] eBelow = new double[w];
      for (int k = 0; k < w; k++) {
        double dh = 0;
        double mag = 0;
        double prop = 0;
        for (int j = 0; j < wOut; j++) {
          double wkj = p.weights[k * wOut + j];
          dh += g[j] * wkj;
          mag += Math.abs(g[j] * wkj);
          prop += eG[j] * Math.abs(wkj);
        }
        double zk = z[l - 1][k];
        double ez = eZ[l - 1][k];
        double slope = act.slope(zk);
        gBelow[k] = dh * slope;
        double eDh = gamma * mag + prop;
        double jump;
        if (act.hasKink()) {
          boolean near = Math.abs(zk) <= ez;
          kinks += near ? 1 : 0;
          jump = near ? 1.0 : 0.0;
        } else {
          jump = act.curvatureBound() * ez;
        }
        eBelow[k] = eDh * Math.abs(slope) + Math.abs(dh) * (jump + act.slopeRounding() * U) + U * Math.abs(gBelow[k]);
      }
      g = gBelow;
      eG = eBelow;
    }
    rows++;
    return Math.abs(ell);
  }
}
