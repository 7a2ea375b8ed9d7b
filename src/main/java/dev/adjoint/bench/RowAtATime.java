package dev.adjoint.bench;

import dev.adjoint.data.Table;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.BlockAggregation;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.List;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Row;

/**
 * The baseline users write by hand: the squared-loss layer one example at a time, an outer product per
 * row folded into dW by treeAggregate. Each row's Y = xᵀW + b, G = Y − t, dW += x·gᵀ, db += g and
 * dX = g·Wᵀ are plain Java loops over double[]: the same 6·d·m flops a row costs in the blocked job,
 * without BLAS and without blocks. Only the benchmarks run it, to show what blocking buys.
 */
public final class RowAtATime {
  private RowAtATime() {}

  /** The rows of {@code table} as (x, t) pairs of double[], read through the public Row API. */
  public static JavaRDD<double[][]> examples(Table table) {
    if (!table.hasTargets) {
      throw new IllegalArgumentException("the row-at-a-time baseline uses the squared loss and needs targets");
    }
    return table.rows.javaRDD().map(RowAtATime::example);
  }

  private static double[][] example(Row row) {
    List<Double> x = row.getList(0);
    List<Double> t = row.getList(1);
    double[][] e = new double[2][];
    e[0] = new double[x.size()];
    e[1] = new double[t.size()];
    for (int i = 0; i < e[0].length; i++) {
      e[0][i] = x.get(i);
    }
    for (int j = 0; j < e[1].length; j++) {
      e[1][j] = t.get(j);
    }
    return e;
  }

  /** dW, db (sums over rows), the loss sum, the row count, and Σ dX (kept so the JIT cannot drop dX). */
  public static final class Sums implements Serializable {
    private static final long serialVersionUID = 1L;
    public final double[] dW;
    public final double[] db;
    public double lossSum;
    public long rows;
    public double inputGradientSum;

    Sums(int d, int m) {
      dW = new double[d * m];
      db = new double[m];
    }

    /** One example, the way a hand-written job does it. Mutates and returns {@code this}. */
    Sums add(double[][] example, WeightsAndBias p) {
      double[] x = example[0];
      double[] t = example[1];
      int d = p.inputDim;
      int m = p.outputDim;
      double[] w = p.weights;
      double[] g = p.bias.clone();               // y = b + xᵀW
      for (int i = 0; i < d; i++) {
        double xi = x[i];
        for (int j = 0; j < m; j++) {
          g[j] += xi * w[i * m + j];
        }
      }
      for (int j = 0; j < m; j++) {              // g = y − t, L += ½‖g‖²
        g[j] -= t[j];
        lossSum += 0.5 * g[j] * g[j];
        db[j] += g[j];
      }
      for (int i = 0; i < d; i++) {              // dW += x·gᵀ (outer product), dxᵢ = Σⱼ gⱼ·Wᵢⱼ
        double xi = x[i];
        double dxi = 0;
        for (int j = 0; j < m; j++) {
          dW[i * m + j] += xi * g[j];
          dxi += g[j] * w[i * m + j];
        }
        inputGradientSum += dxi;
      }
      rows++;
      return this;
    }

    Sums merge(Sums other) {
      for (int k = 0; k < dW.length; k++) {
        dW[k] += other.dW[k];
      }
      for (int j = 0; j < db.length; j++) {
        db[j] += other.db[j];
      }
      lossSum += other.lossSum;
      rows += other.rows;
      inputGradientSum += other.inputGradientSum;
      return this;
    }
  }

  /** One pass: every example's gradient, summed by Spark's treeAggregate (depth 2), as a hand-written job does. */
  public static Sums pass(JavaSparkContext jsc, JavaRDD<double[][]> examples, WeightsAndBias params) {
    int d = params.inputDim;
    int m = params.outputDim;
    return BlockAggregation.sum(jsc, "row-at-a-time baseline", examples, params, (partition, it, p) -> {
      Sums sums = new Sums(d, m);
      while (it.hasNext()) {
        sums.add(it.next(), p);
      }
      return sums;
    }, Sums::merge, new Sums(d, m), Aggregation.SPARK, 2);
  }
}
