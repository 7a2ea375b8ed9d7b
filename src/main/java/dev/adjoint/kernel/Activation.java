package dev.adjoint.kernel;

import java.util.Locale;

/**
 * The element-wise nonlinearity between two layers of a chain, h = σ(z), each forward beside its backward
 * (the backward multiplies the gradient arriving at h by σ'(z), "⊙ σ'(z)").
 *
 * <pre>
 *   relu     σ = max(z, 0)             σ' = 1 for z &gt; 0, else 0 (0 at z = 0, as PyTorch; NaN stays NaN)
 *   tanh     σ = tanh z                σ' = 1 − σ²
 *   sigmoid  σ = 1 / (1 + e^−z)        σ' = σ·(1 − σ)
 *   gelu     σ = z·Φ(z), exact erf     σ' = Φ(z) + z·φ(z)
 *            Φ(z) = ½·erfc(−z/√2), φ(z) = e^(−z²/2)/√(2π)
 * </pre>
 *
 * Each also states the constants the checks' bounds use (docs/chain.md derives them): sup|σ'|, sup|σ''|
 * (infinite for relu: its kink is counted instead), and the rounding of σ (relative, in u) and of σ'
 * (absolute, in u; σ' ≤ 1.13 for all four).
 */
public enum Activation {
  RELU(1.0, Double.POSITIVE_INFINITY, 0, 0) {
    @Override
    public double value(double z) {
      return Math.max(z, 0.0);
    }

    @Override
    public double slope(double z) {
      return Double.longBitsToDouble(ONE_BITS & positiveMask(z));
    }

    // the array forms without a branch per entry (a branch on a random sign is mispredicted half the time:
    // 20–45% of a block's time went there, measured by the chain benchmark's per-layer loop)
    @Override
    public void forward(double[] z, double[] h, int len) {
      for (int i = 0; i < len; i++) {
        h[i] = Math.max(z[i], 0.0);
      }
    }

    @Override
    public void backward(double[] z, double[] p, int len) {
      for (int i = 0; i < len; i++) {
        p[i] *= Double.longBitsToDouble(ONE_BITS & positiveMask(z[i]));
      }
    }
  },
  TANH(1.0, 0.7698004, 5, 12) {
    @Override
    public double value(double z) {
      return Math.tanh(z);
    }

    @Override
    public double slope(double z) {
      double t = Math.tanh(z);
      return 1.0 - t * t;
    }
  },
  SIGMOID(0.25, 0.0962251, 5, 8) {
    @Override
    public double value(double z) {
      // e^(−|z|) never overflows; the form for z < 0 keeps the small values' relative accuracy
      double e = Math.exp(-Math.abs(z));
      return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
    }

    @Override
    public double slope(double z) {
      double s = value(z);
      return s * (1.0 - s);
    }
  },
  GELU(1.1290, 0.7978846, 64, 72) {
    @Override
    public double value(double z) {
      return z * cdf(z);
    }

    @Override
    public double slope(double z) {
      return cdf(z) + z * Math.exp(-0.5 * z * z) * INV_SQRT_2PI;
    }
  };

  private static final double INV_SQRT_2PI = 0.3989422804014327;
  private static final long ONE_BITS = Double.doubleToRawLongBits(1.0);

  /**
   * All ones when z &gt; 0 (finite, subnormal or +∞), else 0 (±0, negative, NaN): the bits of z less 1 lie in
   * [0, bits(+∞)) exactly for those.
   */
  static long positiveMask(double z) {
    long c = Double.doubleToRawLongBits(z) - 1;
    return ((c - 0x7FF0000000000000L) >> 63) & ~(c >> 63);
  }

  private final double slopeBound;
  private final double curvatureBound;
  private final double valueRounding;
  private final double slopeRounding;

  Activation(double slopeBound, double curvatureBound, double valueRounding, double slopeRounding) {
    this.slopeBound = slopeBound;
    this.curvatureBound = curvatureBound;
    this.valueRounding = valueRounding;
    this.slopeRounding = slopeRounding;
  }

  /** σ(z). */
  public abstract double value(double z);

  /** σ'(z). */
  public abstract double slope(double z);

  /** Forward: h = σ(z), entry by entry over the first {@code len} entries. */
  public void forward(double[] z, double[] h, int len) {
    for (int i = 0; i < len; i++) {
      h[i] = value(z[i]);
    }
  }

  /** Backward: p ⊙= σ'(z) in place, turning ∂L/∂h into ∂L/∂z. */
  public void backward(double[] z, double[] p, int len) {
    for (int i = 0; i < len; i++) {
      p[i] *= slope(z[i]);
    }
  }

  /** Φ(z), the standard normal CDF ({@link NormalCdf}: ½·erfc(−z/√2), tabulated once from Commons Math's erfc). */
  static double cdf(double z) {
    return NormalCdf.cdf(z);
  }

  /** sup |σ'|: σ is Lipschitz with this constant. */
  public double slopeBound() {
    return slopeBound;
  }

  /** sup |σ''|: σ' is Lipschitz with this constant; infinite for relu, whose σ' jumps at 0. */
  public double curvatureBound() {
    return curvatureBound;
  }

  /** Whether σ' jumps (relu at 0): the checks count pre-activations near the jump. */
  public boolean hasKink() {
    return Double.isInfinite(curvatureBound);
  }

  /** σ's own rounding: |fl(σ(z)) − σ(z)| ≤ this·u·|σ(z)|. */
  public double valueRounding() {
    return valueRounding;
  }

  /** σ''s own rounding: |fl(σ'(z)) − σ'(z)| ≤ this·u. */
  public double slopeRounding() {
    return slopeRounding;
  }

  /** The name --activation takes. */
  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The activation named {@code name} (relu, tanh, sigmoid, gelu). */
  public static Activation parse(String name) {
    for (Activation a : values()) {
      if (a.cliName().equals(name)) {
        return a;
      }
    }
    throw new IllegalArgumentException("unknown activation '" + name + "': relu, tanh, sigmoid or gelu");
  }
}
