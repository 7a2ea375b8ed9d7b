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
    this.absG = new double[columns.length];
  }

  /** Adds every row of the block. */
  public void add(Block block, WeightsAndBias p, Loss loss) {
    double wMax = Dense.maxAbs(p.weights);
    double bMax = Dense.maxAbs(p.bias);
    boolean squared = loss == Loss.SQUARED;
    for (int i = 0; i < block.rows; i++) {
      double e = RowReference.rowBound(RowReference.norm1(block.x, i * d, d), wMax, bMax);
      addRow(block, i, p, squared, e);
      rows++;
    }
  }

  /** Row i of the block, whose row bound is e: its ℓ, its G in the columns, their products with x. */
  private void addRow(Block block, int i, WeightsAndBias p, boolean squared, double e) {
    int xi = i * d;
    int c = columns.length;
    double gNorm1 = 0;
    for (int jj = 0; jj < c; jj++) {
      int j = columns[jj];
      double y = RowReference.output(block.x, xi, p, j);
      double g = RowReference.lossGradient(y, squared ? block.targets[i * m + j] : 0.0, squared);
      double l = squared ? 0.5 * g * g : y;
      this.loss.add(0, l);
      absLossSum += Math.abs(l);
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
    }
  }

  public long rows() {
    return rows;
  }
}
