package dev.adjoint.verify;

import static dev.adjoint.verify.Tolerances.U64;
import static dev.adjoint.verify.Tolerances.comparison;
import static dev.adjoint.verify.Tolerances.gamma;
import static dev.adjoint.verify.Tolerances.gradientSum;
import static dev.adjoint.verify.Tolerances.lossSum;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.WeightsAndBias;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Reduction;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The driver's proof of a distributed result: the checks of {@link VerifyOptions}, each turned into
 * {@link CheckResult}s with a tolerance from {@link Tolerances}.
 *
 * <ul>
 *   <li><b>reference</b>: L, dW, db recomputed on the driver from every row (streamed) with compensated
 *       sums; the row count; Y and dX of sampled rows recomputed from their x.
 *   <li><b>finite-difference</b>: central differences of the distributed loss in single entries of W
 *       and b, and (on the driver) in entries of x for the sampled rows.
 *   <li><b>directional</b>: central differences along random unit directions (V, v) of (W, b) against
 *       ⟨dW, V⟩ + ⟨db, v⟩.
 *   <li><b>freivalds</b>: dW·r against Xᵀ·(G·r) for random ±1 vectors r, and Σ db against Σ G.
 * </ul>
 *
 * The finite-difference, directional and Freivalds checks share one extra distributed pass.
 */
public final class Verification {
  private final DataPasses passes;
  private final Gradients result;
  private final WeightsAndBias params;
  private final Loss loss;
  private final BlockKernel kernel;
  private final VerifyOptions options;
  private final int d;
  private final int m;
  private final long n;
  private final double s;
  private final boolean squared;
  /** Unit roundoff of the kernel under test: 2⁻⁵³, or 2⁻²⁴ for float32 products. */
  private final double u;
  private final int blockRows;
  /** max|W| and max|b|, for the row bounds eᵢ = ‖xᵢ‖₁·max|W| + max|b|. */
  private final double wMax;
  private final double bMax;

  /** {@code blockRows}: the most rows the kernel sums in its own precision before adding into float64. */
  public Verification(DataPasses passes, Gradients result, WeightsAndBias params, Loss loss, BlockKernel kernel,
      VerifyOptions options, int blockRows) {
    this.blockRows = Math.max(1, blockRows);
    this.passes = passes;
    this.result = result;
    this.params = params;
    this.loss = loss;
    this.kernel = kernel;
    this.options = options;
    this.d = params.inputDim;
    this.m = params.outputDim;
    this.n = result.rows();
    this.s = result.reduction() == Reduction.MEAN && n > 0 ? 1.0 / n : 1.0;
    this.squared = loss == Loss.SQUARED;
    this.u = Math.max(U64, kernel.unitRoundoff());
    this.wMax = Dense.maxAbs(params.weights);
    this.bMax = Dense.maxAbs(params.bias);
  }

  /** Runs the selected checks; one result per compared quantity. */
  public List<CheckResult> run() {
    List<CheckResult> out = new ArrayList<>();
    List<SampledRow> rows = List.of();
    boolean needRows = options.runs(VerifyOptions.REFERENCE) || options.runs(VerifyOptions.FINITE_DIFFERENCE);
    long t0 = System.nanoTime();
    if (needRows && options.sampleRows() > 0) {
      rows = passes.sampleRows(params, loss, kernel, s, options.sampleRows(), options.seed());
    }
    double sampleSeconds = (System.nanoTime() - t0) / 1e9;
    if (options.runs(VerifyOptions.REFERENCE)) {
      out.addAll(reference(rows, sampleSeconds));
    }
    boolean fd = options.runs(VerifyOptions.FINITE_DIFFERENCE);
    boolean dir = options.runs(VerifyOptions.DIRECTIONAL) && options.directions() > 0;
    boolean fr = options.runs(VerifyOptions.FREIVALDS);
    if (fd || dir || fr) {
      out.addAll(probeChecks(fd, dir, fr));
    }
    if (fd) {
      out.add(finiteDifferenceX(rows, sampleSeconds));
    }
    return out;
  }

  // ---- reference -------------------------------------------------------------------------------

  private List<CheckResult> reference(List<SampledRow> rows, double sampleSeconds) {
    long t0 = System.nanoTime();
    int[] columns = referenceColumns();
    ReferenceSum ref = new ReferenceSum(d, m, columns);
    passes.streamBlocks(block -> ref.add(block, params, loss));
    double seconds = (System.nanoTime() - t0) / 1e9;
    String scope = columns.length == m ? "all rows" : "all rows, " + columns.length + " of " + m + " output columns (seeded)";
    List<CheckResult> out = new ArrayList<>();
    out.add(CheckResult.of(VerifyOptions.REFERENCE, "row count n", Math.abs(ref.rows() - n) / (double) Math.max(1, n), 0.0,
        seconds, ref.rows() + " rows streamed to the driver vs " + n + " aggregated"));
    if (ref.allColumns) {
      double lRef = ref.loss.value(0) * s;
      double tol = comparison(lossSum(n, m, d, ref.absLossSum, ref.absGE, u), s, Math.abs(lRef), u);
      out.add(relative(VerifyOptions.REFERENCE, "L", new double[] {result.loss()}, new double[] {lRef},
          new double[] {tol}, 0, "compensated sum, " + scope));
    }
    int c = columns.length;
    double[] dwRef = ref.dW.values();
    double[] dwGot = new double[d * c];
    double[] dwTol = new double[d * c];
    for (int k = 0; k < d; k++) {
      for (int jj = 0; jj < c; jj++) {
        int q = k * c + jj;
        dwRef[q] *= s;
        dwGot[q] = result.dW()[k * m + columns[jj]];
        dwTol[q] = comparison(gradientSum(n, blockRows, d, ref.absXG[q], ref.absXE[k], squared, u), s, Math.abs(dwRef[q]), u);
      }
    }
    out.add(relative(VerifyOptions.REFERENCE, "dW", dwGot, dwRef, dwTol, 0, scope));
    double[] dbRef = ref.db.values();
    double[] dbGot = new double[c];
    double[] dbTol = new double[c];
    for (int jj = 0; jj < c; jj++) {
      dbRef[jj] *= s;
      dbGot[jj] = result.db()[columns[jj]];
      dbTol[jj] = comparison(gradientSum(n, blockRows, d, ref.absG[jj], ref.sumE, squared, u), s, Math.abs(dbRef[jj]), u);
    }
    out.add(relative(VerifyOptions.REFERENCE, "db", dbGot, dbRef, dbTol, 0, scope));
    if (!rows.isEmpty()) {
      out.addAll(sampledActivations(rows, sampleSeconds));
    }
    return out;
  }

  private int[] referenceColumns() {
    double flops = 6.0 * n * d * m;
    if (flops <= options.referenceMaxFlops()) {
      return range(m);
    }
    int c = (int) Math.max(1, Math.min(m, Math.floor(options.referenceMaxFlops() / (6.0 * Math.max(1, n) * d))));
    return sample(m, c, new Random(options.seed() ^ 0x5eed));
  }

  /** Y and dX of the sampled rows, recomputed from x with plain loops. */
  private List<CheckResult> sampledActivations(List<SampledRow> rows, double seconds) {
    int r = rows.size();
    double[] yGot = new double[r * m];
    double[] yRef = new double[r * m];
    double[] yTol = new double[r * m];
    double[] dxGot = new double[r * d];
    double[] dxRef = new double[r * d];
    double[] dxTol = new double[r * d];
    for (int i = 0; i < r; i++) {
      SampledRow row = rows.get(i);
      double[] g = new double[m];
      double[] dg = new double[m];
      for (int j = 0; j < m; j++) {
        double y = params.bias[j];
        double e = Math.abs(params.bias[j]);
        for (int k = 0; k < d; k++) {
          y += row.x()[k] * params.weights[k * m + j];
          e += Math.abs(row.x()[k] * params.weights[k * m + j]);
        }
        yRef[i * m + j] = y;
        yGot[i * m + j] = row.y()[j];
        yTol[i * m + j] = comparison(gamma(d + 3, u) * e, 1.0, Math.abs(y), u);
        g[j] = squared ? y - row.t()[j] : 1.0;
        dg[j] = squared ? gamma(d + 3, u) * e + u * Math.abs(g[j]) : 0.0;
      }
      for (int k = 0; k < d; k++) {
        double dx = 0;
        double abs = 0;
        double fromG = 0;
        for (int j = 0; j < m; j++) {
          double w = params.weights[k * m + j];
          dx += g[j] * w;
          abs += Math.abs(g[j] * w);
          fromG += dg[j] * Math.abs(w);
        }
        dxRef[i * d + k] = dx * s;
        dxGot[i * d + k] = row.dx()[k];
        dxTol[i * d + k] = comparison(gamma(m + 1, u) * abs + fromG, s, Math.abs(dx * s), u);
      }
    }
    String note = r + " sampled rows (seeded)";
    return List.of(relative(VerifyOptions.REFERENCE, "Y", yGot, yRef, yTol, seconds, note),
        relative(VerifyOptions.REFERENCE, "dX", dxGot, dxRef, dxTol, 0, note));
  }

  // ---- one shared probe pass: finite differences in W and b, directions, Freivalds ----------------

  private List<CheckResult> probeChecks(boolean fd, boolean dir, boolean fr) {
    Random rng = new Random(options.seed());
    List<WeightsAndBias> sets = new ArrayList<>();
    // elementwise: entries of W (index < d·m) and b (index ≥ d·m)
    int[] entries = fd ? fdEntries(rng) : new int[0];
    double[] entrySteps = new double[entries.length];
    for (int q = 0; q < entries.length; q++) {
      int e = entries[q];
      double theta = e < d * m ? params.weights[e] : params.bias[e - d * m];
      double half = Tolerances.step(theta) / 2;
      WeightsAndBias plus = withEntry(e, theta + half);
      WeightsAndBias minus = withEntry(e, theta - half);
      entrySteps[q] = (e < d * m ? plus.weights[e] : plus.bias[e - d * m]) - (e < d * m ? minus.weights[e] : minus.bias[e - d * m]);
      sets.add(plus);
      sets.add(minus);
    }
    int directions = dir ? options.directions() : 0;
    double[][] dirW = new double[directions][];
    double[][] dirB = new double[directions][];
    double maxTheta = Math.max(wMax, bMax);
    double h = Tolerances.step(maxTheta);
    for (int q = 0; q < directions; q++) {
      double[] v = new double[d * m + m];
      double norm = 0;
      for (int k = 0; k < v.length; k++) {
        v[k] = rng.nextGaussian();
        norm += v[k] * v[k];
      }
      norm = Math.sqrt(norm);
      dirW[q] = new double[d * m];
      dirB[q] = new double[m];
      for (int k = 0; k < d * m; k++) {
        dirW[q][k] = v[k] / norm;
      }
      for (int j = 0; j < m; j++) {
        dirB[q][j] = v[d * m + j] / norm;
      }
      sets.add(along(dirW[q], dirB[q], h / 2));
      sets.add(along(dirW[q], dirB[q], -h / 2));
    }
    int k = fr ? options.probes() : 0;
    double[] probes = new double[m * k];
    for (int q = 0; q < probes.length; q++) {
      probes[q] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    long t0 = System.nanoTime();
    ProbeSum p = passes.probe(new ProbePlan(params, loss, kernel, sets, probes, k));
    double seconds = (System.nanoTime() - t0) / 1e9;
    String shared = "one shared pass";

    // Rounding of any one analytic gradient entry: scalar bounds over all entries (see ProbeSum).
    double tauW = 2 * gradientSum(n, blockRows, d, p.absXG, p.absXE, squared, u) * s;
    double tauB = 2 * gradientSum(n, blockRows, d, p.absSumG, p.sumE, squared, u) * s;

    List<CheckResult> out = new ArrayList<>();
    if (fd) {
      double[] got = new double[entries.length];
      double[] fdv = new double[entries.length];
      double[] tol = new double[entries.length];
      for (int q = 0; q < entries.length; q++) {
        int e = entries[q];
        double hq = entrySteps[q];
        fdv[q] = (p.setLossSums[2 * q] - p.setLossSums[2 * q + 1]) / hq * s;
        got[q] = e < d * m ? result.dW()[e] : result.db()[e - d * m];
        double eta = Tolerances.centralDifference(eta(p, 2 * q), eta(p, 2 * q + 1), hq) * s;
        // the kernel may round θ± again (float32): u·(|θ₊| + |θ₋|) through ∂L/∂θ, over h
        double theta = e < d * m ? params.weights[e] : params.bias[e - d * m];
        double rounding = u * (2 * Math.abs(theta) + hq) * Math.abs(got[q]) / hq;
        tol[q] = eta + (e < d * m ? tauW : tauB) + rounding + 2 * u * Math.abs(fdv[q]);
      }
      int wCount = 0;
      for (int e : entries) {
        wCount += e < d * m ? 1 : 0;
      }
      String scope = (d * m + m <= options.fdEntries() ? "every entry: " : "seeded sample: ") + wCount + " of W, "
          + (entries.length - wCount) + " of b; " + shared;
      out.add(relative(VerifyOptions.FINITE_DIFFERENCE, "dW, db entries", got, fdv, tol, seconds, scope));
    }
    if (directions > 0) {
      int base = 2 * entries.length;
      double[] got = new double[directions];
      double[] fdv = new double[directions];
      double[] tol = new double[directions];
      for (int q = 0; q < directions; q++) {
        WeightsAndBias plus = sets.get(base + 2 * q);
        WeightsAndBias minus = sets.get(base + 2 * q + 1);
        fdv[q] = (p.setLossSums[base + 2 * q] - p.setLossSums[base + 2 * q + 1]) / h * s;
        double dot = 0;
        double absDot = 0;
        double perturbRounding = 0;
        for (int e = 0; e < d * m; e++) {
          dot += result.dW()[e] * dirW[q][e];
          absDot += Math.abs(result.dW()[e] * dirW[q][e]);
          perturbRounding += Math.abs(result.dW()[e]) * (Math.abs(plus.weights[e]) + Math.abs(minus.weights[e]));
        }
        for (int j = 0; j < m; j++) {
          dot += result.db()[j] * dirB[q][j];
          absDot += Math.abs(result.db()[j] * dirB[q][j]);
          perturbRounding += Math.abs(result.db()[j]) * (Math.abs(plus.bias[j]) + Math.abs(minus.bias[j]));
        }
        got[q] = dot;
        // FD rounding; gradient rounding along V (Σ|Vₖⱼ| ≤ √(dm) for a unit V); the rounding of the
        // perturbed parameters themselves (u·|θ±| each, through ∂L/∂θ); the inner product's own rounding.
        tol[q] = Tolerances.centralDifference(eta(p, base + 2 * q), eta(p, base + 2 * q + 1), h) * s
            + Math.sqrt(d * m) * tauW + Math.sqrt(m) * tauB + u * perturbRounding / h + gamma(d * m + m, U64) * absDot
            + 2 * u * Math.abs(fdv[q]);
      }
      out.add(relative(VerifyOptions.DIRECTIONAL, "⟨dW,V⟩ + ⟨db,v⟩", got, fdv, tol, seconds,
          directions + " random unit directions, step " + h + "; " + shared));
    }
    if (k > 0) {
      double[] lhs = new double[d * k];
      double[] rhs = new double[d * k];
      double[] tol = new double[d * k];
      for (int c = 0; c < d; c++) {
        for (int q = 0; q < k; q++) {
          double v = 0;
          double abs = 0;
          for (int j = 0; j < m; j++) {
            v += result.dW()[c * m + j] * probes[j * k + q];
            abs += Math.abs(result.dW()[c * m + j]);
          }
          lhs[c * k + q] = v;
          rhs[c * k + q] = p.xtGR[c * k + q] * s;
          // both sides sum the same n·m products x·g·r: γ_{n+m}·(|X|ᵀ|G||r|) each; G's own error
          // through |X|ᵀ(e·‖r‖₁); the driver's product dW·r: γ_m·Σ|dW||r|.
          double fromG = squared ? gamma(d + 3, u) * p.absXtE[c] * m + u * p.absXtGR[c * k + q] : 0.0;
          // dW as the kernel summed it, and Xᵀ(G·r) summed in float64 by the probe pass
          double sums = Tolerances.sumGamma(n, blockRows, u) + gamma(n + m + 1, U64);
          tol[c * k + q] = comparison(sums * p.absXtGR[c * k + q] + fromG, s, Math.abs(v), u)
              + gamma(m, U64) * abs;
        }
      }
      out.add(relative(VerifyOptions.FREIVALDS, "dW·r vs Xᵀ(G·r)", lhs, rhs, tol, seconds,
          k + " random ±1 vectors r; " + shared));
      double dbSum = 0;
      double dbAbs = 0;
      for (double v : result.db()) {
        dbSum += v;
        dbAbs += Math.abs(v);
      }
      double fromG = squared ? gamma(d + 3, u) * p.sumE * m + u * p.absSumG : 0.0;
      double sums = Tolerances.sumGamma(n, blockRows, u) + gamma(n * (double) m + m, U64);
      double tolDb = comparison(sums * p.absSumG + fromG, s, Math.abs(dbSum), u) + gamma(m, U64) * dbAbs;
      out.add(relative(VerifyOptions.FREIVALDS, "db·1 vs 1ᵀG1", new double[] {dbSum}, new double[] {p.sumG * s},
          new double[] {tolDb}, 0, shared));
    }
    return out;
  }

  /** The rounding bound of loss set {@code q}'s computed L. */
  private double eta(ProbeSum p, int q) {
    return lossSum(n, m, d, p.setAbsLossSums[q], p.setAbsGE[q], u);
  }

  private int[] fdEntries(Random rng) {
    int total = d * m + m;
    if (total <= options.fdEntries()) {
      return range(total);
    }
    // a seeded sample of W entries, and at least one entry of b
    int size = Math.max(2, options.fdSample());
    int bCount = Math.max(1, Math.min(m, size / 4));
    int[] w = sample(d * m, Math.min(d * m, size - bCount), rng);
    int[] b = sample(m, bCount, rng);
    int[] all = new int[w.length + b.length];
    System.arraycopy(w, 0, all, 0, w.length);
    for (int q = 0; q < b.length; q++) {
      all[w.length + q] = d * m + b[q];
    }
    return all;
  }

  private WeightsAndBias withEntry(int e, double value) {
    double[] w = params.weights.clone();
    double[] b = params.bias.clone();
    if (e < d * m) {
      w[e] = value;
    } else {
      b[e - d * m] = value;
    }
    return new WeightsAndBias(d, m, w, b);
  }

  private WeightsAndBias along(double[] vw, double[] vb, double t) {
    double[] w = params.weights.clone();
    double[] b = params.bias.clone();
    for (int k = 0; k < w.length; k++) {
      w[k] += t * vw[k];
    }
    for (int j = 0; j < m; j++) {
      b[j] += t * vb[j];
    }
    return new WeightsAndBias(d, m, w, b);
  }

  // ---- finite differences in x, on the driver, for the sampled rows --------------------------------

  private CheckResult finiteDifferenceX(List<SampledRow> rows, double sampleSeconds) {
    long t0 = System.nanoTime();
    int features = Math.min(d, 8);
    Random rng = new Random(options.seed() + 1);
    List<Double> got = new ArrayList<>();
    List<Double> fdv = new ArrayList<>();
    List<Double> tol = new ArrayList<>();
    for (SampledRow row : rows) {
      // the row's magnitudes, for the rounding of its analytic dX entries
      double gMax = 0;
      for (double v : rowGradient(row.x(), row.t())) {
        gMax = Math.max(gMax, Math.abs(v));
      }
      double e = rowBound(row.x());
      for (int k : sample(d, features, rng)) {
        double theta = row.x()[k];
        double half = Tolerances.step(theta) / 2;
        double[] xp = row.x().clone();
        double[] xm = row.x().clone();
        xp[k] = theta + half;
        xm[k] = theta - half;
        double h = xp[k] - xm[k];
        double[] etaP = new double[1];
        double[] etaM = new double[1];
        double lp = rowLoss(xp, row.t(), etaP);
        double lm = rowLoss(xm, row.t(), etaM);
        double fd = (lp - lm) / h * s;
        // the analytic dX entry's rounding: γ_m·Σ|g||W| + G's error, bounded by the row's magnitudes
        double gw = 0;
        for (int j = 0; j < m; j++) {
          gw += Math.abs(params.weights[k * m + j]);
        }
        double fromG = squared ? (gamma(d + 3, u) * e + u * gMax) * gw : 0.0;
        double tauDx = 2 * (gamma(m + 1, u) * gMax * gw + fromG) * s;
        got.add(row.dx()[k]);
        fdv.add(fd);
        double rounding = u * (Math.abs(xp[k]) + Math.abs(xm[k])) * Math.abs(row.dx()[k]) / h;
        tol.add(Tolerances.centralDifference(etaP[0], etaM[0], h) * s + tauDx + rounding + 2 * u * Math.abs(fd));
      }
    }
    double seconds = sampleSeconds + (System.nanoTime() - t0) / 1e9;
    return relative(VerifyOptions.FINITE_DIFFERENCE, "dX entries", unbox(got), unbox(fdv), unbox(tol), seconds,
        rows.size() + " sampled rows × " + features + " features, losses on the driver through the kernel");
  }

  /** ℓ of one row through the kernel under test; its rounding bound in {@code eta[0]}. */
  private double rowLoss(double[] x, double[] t, double[] eta) {
    Block one = Block.of(1, d, x, t == null ? 0 : m, t);
    double[] y = new double[m];
    kernel.forward(one, params, y);
    double absY = 0;
    for (double v : y) {
      absY += Math.abs(v);
    }
    double l = kernel.lossSumAndGradient(loss, y, t, 1, m);
    double absG = 0;
    for (double v : y) {
      absG += Math.abs(v);
    }
    eta[0] = lossSum(1, m, d, squared ? l : absY, absG * rowBound(x), u);
    return l;
  }

  private double[] rowGradient(double[] x, double[] t) {
    double[] g = new double[m];
    for (int j = 0; j < m; j++) {
      double y = params.bias[j];
      for (int k = 0; k < d; k++) {
        y += x[k] * params.weights[k * m + j];
      }
      g[j] = squared ? y - t[j] : 1.0;
    }
    return g;
  }

  private double rowBound(double[] x) {
    double norm = 0;
    for (double v : x) {
      norm += Math.abs(v);
    }
    return norm * wMax + bMax;
  }

  // ---- helpers ------------------------------------------------------------------------------------

  /**
   * The normwise comparison: error = max|got − ref| / max|ref|, tolerance = max(tol) / max|ref| (both
   * absolute when ref is all zeros).
   */
  static CheckResult relative(String check, String compared, double[] got, double[] ref, double[] tol, double seconds,
      String note) {
    double diff = 0;
    double scale = 0;
    double t = 0;
    for (int q = 0; q < ref.length; q++) {
      double e = Math.abs(got[q] - ref[q]);
      diff = Double.isNaN(e) ? Double.NaN : Math.max(diff, e);
      scale = Math.max(scale, Math.abs(ref[q]));
      t = Math.max(t, tol[q]);
    }
    if (scale == 0) {
      scale = 1;
    }
    return CheckResult.of(check, compared, diff / scale, t / scale, seconds, note);
  }

  private static int[] range(int count) {
    int[] r = new int[count];
    for (int q = 0; q < count; q++) {
      r[q] = q;
    }
    return r;
  }

  /** {@code count} distinct indices of [0, bound), seeded, in increasing order. */
  static int[] sample(int bound, int count, Random rng) {
    int[] idx = range(bound);
    for (int q = 0; q < count; q++) {
      int r = q + rng.nextInt(bound - q);
      int tmp = idx[q];
      idx[q] = idx[r];
      idx[r] = tmp;
    }
    int[] out = java.util.Arrays.copyOf(idx, count);
    java.util.Arrays.sort(out);
    return out;
  }

  private static double[] unbox(List<Double> list) {
    double[] r = new double[list.size()];
    for (int q = 0; q < r.length; q++) {
      r[q] = list.get(q);
    }
    return r;
  }
}
