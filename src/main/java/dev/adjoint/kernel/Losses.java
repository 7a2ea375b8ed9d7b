package dev.adjoint.kernel;

/**
 * The losses of {@link Loss}, each forward beside its backward: the loop that sums ℓ also writes G.
 * Every loss sum is compensated ({@link NeumaierSum}); the bounds' constants are derived in docs/losses.md.
 */
final class Losses {
  private Losses() {}

  /** |σ''| ≤ 1/(6√3) (at σ = ½ ± 1/(2√3)): bounds the third derivative of the logistic loss. */
  static final double SIGMOID_SECOND_MAX = 1 / (6 * Math.sqrt(3));

  /** L = Σ Y, G = 1. */
  static final class Sum extends Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        lossSum.add(y[k]);  // forward: L += Y
        y[k] = 1.0;         // backward: G = ∂L/∂Y = 1
      }
      return lossSum.value();
    }

    @Override
    public Kind kind() {
      return Kind.SUM;
    }

    @Override
    public double absLossSum(double lossSum, double absY) {
      return absY;
    }

    @Override
    public String cliName() {
      return "sum";
    }

    @Override
    public boolean needsTargets() {
      return false;
    }

    @Override
    public boolean thirdDerivativeIsZero() {
      return true;
    }

    /** G = 1 exactly; ℓ = y has no rounding of its own. */
    @Override
    public Bounds bounds(int m) {
      return new Bounds(0, 0, 0, 0, 0, 0);
    }

    private Object readResolve() {
      return SUM;
    }
  }

  /** L = ½‖Y − T‖², G = Y − T. */
  static final class Squared extends Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        double r = y[k] - t[k];
        lossSum.add(0.5 * r * r);  // forward: L += ½(Y − T)²
        y[k] = r;                  // backward: G = Y − T
      }
      return lossSum.value();
    }

    @Override
    public Kind kind() {
      return Kind.SQUARED;
    }

    @Override
    public String cliName() {
      return "squared";
    }

    @Override
    public boolean thirdDerivativeIsZero() {
      return true;
    }

    /** ℓ'' = 1; G = Y − T rounds once (u|g|); ½r² rounds three times (γ₃·ℓ). */
    @Override
    public Bounds bounds(int m) {
      return new Bounds(1, 1, 0, 3, 0, 0);
    }

    private Object readResolve() {
      return SQUARED;
    }
  }

  /** ℓ = log(1 + e^{−|y|}) + max(y, 0) − y·t, G = σ(Y) − T, stable for any |y|. */
  static final class Logistic extends Loss {
    private static final long serialVersionUID = 1L;

    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        double v = y[k];
        double z = Math.exp(-Math.abs(v));                              // e^{−|y|} ∈ (0, 1]: never overflows
        lossSum.add(Math.log1p(z) + Math.max(v, 0.0) - v * t[k]);       // forward
        double sigma = v >= 0 ? 1.0 / (1.0 + z) : z / (1.0 + z);         // σ(y), from the same z
        y[k] = sigma - t[k];                                             // backward: G = σ(Y) − T
      }
      return lossSum.value();
    }

    @Override
    public Kind kind() {
      return Kind.LOGISTIC;
    }

    @Override
    public String cliName() {
      return "logistic";
    }

    @Override
    public TargetDomain targetDomain() {
      return TargetDomain.UNIT_INTERVAL;
    }

    /** σ' ≤ ¼; σ from e^{−|y|} (2u), one addition and one division (≤ 5u absolute, σ ≤ 1), then − t (u|g|). */
    @Override
    public Bounds bounds(int m) {
      return new Bounds(0.25, 1, 5, 3, 4, 4.0 * m);
    }

    /** ℓ''' = σ'' ≤ 1/(6√3): the remainder of a central difference is Σ |ℓ'''|·|Δy|³/24. */
    @Override
    public double centralDifferenceRemainder(double[] yPlus, double[] yMinus, double[] t, int n, int m, long[] kinks) {
      double cubes = 0;
      for (int k = 0, len = n * m; k < len; k++) {
        double dy = Math.abs(yPlus[k] - yMinus[k]);
        cubes += dy * dy * dy;
      }
      return SIGMOID_SECOND_MAX / 24 * cubes;
    }

    private Object readResolve() {
      return LOGISTIC;
    }
  }

  /**
   * Softmax cross-entropy: per row, with lse = max(y) + log Σⱼ e^{yⱼ − max(y)} (no exponent above 0, so none
   * overflows), ℓ = Σⱼ tⱼ·(lse − yⱼ) and G = (Σⱼ tⱼ)·softmax(y) − t; with class labels t = onehot(c):
   * ℓ = lse − y_c and G = softmax(y) − onehot(c).
   */
  static final class CrossEntropy extends Loss {
    private static final long serialVersionUID = 1L;
    private final boolean labels;

    CrossEntropy(boolean labels) {
      this.labels = labels;
    }

    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int i = 0; i < n; i++) {
        int row = i * m;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < m; j++) {
          max = Math.max(max, y[row + j]);
        }
        lossSum.add(labels ? labelRow(y, row, m, max, label(t[i], m)) : probabilityRow(y, t, row, m, max));
      }
      return lossSum.value();
    }

    /**
     * One row with class c: returns ℓ = lse − y_c and leaves G = softmax(y) − onehot(c) in y. Each e^{yⱼ − max}
     * is computed once and kept in y until it is divided by the sum (the same bits as computing it twice).
     */
    private static double labelRow(double[] y, int row, int m, double max, int c) {
      double yc = y[row + c];
      double s = 0;
      for (int j = 0; j < m; j++) {
        double e = Math.exp(y[row + j] - max);
        y[row + j] = e;
        s += e;
      }
      for (int j = 0; j < m; j++) {
        y[row + j] /= s;                                               // backward: softmax …
      }
      y[row + c] -= 1.0;                                               // … − onehot(c)
      return (max - yc) + Math.log(s);                                 // forward: ℓ = lse − y_c
    }

    /** One row with probability targets: returns ℓ = Σⱼ tⱼ·(lse − yⱼ) and leaves G = (Σⱼ tⱼ)·softmax(y) − t in y. */
    private static double probabilityRow(double[] y, double[] t, int row, int m, double max) {
      double s = 0;
      for (int j = 0; j < m; j++) {
        s += Math.exp(y[row + j] - max);
      }
      double logS = Math.log(s);
      double rowLoss = 0;
      double tSum = 0;
      for (int j = 0; j < m; j++) {
        double tj = t[row + j];
        rowLoss += tj * ((max - y[row + j]) + logS);                    // forward: ℓ = Σ tⱼ·(lse − yⱼ), every term ≥ 0
        tSum += tj;
      }
      for (int j = 0; j < m; j++) {
        y[row + j] = tSum * (Math.exp(y[row + j] - max) / s) - t[row + j];  // backward: (Σt)·softmax − t
      }
      return rowLoss;
    }

    /** The class index a label holds (the reader checked it: integral, 0 … m−1). */
    private static int label(double v, int m) {
      int c = (int) v;
      if (c != v || c < 0 || c >= m) {
        throw new IllegalArgumentException("label " + v + " is not a class index 0 … " + (m - 1));
      }
      return c;
    }

    @Override
    public Kind kind() {
      return Kind.CROSS_ENTROPY;
    }

    @Override
    public String cliName() {
      return "cross-entropy";
    }

    @Override
    public int targetWidth(int m) {
      return labels ? 1 : m;
    }

    @Override
    public TargetDomain targetDomain() {
      return labels ? TargetDomain.CLASS_INDEX : TargetDomain.UNIT_INTERVAL;
    }

    @Override
    public boolean elementwise() {
      return false;
    }

    /** Whether the targets are class labels (T [n×1]) rather than probabilities (T [n×m]). */
    @Override
    public boolean classLabels() {
      return labels;
    }

    /**
     * τ = Σⱼ tⱼ ≤ 1 with labels, ≤ m with targets in [0, 1]. The Hessian of ℓ is τ·(diag p − p·pᵀ), whose rows'
     * absolute sums 2pⱼ(1 − pⱼ)·τ and eigenvalues are ≤ τ/2. softmax's own rounding: ≤ u/e + (4u + ρ)·pⱼ with
     * S's relative error ρ ≤ (1.37m + 1.1)u; ℓ's: γ_{m+4}·ℓ + τ·ρ per row.
     */
    @Override
    public Bounds bounds(int m) {
      double tau = labels ? 1 : m;
      return new Bounds(tau / 2, 1, tau * (2.4 * m + 5), m + 4, 0, tau * (1.5 * m + 2));
    }

    /**
     * D³ℓ along a direction a is τ times the third central moment of a under softmax(y), at most
     * τ·(max a − min a)³/4 (|E Z³| ≤ max|Z|·Var Z ≤ r·r²/4): so per row τᵢ·(range of Δyᵢ)³/96, τᵢ = Σⱼ tᵢⱼ.
     */
    @Override
    public double centralDifferenceRemainder(double[] yPlus, double[] yMinus, double[] t, int n, int m, long[] kinks) {
      double sum = 0;
      for (int i = 0; i < n; i++) {
        double lo = Double.POSITIVE_INFINITY;
        double hi = Double.NEGATIVE_INFINITY;
        double tau = labels ? 1 : 0;
        for (int j = 0; j < m; j++) {
          double dy = yPlus[i * m + j] - yMinus[i * m + j];
          lo = Math.min(lo, dy);
          hi = Math.max(hi, dy);
          if (!labels) {
            tau += Math.abs(t[i * m + j]);
          }
        }
        double range = hi - lo;
        sum += tau * range * range * range / 96;
      }
      return sum;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof CrossEntropy c && c.labels == labels;
    }

    @Override
    public int hashCode() {
      return labels ? 1 : 0;
    }
  }

  /** Huber's loss with threshold δ, element-wise on r = y − t. */
  static final class Huber extends Loss {
    private static final long serialVersionUID = 1L;
    private final double delta;

    Huber(double delta) {
      this.delta = delta;
    }

    @Override
    public double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m) {
      NeumaierSum lossSum = new NeumaierSum();
      for (int k = 0, len = n * m; k < len; k++) {
        double r = y[k] - t[k];
        double a = Math.abs(r);
        if (a <= delta) {
          lossSum.add(0.5 * r * r);                 // forward: ½r²
          y[k] = r;                                 // backward: r
        } else {
          lossSum.add(delta * (a - 0.5 * delta));  // forward: δ(|r| − ½δ)
          y[k] = Math.copySign(delta, r);           // backward: δ·sign(r)
        }
      }
      return lossSum.value();
    }

    @Override
    public double huberDelta() {
      return delta;
    }

    @Override
    public Kind kind() {
      return Kind.HUBER;
    }

    @Override
    public String cliName() {
      return "huber";
    }

    /** ℓ'' ∈ {0, 1}; G = clip(fl(y − t)) errs by at most u·|r| ≤ 2u|g| past the clip; ℓ by 5u·ℓ. */
    @Override
    public Bounds bounds(int m) {
      return new Bounds(1, 2, 0, 5, 0, 0);
    }

    /**
     * Piecewise quadratic: exact central differences except where r crosses ±δ between θ₋ and θ₊. There ℓ''
     * jumps by 1, and the difference errs by at most Δy²/4 (∫|s|·ℓ''-jump over the step, divided by h,
     * times h). Each such entry is counted.
     */
    @Override
    public double centralDifferenceRemainder(double[] yPlus, double[] yMinus, double[] t, int n, int m, long[] kinks) {
      double sum = 0;
      long count = 0;
      for (int k = 0, len = n * m; k < len; k++) {
        double rp = yPlus[k] - t[k];
        double rm = yMinus[k] - t[k];
        double lo = Math.min(rp, rm);
        double hi = Math.max(rp, rm);
        if ((lo <= delta && delta <= hi) || (lo <= -delta && -delta <= hi)) {
          double dy = yPlus[k] - yMinus[k];
          sum += dy * dy / 4;
          count++;
        }
      }
      kinks[0] += count;
      return sum;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Huber h && Double.compare(h.delta, delta) == 0;
    }

    @Override
    public int hashCode() {
      return Double.hashCode(delta);
    }

    @Override
    public String toString() {
      return "huber (δ = " + delta + ")";
    }
  }
}
