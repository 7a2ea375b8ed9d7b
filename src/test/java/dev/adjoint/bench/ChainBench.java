package dev.adjoint.bench;

import dev.adjoint.blas.BlasInfo;
import dev.adjoint.data.BlockReader;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.ChainPasses;
import dev.adjoint.job.MeasuredChain;
import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.Collectors;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;

/**
 * A chain of dense layers, one training step's forward and backward over rows cached in memory:
 * {@link ChainPasses#gradientSum} with the input's gradient (z_l, h_l, softmax cross-entropy with labels at
 * the output, every dW_l and db_l, and dX = G_0·W_0ᵀ, computed and dropped: 6·n·Σ w_l·w_{l+1} flops), float64,
 * over {@link SyntheticBlocks} in blocks of the job's default size for the chain (fixed tree of depth 2); median
 * of the passes after a warm-up. Then where a task's time goes, layer by layer, on one block on the driver
 * ({@link ChainLayerTimes}). PyTorch's nn.Sequential runs beside it in scripts/bench (bench-peers.py chain).
 * Not a test (timings belong in benchmarks): {@code scripts/bench chain} runs it as
 * <pre>
 * java -cp "target/test-classes:target/classes:$(cat target/test-classpath.txt)" \
 *   dev.adjoint.bench.ChainBench [--shapes NxDxH1x…xM,…] [--activation relu] [--passes P] [--json FILE]
 * </pre>
 */
public final class ChainBench {
  private ChainBench() {}

  private static final int TREE_DEPTH = 2;
  /** The per-layer loop: at least this many repetitions of one block, and as many as fit in about two seconds. */
  private static final int LAYER_REPEATS = 5;
  private static final long LAYER_BUDGET_NANOS = 2_000_000_000L;

  /** n rows through layers of widths (d, h₁, …, m); m is the number of classes. */
  record Shape(long rows, int[] widths) {
    static Shape parse(String s) {
      int[] p = Arrays.stream(s.split("x")).mapToInt(Integer::parseInt).toArray();
      if (p.length < 3) {
        throw new IllegalArgumentException("a shape is ROWSxDx…xM (at least one layer), got " + s);
      }
      return new Shape(p[0], Arrays.copyOfRange(p, 1, p.length));
    }

    /** Forward z_l, backward dW_l and G_l·W_lᵀ (dX included): three GEMMs of 2·n·w_l·w_{l+1} per layer. */
    double flopsPerPass() {
      double perRow = 0;
      for (int l = 0; l + 1 < widths.length; l++) {
        perRow += (double) widths[l] * widths[l + 1];
      }
      return 6.0 * rows * perRow;
    }

    String layers() {
      return Arrays.stream(widths).mapToObj(Integer::toString).collect(Collectors.joining(","));
    }
  }

  public static void main(String[] args) throws Exception {
    List<Shape> shapes = new ArrayList<>();
    int passes = 5;
    String json = null;
    Activation activation = Activation.RELU;
    for (int a = 0; a < args.length; a++) {
      switch (args[a]) {
        case "--shapes" -> Arrays.stream(args[++a].split(",")).map(Shape::parse).forEach(shapes::add);
        case "--activation" -> activation = Activation.parse(args[++a]);
        case "--passes" -> passes = Integer.parseInt(args[++a]);
        case "--json" -> json = args[++a];
        default -> throw new IllegalArgumentException("unknown argument " + args[a]);
      }
    }
    if (shapes.isEmpty()) {
      shapes = List.of(Shape.parse("200000x512x256x256x10"), Shape.parse("200000x64x64x64x10"));
    }
    final Activation sigma = activation;
    final int k = passes;
    BenchJvm.run("chain-bench", shapes, (jsc, shape) -> List.of(run(jsc, shape, sigma, k)), json);
  }

  /** One shape: Adjoint's passes, then the per-layer loop on the first block. */
  static Map<String, Object> run(JavaSparkContext jsc, Shape s, Activation activation,
      int passes) {
    LayerChain chain = chain(s, activation);
    int classes = chain.outputDim();
    int partitions = SyntheticBlocks.partitions(jsc.defaultParallelism(), s.rows, chain.inputDim(), classes);
    int blockRows = BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, chain.inputDim(), chain.widthSum());
    JavaRDD<Block> blocks = SyntheticBlocks.cached(jsc, s.rows, chain.inputDim(), classes, partitions, blockRows,
        "chain bench blocks");
    try (ChainPasses job = new ChainPasses(jsc, chain, Loss.CROSS_ENTROPY_LABELS)) {
      long rows = blocks.map(b -> (long) b.rows).reduce(Long::sum);  // fills the cache
      System.out.printf(Locale.ROOT, "%d × %s (%s), %d partitions, %d rows per block, %d rows cached; BLAS %s%n",
          s.rows, s.layers(), activation.cliName(), partitions, blockRows, rows, BlasInfo.current().describe());
      MeasuredChain pass = job.gradientSum(blocks, TREE_DEPTH, Aggregation.FIXED, true);
      double[] seconds = new double[passes];
      for (int r = 0; r < passes; r++) {
        long t0 = System.nanoTime();
        pass = job.gradientSum(blocks, TREE_DEPTH, Aggregation.FIXED, true);
        seconds[r] = (System.nanoTime() - t0) / 1e9;
      }
      double forward = pass.metrics().forwardNanos() / 1e9;
      double backward = pass.metrics().backwardNanos() / 1e9;
      System.out.printf(Locale.ROOT, "  adjoint %.3f s per pass (median of %d), task seconds: forward (z, h, loss, G) "
          + "%.3f, backward (dW, db, G·Wᵀ, dX) %.3f%n", PassBenchmark.median(seconds), passes, forward, backward);
      ChainLayerTimes layers = ChainLayerTimes.measure(chain, blocks.first(), Loss.CROSS_ENTROPY_LABELS, LAYER_REPEATS,
          LAYER_BUDGET_NANOS);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("name", "adjoint");
      r.put("rows", s.rows);
      r.put("layers", s.layers());
      r.put("activation", activation.cliName());
      r.put("seconds_per_pass", PassBenchmark.median(seconds));
      r.put("gflops", s.flopsPerPass() / PassBenchmark.median(seconds) / 1e9);
      r.put("seconds", seconds);
      r.put("partitions", partitions);
      r.put("block_rows", blockRows);
      r.put("forward_task_seconds", forward);
      r.put("backward_task_seconds", backward);
      r.put("per_block", layers.toMap());
      r.put("blas", BlasInfo.current().describe());
      return r;
    } finally {
      blocks.unpersist(true);
    }
  }

  /** The chain's layers: W_l of variance 1/w_l, b_l uniform on (−1, 1), seeded. */
  private static LayerChain chain(Shape s, Activation activation) {
    SplittableRandom rng = new SplittableRandom(17);
    List<WeightsAndBias> layers = new ArrayList<>();
    for (int l = 0; l + 1 < s.widths.length; l++) {
      layers.add(SyntheticBlocks.uniform(rng, s.widths[l], s.widths[l + 1]));
    }
    return new LayerChain(layers, activation);
  }
}
