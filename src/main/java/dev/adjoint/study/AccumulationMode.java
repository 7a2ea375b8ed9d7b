package dev.adjoint.study;

import dev.adjoint.kernel.Precision;
import java.util.Locale;

/**
 * How a gradient sum is accumulated over blocks, partitions and micro-batches: what precision each
 * block's GEMM runs in and what arithmetic adds block results together. {@link #add} and {@link #merge}
 * work on a running sum {@code s} and (for the compensated mode) its compensation {@code c}; the value is
 * s + c (c stays 0 in the other modes).
 */
public enum AccumulationMode {
  /** (i) float32 data, float32 GEMM per block, and the running sum kept in float32. */
  F32_F32("float32 data, float32 accumulation", Precision.FLOAT32),
  /** (ii) float32 data and GEMM per block, float64 across blocks (what --precision float32 does). */
  F32_F64("float32 data, float64 accumulation", Precision.FLOAT32),
  /** (iii) float64 throughout. */
  F64("float64", Precision.FLOAT64),
  /** (iv) float64 GEMM per block, Neumaier-compensated sums across blocks, with the compensation merged too. */
  F64_NEUMAIER("float64 + Neumaier", Precision.FLOAT64);

  public final String label;
  public final Precision gemm;

  AccumulationMode(String label, Precision gemm) {
    this.label = label;
    this.gemm = gemm;
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** s + c += v, entrywise in this mode's arithmetic. Mutates s and c. */
  public void add(double[] s, double[] c, double[] v) {
    switch (this) {
      case F32_F32 -> {
        // float(a + b) computed in float64 is float32's correctly rounded a + b (53 ≥ 2·24 + 2)
        for (int q = 0; q < s.length; q++) {
          s[q] = (float) (s[q] + v[q]);
        }
      }
      case F32_F64, F64 -> {
        for (int q = 0; q < s.length; q++) {
          s[q] += v[q];
        }
      }
      case F64_NEUMAIER -> {
        for (int q = 0; q < s.length; q++) {
          double t = s[q] + v[q];
          c[q] += Math.abs(s[q]) >= Math.abs(v[q]) ? (s[q] - t) + v[q] : (v[q] - t) + s[q];
          s[q] = t;
        }
      }
      default -> throw new IllegalStateException(name());
    }
  }

  /** (s, c) += (os, oc): another running sum merged in, its compensation carried over. Mutates s and c. */
  public void merge(double[] s, double[] c, double[] os, double[] oc) {
    add(s, c, os);
    if (this == F64_NEUMAIER) {
      for (int q = 0; q < c.length; q++) {
        c[q] += oc[q];
      }
    }
  }

  /** The value s + c of a running sum, as a new array. */
  public double[] value(double[] s, double[] c) {
    double[] r = s.clone();
    if (this == F64_NEUMAIER) {
      for (int q = 0; q < r.length; q++) {
        r[q] += c[q];
      }
    }
    return r;
  }
}
