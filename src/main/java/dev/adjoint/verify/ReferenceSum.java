package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;

/**
 * The single-node reference, streamed on the driver one block at a time (memory independent of n):
 * L, dW and db recomputed from the formulas with plain loops — no BLAS, no kernel — and every sum
 * compensated (Neumaier). {@code columns} selects the outputs j recomputed (all of them, or a sample
 * when n·d·m is too large); L needs every column and is skipped otherwise. The magnitudes the
 * tolerances need are accumulated alongside.
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
    int c = columns.length;
    for (int i = 0; i < block.rows; i++) {
      int xi = i * d;
      double xNorm1 = 0;
      for (int k = 0; k < d; k++) {
        xNorm1 += Math.abs(block.x[xi + k]);
      }
      double e = xNorm1 * wMax + bMax;
      double gNorm1 = 0;
      for (int jj = 0; jj < c; jj++) {
        int j = columns[jj];
        double y = p.bias[j];
        for (int k = 0; k < d; k++) {
          y += block.x[xi + k] * p.weights[k * m + j];
        }
        double g;
        double l;
        if (loss == Loss.SUM) {
          g = 1.0;
          l = y;
        } else {
          double r = y - block.targets[i * m + j];
          g = r;
          l = 0.5 * r * r;
        }
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
      rows++;
    }
  }

  public long rows() {
    return rows;
  }
}
