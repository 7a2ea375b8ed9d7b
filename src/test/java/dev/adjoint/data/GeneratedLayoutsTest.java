package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.job.Aggregation;
import dev.adjoint.job.LayerPasses;
import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.GradientPartial;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What {@code generate} writes, in every layout, dtype and codec: the files are what the options claim
 * (codec and row-group size read back from the Parquet footers), the columnar path reads every one
 * (MLlib Vectors included), and it gives the row path's blocks and the same dW and db bits through the
 * job's fixed tree.
 */
class GeneratedLayoutsTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  private static final long ROWS = 5000;
  private static final int D = 6;
  private static final int M = 3;

  private String generate(String name, Generator.Layout layout, boolean float32, Storage storage, int files)
      throws Exception {
    Generator.Spec spec = new Generator.Spec(ROWS, D, M, 7, float32, layout, files, true, false, 0.1, storage);
    OutputDir out = OutputDir.prepare(spark.sparkContext().hadoopConfiguration(), dir.resolve(name).toString(), false,
        Generator.OWN_NAMES);
    Generator.write(spark, spec, out);
    return dir.resolve(name).resolve("data").toString();
  }

  /** The default names find every layout generate writes (features/targets, or x0…/t0…). */
  private Table open(String path) {
    return Table.open(spark, new TableSpec(path, TableSpec.Format.PARQUET, new ColumnSource.Single(Generator.FEATURES),
        new ColumnSource.Single(Generator.TARGETS), null), false);
  }

  private GradientPartial dW(JavaRDD<Block> blocks, WeightsAndBias p) {
    try (LayerPasses job = new LayerPasses(JavaSparkContext.fromSparkContext(spark.sparkContext()), p, Loss.SQUARED)) {
      return job.gradientSum(blocks, 2, Aggregation.FIXED, true).gradient();
    }
  }

  static void assertSameBits(double[] a, double[] b, String what) {
    assertEquals(a.length, b.length, what + ": length");
    for (int k = 0; k < a.length; k++) {
      if (Double.doubleToRawLongBits(a[k]) != Double.doubleToRawLongBits(b[k])) {
        throw new AssertionError(what + "[" + k + "]: " + a[k] + " vs " + b[k]);
      }
    }
  }

  /** Same rows per partition and block, bit for bit, and the same dW and db bits, columnar against rows. */
  static void assertSameAsRowPath(SparkSession spark, Table table, int blockRows, WeightsAndBias p, String what,
      java.util.function.BiFunction<JavaRDD<Block>, WeightsAndBias, GradientPartial> gradient) {
    List<List<Block>> rows = BlockReader.of(table, blockRows, true, false).glom().collect();
    List<List<Block>> columnar = BlockReader.columnar(table, blockRows, false).glom().collect();
    assertEquals(rows.size(), columnar.size(), what + ": partitions");
    int blocks = 0;
    for (int q = 0; q < rows.size(); q++) {
      assertEquals(rows.get(q).size(), columnar.get(q).size(), what + ": blocks of partition " + q);
      for (int b = 0; b < rows.get(q).size(); b++) {
        assertSameBits(rows.get(q).get(b).x, columnar.get(q).get(b).x, what + " X, partition " + q + " block " + b);
        assertSameBits(rows.get(q).get(b).targets, columnar.get(q).get(b).targets, what + " T, partition " + q);
        blocks++;
      }
    }
    assertTrue(blocks > 0, what + ": no blocks");
    GradientPartial byRows = gradient.apply(BlockReader.of(table, blockRows, true, false), p);
    GradientPartial byColumns = gradient.apply(BlockReader.columnar(table, blockRows, false), p);
    assertEquals(ROWS, byColumns.rowCount(), what);
    assertSameBits(byRows.dWSum, byColumns.dWSum, what + ": dW");
    assertSameBits(byRows.dbSum, byColumns.dbSum, what + ": db");
  }

  @Test
  void everyLayoutDtypeAndCodecReadsColumnarToTheRowPathsBlocksAndDwBits() throws Exception {
    WeightsAndBias p = WeightFiles.random(D, M, 3);
    int compared = 0;
    for (Generator.Layout layout : Generator.Layout.values()) {
      for (boolean float32 : new boolean[] {false, true}) {
        if (layout == Generator.Layout.VECTOR && float32) {
          continue;  // an MLlib Vector holds float64 (refused by generate, tested in GeneratorTest)
        }
        for (Storage.Codec codec : Storage.Codec.values()) {
          String name = layout.cliName() + (float32 ? "32" : "64") + codec.cliName();
          // 64 KB row groups: several per file, ending inside blocks
          String path = generate(name, layout, float32, new Storage(codec, 64 << 10), 3);
          Table table = open(path);
          assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), name);
          assertEquals(layout.cliName(), table.layout, name);
          assertEquals(D, table.features, name);
          assertEquals(M, table.targets, name);
          for (int blockRows : new int[] {1, 333, 4097}) {
            assertSameAsRowPath(spark, table, blockRows, p, name + " blockRows " + blockRows, this::dW);
            compared++;
          }
        }
      }
    }
    assertEquals(5 * 3 * 3, compared, "variants compared");
  }

  @Test
  void theFilesAreWhatTheOptionsClaim() throws Exception {
    var conf = spark.sparkContext().hadoopConfiguration();
    for (Storage.Codec codec : Storage.Codec.values()) {
      for (long groupBytes : new long[] {64 << 10, 256 << 10}) {
        String path = generate("claim-" + codec.cliName() + groupBytes, Generator.Layout.COLUMNS, false,
            new Storage(codec, groupBytes), 1);
        ParquetFooters f = ParquetFooters.of(conf, path);
        assertEquals(Set.of(codec.footerName), f.codecs(), codec + ": every column chunk");
        assertEquals(ROWS, f.rowGroupRows().stream().mapToLong(Long::longValue).sum());
        // 5000 rows × 9 doubles = 360 kB of values: the writer closes a row group once it holds about
        // groupBytes (it checks every 100 to 10,000 rows), so there are ≈ 360 kB / groupBytes of them
        long values = ROWS * (D + M) * 8;
        long expected = Math.max(1, values / groupBytes);
        int groups = f.rowGroupRows().size();
        assertTrue(groups >= expected && groups <= expected + 1, codec + " " + groupBytes + ": " + groups
            + " row groups, expected " + expected + " or one more; sizes " + f.rowGroupBytes());
        for (var schema : f.schemas()) {
          assertTrue(schema.containsField("x0") && schema.containsField("x5") && schema.containsField("t2"),
              schema.toString());
          assertFalse(schema.containsField("features"), schema.toString());
        }
      }
    }
    assertThrows(InputException.class, () -> new Storage(Storage.Codec.NONE, 1000));
  }
}
