package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;

/**
 * The single-node reference, streamed on the driver one block at a time (memory independent of n):
 * L, dW and db recomputed from the formulas with plain loops ({@link RowReference}) — no BLAS, no
 * kernel — and every sum compensated (Neumaier). {@code columns} selects the outputs j recomputed (all
 * of them, or a sample when n·d·m is too large); L needs every column and is skipped otherwise. The
 * magnitudes the tolerances need are accumulated alongside.
 */
public final class ReferenceSum {
  final int d;
  final int m;
  final int[] columns;
  final boolean allColumns;
  long rows;
  final CompensatedSum loss = new CompensatedSum(1);
  final CompensatedSum dW;
  final CompensatedSum db;
  double absLossSum;
  double absGE;
  /** Σ|yᵢⱼ| over the columns, and Σᵢ eᵢ²: the loss's own rounding and its second-order term. */
  double absY;
  double sumE2;
  /** Σᵢ|xᵢₖ| [d]. */
  final double[] absX;
  /** Σᵢ|xᵢₖ||gᵢⱼ| for the columns [d×|J|]. */
  final double[] absXG;
  /** Σᵢ|xᵢₖ|·eᵢ [d]. */
  final double[] absXE;
  /** Σᵢ|gᵢⱼ| [|J|]. */
  final double[] absG;
  double sumE;

  public ReferenceSum(int d, int m, int[] columns) {
    this.d = d;
    this.m = m;
    this.columns = columns;
    this.allColumns = columns.length == m;
    this.dW = new CompensatedSum(d * columns.length);
    this.db = new CompensatedSum(columns.length);
    this.absXG = new double[d * columns.length];
    this.absXE = new double[d];
    this.absX = new double[d];
    this.absG = new double[columns.length];
  }

  /** Adds every row of the block. */
  public void add(Block block, WeightsAndBias p, Loss loss) {
    double wMax = Dense.maxAbs(p.weights);
    double bMax = Dense.maxAbs(p.bias);
    for (int i = 0; i < block.rows; i++) {
      double e = RowReference.rowBound(RowReference.norm1(block.x, i * d, d), wMax, bMax);
      addRow(block, i, p, loss, e);
      rows++;
    }
  }

  /**
   * Row i of the block, whose row bound is e: its ℓ, its G in the columns, their products with x. An
   * element-wise loss is recomputed entry by entry in the chosen columns only (each ℓᵢⱼ a term of the
   * compensated sum); softmax needs the whole row's Y, and its ℓᵢ is one term.
   */
  private void addRow(Block block, int i, WeightsAndBias p, Loss loss, double e) {
    int xi = i * d;
    int c = columns.length;
    int w = block.targetWidth;
    double[] gs;
    if (loss.elementwise()) {
      gs = new double[c];
      double[] y1 = new double[1];
      double[] t1 = block.targets == null ? null : new double[1];
      double[] g1 = new double[1];
      for (int jj = 0; jj < c; jj++) {
        y1[0] = RowReference.output(block.x, xi, p, columns[jj]);
        if (t1 != null) {
          t1[0] = block.targets[i * w + columns[jj]];
        }
        addLoss(RowReference.lossAndGradient(y1, t1, loss, g1), y1);
        gs[jj] = g1[0];
      }
    } else {
      double[] y = RowReference.outputs(java.util.Arrays.copyOfRange(block.x, xi, xi + d), p);
      double[] t = block.targets == null ? null : java.util.Arrays.copyOfRange(block.targets, i * w, (i + 1) * w);
      double[] all = new double[m];
      addLoss(RowReference.lossAndGradient(y, t, loss, all), y);
      gs = new double[c];
      for (int jj = 0; jj < c; jj++) {
        gs[jj] = all[columns[jj]];
      }
    }
    sumE2 += e * e;
    double gNorm1 = 0;
    for (int jj = 0; jj < c; jj++) {
      double g = gs[jj];
      gNorm1 += Math.abs(g);
      db.add(jj, g);
      absG[jj] += Math.abs(g);
      for (int k = 0; k < d; k++) {
        double x = block.x[xi + k];
        dW.add(k * c + jj, x * g);
        absXG[k * c + jj] += Math.abs(x * g);
      }
    }
    absGE += gNorm1 * e;
    sumE += e;
    for (int k = 0; k < d; k++) {
      absXE[k] += Math.abs(block.x[xi + k]) * e;
      absX[k] += Math.abs(block.x[xi + k]);
    }
  }

  /** One term ℓ of L, with Σ|ℓ| and Σ|y| of its entries {@code y}. */
  private void addLoss(double l, double[] y) {
    this.loss.add(0, l);
    absLossSum += Math.abs(l);
    for (double v : y) {
      absY += Math.abs(v);
    }
  }

  public long rows() {
    return rows;
  }
}
