package dev.adjoint.bench;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.ChainKernel;
import dev.adjoint.kernel.ChainPartial;
import dev.adjoint.kernel.ChainPass;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Where a chain's time goes, layer by layer, on one block and one thread — the benchmark's view, kept out of
 * the kernel so that the kernel carries no clocks. Each repetition folds the block into a {@link ChainPartial}
 * as a Spark task does ({@link ChainPartial#add}, timed whole), then does the same work again step by step
 * with the calls {@link ChainPass#forward} and {@link ChainPass#backward} make, in the pass's own arrays,
 * timing each step:
 * <pre>
 *   forward_l      z_l = in_l·W_l + 1·b_lᵀ                 (one GEMM, the bias copied into z_l first)
 *   activation_l   h_l = σ(z_l)                            (l &lt; L−1)
 *   loss           G_{L−1} = ∂L/∂Y and the block's L
 *   params_l       dW_l += in_lᵀ·G_l, db_l += 1ᵀ·G_l        (one GEMM)
 *   input_l        ∂L/∂h_{l−1} = G_l·W_lᵀ; dX for l = 0     (one GEMM)
 *   slope_l        G_{l−1} = copy of ∂L/∂h_{l−1}, ⊙= σ'(z_{l−1})  (l &gt; 0)
 * </pre>
 and ChainPartial's bookkeeping (zeroing the block's dW_l and db_l, adding them into the sums) as a step of its
 * own. The first repetition is a warm-up whose step-by-step dW must equal the partial's bit for bit (so the
 * steps are the pass's work, nothing more or less); each step's time is the median over the repetitions (a
 * shared machine preempts some), and the steps' medians add up to about the whole add's.
 */
final class ChainLayerTimes {
  /** Per repetition: the whole add, the loss, the bookkeeping, then the layers' steps (nanoseconds). */
  private static final int WHOLE = 0;
  private static final int LOSS = 1;
  private static final int BOOKKEEPING = 2;
  private static final int LAYERS = 3;

  private final LayerChain chain;
  private final List<long[]> samples = new ArrayList<>();

  private ChainLayerTimes(LayerChain chain) {
    this.chain = chain;
  }

  /** The layer's steps, in the order of {@link #STEP_NAMES}. */
  private static final int STEPS = 5;
  private static final String[] STEP_NAMES = {"forward", "activation", "params", "input", "slope"};

  private static int step(int l, int k) {
    return LAYERS + STEPS * l + k;
  }

  /** At least {@code minRepeats} repetitions on {@code block}, and as many more as fit in {@code budgetNanos}. */
  static ChainLayerTimes measure(LayerChain chain, Block block, Loss lossFn, int minRepeats, long budgetNanos) {
    ChainLayerTimes t = new ChainLayerTimes(chain);
    ChainKernel k = ChainKernel.CORRECT;
    ChainPass state = new ChainPass(chain);
    int depth = chain.depth();
    int n = block.rows;
    double[] dx = new double[n * chain.inputDim()];
    double[][] dw = new double[depth][];
    double[][] db = new double[depth][];
    double[][] dwSum = new double[depth][];
    double[][] dbSum = new double[depth][];
    for (int l = 0; l < depth; l++) {
      dw[l] = new double[chain.width(l) * chain.width(l + 1)];
      db[l] = new double[chain.width(l + 1)];
      dwSum[l] = new double[dw[l].length];
      dbSum[l] = new double[db[l].length];
    }
    long start = System.nanoTime();
    for (int r = -1; r < minRepeats || System.nanoTime() - start < budgetNanos; r++) {
      long[] at = new long[LAYERS + STEPS * depth];
      ChainPartial partial = ChainPartial.empty(chain.widths());
      long a = System.nanoTime();
      partial.add(block, state, lossFn, k, dx, null);
      long t0 = System.nanoTime();
      at[WHOLE] = t0 - a;
      for (int l = 0; l < depth; l++) {
        WeightsAndBias w = chain.layer(l);
        Dense.multAddBias(state.input(l), n, w.inputDim, w.weights, w.outputDim, w.bias, state.preActivation(l));
        long t1 = System.nanoTime();
        if (l < depth - 1) {
          chain.activation.forward(state.preActivation(l), state.input(l + 1), n * w.outputDim);
        }
        at[step(l, 0)] = t1 - t0;
        t0 = System.nanoTime();
        at[step(l, 1)] = t0 - t1;
      }
      state.lossAndGradient(lossFn);
      long t1 = System.nanoTime();
      at[LOSS] = t1 - t0;
      for (int l = 0; l < depth; l++) {  // as ChainPartial.add: the block's sums start at zero
        Arrays.fill(dw[l], 0.0);
        Arrays.fill(db[l], 0.0);
      }
      at[BOOKKEEPING] = System.nanoTime() - t1;
      for (int l = depth - 1; l >= 0; l--) {
        WeightsAndBias w = chain.layer(l);
        t1 = System.nanoTime();
        k.backwardParams(l, state.input(l), n, state.preActivationGradient(l), w, dw[l], db[l]);
        long t2 = System.nanoTime();
        k.backwardInput(l, state.preActivationGradient(l), n, w, l > 0 ? state.hiddenGradient(l - 1) : dx);
        long t3 = System.nanoTime();
        if (l > 0) {
          int len = n * w.inputDim;
          System.arraycopy(state.hiddenGradient(l - 1), 0, state.preActivationGradient(l - 1), 0, len);
          k.backwardActivation(l, chain.activation, state.preActivation(l - 1), state.preActivationGradient(l - 1), len);
        }
        at[step(l, 2)] = t2 - t1;
        at[step(l, 3)] = t3 - t2;
        at[step(l, 4)] = System.nanoTime() - t3;
      }
      t1 = System.nanoTime();
      for (int l = 0; l < depth; l++) {  // and are then added into the partial's
        Dense.addInto(dwSum[l], dw[l]);
        Dense.addInto(dbSum[l], db[l]);
      }
      at[BOOKKEEPING] += System.nanoTime() - t1;
      if (r < 0) {
        requireSame(partial, dw, db);
      } else {
        t.samples.add(at);
      }
    }
    return t;
  }

  /** The steps must compute what the pass computes: every layer's dW and db, bit for bit. */
  private static void requireSame(ChainPartial partial, double[][] dw, double[][] db) {
    for (int l = 0; l < dw.length; l++) {
      if (!Arrays.equals(partial.dWSum[l], dw[l]) || !Arrays.equals(partial.dbSum[l], db[l])) {
        throw new IllegalStateException("the step-by-step loop's layer " + l + " gradient differs from ChainPartial.add's "
            + "(normwise " + Dense.normwiseRelError(dw[l], partial.dWSum[l]) + "): it no longer times the pass's work");
      }
    }
  }

  /** Seconds per block, the median over the repetitions of each step, and of ChainPartial.add whole, for the JSON. */
  Map<String, Object> toMap() {
    List<Map<String, Object>> layers = new ArrayList<>();
    for (int l = 0; l < chain.depth(); l++) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("layer", l);
      m.put("in", chain.width(l));
      m.put("out", chain.width(l + 1));
      for (int k = 0; k < STEPS; k++) {
        m.put(STEP_NAMES[k] + "_seconds", median(step(l, k)));
      }
      layers.add(m);
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("repeats", samples.size());
    out.put("layers", layers);
    out.put("loss_seconds", median(LOSS));
    out.put("bookkeeping_seconds", median(BOOKKEEPING));
    out.put("block_add_seconds", median(WHOLE));
    return out;
  }

  private double median(int step) {
    return PassBenchmark.median(samples.stream().mapToDouble(s -> s[step] / 1e9).toArray());
  }
}
