package dev.adjoint.run;

import static dev.adjoint.kernel.Close.assertClose;
import static dev.adjoint.kernel.Close.random;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.data.TableSpec;
import dev.adjoint.data.TestTables;
import dev.adjoint.data.TestTables.Layout;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.CachePolicy;
import dev.adjoint.job.NpyFiles;
import dev.adjoint.kernel.Gradients;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.kernel.Reference;
import dev.adjoint.kernel.WeightsAndBias;
import java.util.List;
import java.nio.file.Path;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The whole run, from real files in every layout to finished gradients, vs the single-node reference. */
class RunStepsTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  static RunOptions options(TableSpec spec, String w, String b, Loss loss, Reduction reduction, int partitions,
      int blockRows) {
    return new RunOptions(spec, w, b, 1, 0, loss, reduction, partitions, 2, blockRows, 4 << 20, null, false, false, 0, Precision.FLOAT64, CachePolicy.AUTO, Aggregation.FIXED, false, null, null);
  }

  @ParameterizedTest
  @EnumSource(Layout.class)
  void everyLayoutLossReductionPartitioningAndBlockSize(Layout layout) throws Exception {
    Random rng = new Random(layout.ordinal());
    int n = 5;  // fewer rows than partitions below: empty partitions
    int d = 3;
    int m = 2;
    double[] x = random(rng, n * d);
    for (int k = 0; k < x.length; k += 3) {
      x[k] = 0;  // some zeros, so sparse vectors are really sparse
    }
    if (layout == Layout.ARRAY_FLOAT) {
      for (int k = 0; k < x.length; k++) {
        x[k] = (float) x[k];  // the reference sees exactly what float32 storage keeps
      }
    }
    double[] t = random(rng, n * m);
    WeightsAndBias p = new WeightsAndBias(d, m, random(rng, d * m), random(rng, m));
    TableSpec spec = TestTables.write(spark, dir, layout, x, t, n, d, m);
    String w = NpyFiles.write(dir.resolve("W.npy"), new int[] {d, m}, p.weights);
    String b = NpyFiles.write(dir.resolve("b.npy"), new int[] {m}, p.bias);

    double[] y = Reference.forward(x, n, d, p.weights, m, p.bias);
    // The full grid on one layout; the others read the same way once decoded, so a corner of it.
    boolean full = layout == Layout.ARRAY_DOUBLE;
    int[] partitionCounts = full ? new int[] {1, 2, 4, 7} : new int[] {1, 7};
    int[] blockSizes = full ? new int[] {1, 3, 1000} : new int[] {3};
    int runs = 0;
    for (Loss loss : List.of(Loss.SUM, Loss.SQUARED)) {
      double[] g = Reference.grad(loss, y, t);
      for (Reduction reduction : Reduction.values()) {
        double s = reduction == Reduction.MEAN ? 1.0 / n : 1.0;
        for (int partitions : partitionCounts) {
          for (int blockRows : blockSizes) {
            RunResult r = RunSteps.run(spark, options(spec, w, b, loss, reduction, partitions, blockRows));
            Gradients got = r.gradients();
            String what = layout + " " + loss + " " + reduction + " partitions=" + partitions + " blockRows=" + blockRows;
            assertEquals(n, got.rows(), what);
            assertEquals(partitions, r.partitions(), what);
            assertClose(scaled(Reference.dW(x, n, d, g, m), s), got.dW(), "dW " + what);
            assertClose(scaled(Reference.db(g, n, m), s), got.db(), "db " + what);
            assertClose(Reference.loss(loss, y, t) * s, got.loss(), "L " + what);
            runs++;
          }
        }
      }
    }
    assertEquals(2 * 2 * partitionCounts.length * blockSizes.length, runs);
  }

  static double[] scaled(double[] a, double s) {
    double[] r = a.clone();
    for (int k = 0; k < r.length; k++) {
      r[k] *= s;
    }
    return r;
  }

  /**
   * What the checks bring to the driver does not grow with n: the probes' sums and the sampled blocks are
   * the same size at n and at 10·n (same d, m and block size), and every check passes at both.
   */
  @org.junit.jupiter.api.Test
  void theChecksTrafficToTheDriverDoesNotGrowWithN() throws Exception {
    int d = 6;
    int m = 3;
    long[] bytes = new long[2];
    int[] sizes = {2_000, 20_000};
    for (int q = 0; q < 2; q++) {
      Random rng = new Random(q);
      int n = sizes[q];
      Path sub = java.nio.file.Files.createDirectories(dir.resolve("n" + n));
      TableSpec spec = TestTables.write(spark, sub, Layout.ARRAY_DOUBLE, random(rng, n * d), random(rng, n * m), n, d, m);
      WeightsAndBias p = new WeightsAndBias(d, m, random(rng, d * m), random(rng, m));
      String w = NpyFiles.write(sub.resolve("W.npy"), new int[] {d, m}, p.weights);
      String b = NpyFiles.write(sub.resolve("b.npy"), new int[] {m}, p.bias);
      RunOptions o = options(spec, w, b, Loss.SQUARED, Reduction.SUM, 3, 100);
      RunOptions verified = new RunOptions(o.input(), o.weightsPath(), o.biasPath(), o.initSeed(), o.outDim(), o.loss(),
          o.reduction(), o.partitions(), o.treeDepth(), o.blockRows(), o.blockBytes(), o.output(), o.overwrite(),
          o.writeActivations(), o.showRows(), o.precision(), o.cache(), o.aggregation(), o.skipInvalid(),
          dev.adjoint.verify.VerifyOptions.defaults(dev.adjoint.verify.VerifyOptions.ALL), null);
      RunResult r = RunSteps.run(spark, verified);
      assertTrue(r.verified(), r.checks().toString());
      assertEquals("none", r.cacheLevel(), "the default checks ride on the gradient pass: nothing cached");
      bytes[q] = r.verificationCost().driverBytes();
      assertTrue(r.verificationCost().sampleBytes() > 0, "two sampled blocks reached the driver");
    }
    assertEquals(bytes[0], bytes[1], "bytes to the driver at n = 2000 and n = 20000");
  }
}
