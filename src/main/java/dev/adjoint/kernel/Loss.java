package dev.adjoint.kernel;

import java.io.Serializable;
import java.util.List;
import java.util.Locale;

/**
 * Scalar losses of Y, each forward (the loss value) beside its backward (G = ∂L/∂Y), in {@link Losses}.
 *
 * <p>Every loss works on a block in place: on entry {@code y} holds Y_block [n×m]; on return it holds
 * G_block and the block's loss sum is returned, summed with Neumaier's compensation ({@link NeumaierSum}).
 * Sums, not means: normalisation happens once, at the end ({@link Reduction}).
 *
 * <p>Besides the arithmetic, each loss states what the checks need to bound its rounding and the
 * truncation of a central difference ({@link Bounds}, {@link #centralDifferenceRemainder}); the
 * derivations are in docs/losses.md.
 */
public abstract class Loss implements Serializable {
  private static final long serialVersionUID = 1L;

  /** L = Σᵢⱼ Yᵢⱼ, so G = 1. Needs no targets. */
  public static final Loss SUM = new Losses.Sum();
  /** L = ½‖Y − T‖², so G = Y − T. */
  public static final Loss SQUARED = new Losses.Squared();
  /** Binary cross-entropy with logits, element-wise: ℓ = log(1 + e^{−|y|}) + max(y, 0) − y·t, G = σ(Y) − T. */
  public static final Loss LOGISTIC = new Losses.Logistic();
  /** Softmax cross-entropy over the m outputs with probability targets T [n×m]. */
  public static final Loss CROSS_ENTROPY = new Losses.CrossEntropy(false);
  /** Softmax cross-entropy with one class index 0 … m−1 per row as the target (T [n×1]). */
  public static final Loss CROSS_ENTROPY_LABELS = new Losses.CrossEntropy(true);
  /** PyTorch's default δ of HuberLoss. */
  public static final double DEFAULT_HUBER_DELTA = 1.0;

  /** Huber's loss with threshold δ > 0: ½r² for |r| ≤ δ, δ(|r| − ½δ) beyond, r = y − t; G = clip(r, −δ, δ). */
  public static Loss huber(double delta) {
    Shapes.require(delta > 0 && Double.isFinite(delta), "the Huber δ must be a positive finite number, got " + delta);
    return new Losses.Huber(delta);
  }

  /** Each loss once, with the default parameters (Huber's δ = 1). */
  public static List<Loss> all() {
    return List.of(SUM, SQUARED, LOGISTIC, CROSS_ENTROPY, CROSS_ENTROPY_LABELS, huber(DEFAULT_HUBER_DELTA));
  }

  /** What a target value may be, checked as the data is read. */
  public enum TargetDomain {
    /** Any finite number. */
    REAL,
    /** A number in [0, 1]. */
    UNIT_INTERVAL,
    /** An integral class index 0 … m−1, one per row. */
    CLASS_INDEX
  }

  /**
   * The constants of a loss's rounding and derivative bounds (docs/losses.md derives each), for a layer of m
   * outputs. u is the unit roundoff of float64, in which every loss is computed.
   *
   * @param curvature  c₂: bounds ‖∂gᵢ/∂yᵢ‖ (each row's Hessian of ℓ, as a map of the ∞-norm and in the
   *                   2-norm), so δgᵢⱼ ≤ c₂·maxₖ δyᵢₖ from Y's error, and |ℓ(y + δ) − ℓ(y) − gᵀδ| ≤ ½c₂‖δ‖²
   * @param gRel       G's own rounding, in u·|g|
   * @param gAbs       G's own rounding, in u (added to gRel·u·|g|, per entry)
   * @param lossRel    ℓ's own rounding, in u·Σ|ℓ|
   * @param lossY      ℓ's own rounding, in u·Σ|y|
   * @param lossRowAbs ℓ's own rounding, in u per row
   */
  public record Bounds(double curvature, double gRel, double gAbs, double lossRel, double lossY, double lossRowAbs)
      implements Serializable {}

  /** Which formula: the checks' plain-loop reference recomputes each from its definition. */
  public enum Kind { SUM, SQUARED, LOGISTIC, CROSS_ENTROPY, HUBER }

  /** The name --loss takes. */
  public abstract String cliName();

  public abstract Kind kind();

  /** Whether the targets are class labels 0 … m−1, one per row (cross-entropy with --label-col). */
  public boolean classLabels() {
    return false;
  }

  /** Huber's δ; NaN for every other loss. */
  public double huberDelta() {
    return Double.NaN;
  }

  /**
   * Σ|ℓ| over the entries summed into {@code lossSum}, given Σ|y| over them: Σ|y| for the sum loss (ℓ = y),
   * and |L| for every other loss, whose ℓ ≥ 0 wherever the targets lie in the loss's {@link #targetDomain}.
   */
  public double absLossSum(double lossSum, double absY) {
    return Math.abs(lossSum);
  }

  /**
   * Replaces Y_block [n×m] in {@code y} by G_block = ∂L/∂Y and returns the block's loss sum. {@code t}
   * is T_block [n×{@link #targetWidth}], or null when {@link #needsTargets()} is false.
   */
  public abstract double lossSumAndGradientInPlace(double[] y, double[] t, int n, int m);

  /** Whether the loss reads targets T. */
  public boolean needsTargets() {
    return true;
  }

  /** How many target values each row has for m outputs: m, or 1 for class labels. */
  public int targetWidth(int m) {
    return m;
  }

  /** What each target value may be. */
  public TargetDomain targetDomain() {
    return TargetDomain.REAL;
  }

  /**
   * Whether L is a sum of ℓ(yᵢⱼ, tᵢⱼ) over single entries: then the loss of one output column is a loss of
   * its own, and the checks perturbing one column evaluate that column alone.
   */
  public boolean elementwise() {
    return true;
  }

  /**
   * Whether ∂³L/∂y³ = 0 (L a polynomial of degree ≤ 2 in Y, so in W, b and X): then a central difference
   * of L is exact for any step, and the checks choose large steps.
   */
  public boolean thirdDerivativeIsZero() {
    return false;
  }

  /** The constants of the rounding bounds, for m outputs. */
  public abstract Bounds bounds(int m);

  /**
   * For the central difference between parameters θ₋ and θ₊ (Y_block at each: {@code yMinus}, {@code yPlus},
   * row-major [n×m]), a bound on |Σᵢ (ℓᵢ(θ₊) − ℓᵢ(θ₋)) − (θ₊ − θ₋)·∂L/∂θ at the midpoint|, from the
   * differences Δyᵢ = yᵢ(θ₊) − yᵢ(θ₋) (Y is affine in each parameter): the third-order Taylor remainder
   * for smooth losses, and for entries whose residual crosses a kink of ℓ'' between θ₋ and θ₊ a bound of
   * their own, each such entry counted in {@code kinks[0]}. 0 for polynomial losses.
   */
  public double centralDifferenceRemainder(double[] yPlus, double[] yMinus, double[] t, int n, int m, long[] kinks) {
    return 0.0;
  }

  /**
   * Parses a --loss name: sum, squared, logistic, cross-entropy (with probability targets; see
   * {@link #CROSS_ENTROPY_LABELS} for class labels) or huber (δ = 1; see {@link #huber}), case-insensitively.
   */
  public static Loss parse(String name) {
    String s = name.trim().toLowerCase(Locale.ROOT);
    for (Loss loss : all()) {
      if (loss.cliName().equals(s) && loss != CROSS_ENTROPY_LABELS) {
        return loss;
      }
    }
    throw new IllegalArgumentException("unknown loss '" + name + "'");
  }

  @Override
  public String toString() {
    return cliName();
  }
}
