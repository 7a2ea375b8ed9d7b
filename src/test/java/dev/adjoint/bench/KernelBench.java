package dev.adjoint.bench;

import dev.adjoint.data.BlockReader;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockKernel;
import dev.adjoint.kernel.Dense;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import dev.ludovic.netlib.blas.BLAS;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The layer's work on one block, as a Spark task does it, beside the plain GEMM of the same size.
 *
 * <p>{@link #layer}: forward Y = X·W + 1·bᵀ, squared loss G = Y − T, dW += Xᵀ·G, db += 1ᵀ·G and dX = G·Wᵀ
 * through {@link GradientPartial#add(Block, WeightsAndBias, Loss, BlockKernel, double[])}: three GEMMs of
 * 2·B·d·m flops each, plus O(B·m) for the bias, loss and column sums. {@link #gemm}: one product
 * [B×d]·[d×m] (2·B·d·m flops) in the same precision, the limit a GEMM-bound kernel can reach on one
 * thread. {@link KernelBenchmarks} turns the times into GFLOP/s and prints them side by side.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Fork(value = 1, jvmArgsAppend = {"-Xmx3g"})
@Warmup(iterations = 2, time = 1)
@Measurement(iterations = 3, time = 1)
public class KernelBench {
  /** Rows per block; 0 = the job's default for the shape ({@link BlockReader#rowsForBytes}). */
  @Param({"0"})
  public int rows;

  @Param({"64", "256", "512", "1024"})
  public int d;

  @Param({"64", "256", "512", "1024"})
  public int m;

  @Param({"float64", "float32"})
  public String precision;

  private Block block;
  private WeightsAndBias params;
  private BlockKernel kernel;
  private GradientPartial partial;
  private double[] dx;
  private double[] y64;
  private float[] x32;
  private float[] w32;
  private float[] y32;

  /** The rows a block of this shape holds: {@link #rows}, or the job's default. */
  public static int blockRows(int rows, int d, int m) {
    return rows > 0 ? rows : BlockReader.rowsForBytes(BlockReader.DEFAULT_BLOCK_BYTES, d, m);
  }

  @Setup
  public void setUp() {
    int n = blockRows(rows, d, m);
    Random random = new Random(7);
    double[] x = gaussian(random, n * d);
    double[] t = gaussian(random, n * m);
    block = Block.of(n, d, x, m, t);
    params = new WeightsAndBias(d, m, gaussian(random, d * m), gaussian(random, m));
    kernel = Precision.valueOf(precision.toUpperCase(java.util.Locale.ROOT)).kernel();
    partial = GradientPartial.empty(d, m);
    dx = new double[n * d];
    y64 = new double[n * m];
    x32 = Dense.toFloat(x, x.length);
    w32 = Dense.toFloat(params.weights, d * m);
    y32 = new float[n * m];
  }

  /** Forward and the whole backward of one block (three GEMMs). */
  @Benchmark
  public GradientPartial layer() {
    return partial.add(block, params, Loss.SQUARED, kernel, dx);
  }

  /** One GEMM [B×d]·[d×m], in the benchmark's precision. */
  @Benchmark
  public Object gemm() {
    int n = block.rows;
    if ("float32".equals(precision)) {
      // row-major Y = X·W as column-major Yᵀ = Wᵀ·Xᵀ (as Dense does)
      BLAS.getInstance().sgemm("N", "N", m, n, d, 1.0f, w32, m, x32, d, 0.0f, y32, m);
      return y32;
    }
    Dense.mult(block.x, n, d, params.weights, m, y64);
    return y64;
  }

  private static double[] gaussian(Random random, int len) {
    double[] a = new double[len];
    for (int i = 0; i < len; i++) {
      a[i] = random.nextGaussian();
    }
    return a;
  }
}
