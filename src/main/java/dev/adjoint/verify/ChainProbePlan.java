package dev.adjoint.verify;

import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.Serializable;
import java.util.Random;

/**
 * What the chain's checks evaluate on every block, fixed on the driver before the pass and broadcast with it:
 * the finite-difference entries (W of every layer, then b of every layer, … up to --fd-sample, at least one
 * per layer) and their steps, the random
 * directions over all of θ, Freivalds' ±1 vectors per layer, and which blocks the reference recomputes.
 * Each difference is evaluated at ±h and ±h/2 (Richardson's estimate of its truncation needs both).
 */
public final class ChainProbePlan implements Serializable {
  private static final long serialVersionUID = 1L;
  /** The offsets s of each difference: +h, −h, +h/2, −h/2. */
  static final double[] STEPS = {1, -1, 0.5, -0.5};
  /**
   * The base step 2⁻¹⁰·max(1, |θ|): the rounding bound of a chain's loss is pessimistic (worst case through
   * every layer), so the step is larger than the single layer's 2⁻¹⁴, and truncation, estimated, stays below it
   * (docs/chain.md gives the figures).
   */
  static final double STEP = 0x1p-10;

  final LayerChain chain;
  final Loss loss;
  final ChainKernel kernel;
  final int[] fdLayer;
  final boolean[] fdBias;
  final int[] fdIndex;
  final double[] fdStep;
  final double[][][] dirW;
  final double[][][] dirB;
  final double dirStep;
  final LayerChain[][] dirChains;
  /** Freivalds' vectors: r_q for layer q / {@link #freivaldsPerLayer}, of that layer's output width. */
  final double[][] freivalds;
  final int freivaldsPerLayer;
  final WeightsAndBias[] absLayers;
  final int sampleBlocks;
  final int sampleRows;
  final long seed;

  ChainProbePlan(LayerChain chain, Loss loss, ChainKernel kernel, VerifyOptions o) {
    this.chain = chain;
    this.loss = loss;
    this.kernel = kernel;
    this.seed = o.seed();
    Random rng = new Random(o.seed());
    int depth = chain.depth();
    boolean fd = o.runs(VerifyOptions.FINITE_DIFFERENCE);
    int entries = fd ? Math.max(o.fdSample(), depth) : 0;
    fdLayer = new int[entries];
    fdBias = new boolean[entries];
    fdIndex = new int[entries];
    fdStep = new double[entries];
    for (int k = 0; k < entries; k++) {
      int l = k % depth;
      WeightsAndBias p = chain.layer(l);
      fdLayer[k] = l;
      fdBias[k] = (k / depth) % 2 == 1;
      fdIndex[k] = rng.nextInt(fdBias[k] ? p.outputDim : p.inputDim * p.outputDim);
      double theta = fdBias[k] ? p.bias[fdIndex[k]] : p.weights[fdIndex[k]];
      fdStep[k] = STEP * Math.max(1, Math.abs(theta));
    }
    int directions = o.runs(VerifyOptions.DIRECTIONAL) ? o.directions() : 0;
    dirW = new double[directions][depth][];
    dirB = new double[directions][depth][];
    dirChains = new LayerChain[directions][STEPS.length];
    double thetaMax = 1;
    for (int l = 0; l < depth; l++) {
      thetaMax = Math.max(thetaMax, Dense.maxAbs(chain.layer(l).weights));
      thetaMax = Math.max(thetaMax, Dense.maxAbs(chain.layer(l).bias));
    }
    // a direction moves each z by Σ over its fan-in of ±h·in ≈ √w·h·|in|: its step is divided by √(max w) so that
    // it moves z about as far as one entry's step does
    int fanIn = 1;
    for (int l = 0; l < depth; l++) {
      fanIn = Math.max(fanIn, chain.width(l));
    }
    dirStep = STEP * thetaMax / Math.sqrt(fanIn);
    for (int v = 0; v < directions; v++) {
      for (int l = 0; l < depth; l++) {
        WeightsAndBias p = chain.layer(l);
        dirW[v][l] = signs(rng, p.weights.length);
        dirB[v][l] = signs(rng, p.bias.length);
      }
      for (int s = 0; s < STEPS.length; s++) {
        dirChains[v][s] = chain.plus(STEPS[s] * dirStep, dirW[v], dirB[v]);
      }
    }
    freivaldsPerLayer = Math.max(1, o.probes());
    freivalds = new double[o.runs(VerifyOptions.FREIVALDS) ? depth * freivaldsPerLayer : 0][];
    for (int q = 0; q < freivalds.length; q++) {
      freivalds[q] = signs(rng, chain.width(freivaldsLayer(q) + 1));
    }
    absLayers = new WeightsAndBias[depth];
    for (int l = 0; l < depth; l++) {
      WeightsAndBias p = chain.layer(l);
      absLayers[l] = new WeightsAndBias(p.inputDim, p.outputDim, abs(p.weights), abs(p.bias));
    }
    sampleBlocks = o.runs(VerifyOptions.REFERENCE) ? o.sampleBlocks() : 0;
    sampleRows = Math.max(1, o.sampleRows() * 2);
  }

  private static double[] signs(Random rng, int len) {
    double[] r = new double[len];
    for (int i = 0; i < len; i++) {
      r[i] = rng.nextBoolean() ? 1.0 : -1.0;
    }
    return r;
  }

  private static double[] abs(double[] a) {
    double[] out = new double[a.length];
    for (int i = 0; i < a.length; i++) {
      out[i] = Math.abs(a[i]);
    }
    return out;
  }

  /** A seeded key for block {@code index} of {@code partition}: the sample keeps the smallest keys. */
  long sampleKey(int partition, long index) {
    long h = seed * 0x9E3779B97F4A7C15L + partition * 0xBF58476D1CE4E5B9L + index * 0x94D049BB133111EBL;
    h ^= h >>> 31;
    h *= 0xD6E8FEB86659FD93L;
    return h ^ (h >>> 32);
  }

  /** The chain the plan probes. */
  public LayerChain chain() {
    return chain;
  }

  /** The layer Freivalds' vector q probes. */
  int freivaldsLayer(int q) {
    return q / freivaldsPerLayer;
  }

  /** The column of z the finite-difference entry k moves: j of W_l[i, j] or of b_l[j]. */
  int fdColumn(int k) {
    int m = chain.layer(fdLayer[k]).outputDim;
    return fdBias[k] ? fdIndex[k] : fdIndex[k] % m;
  }

  /** The number of finite-difference entries. */
  int entries() {
    return fdLayer.length;
  }
}
