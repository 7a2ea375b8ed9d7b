package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestSpark;
import dev.adjoint.job.NpyFiles;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class GeneratorTest {
  private final SparkSession spark = TestSpark.get();

  @TempDir
  Path dir;

  private Dataset<Row> generate(String name, Generator.Layout layout, boolean float32, int files, double noise)
      throws Exception {
    Generator.Spec spec = new Generator.Spec(1000, 5, 2, 42, float32, layout, files, true, true, noise);
    OutputDir out = OutputDir.prepare(spark.sparkContext().hadoopConfiguration(), dir.resolve(name).toString(), false,
        Generator.OWN_NAMES);
    Generator.write(spark, spec, out);
    return spark.read().parquet(dir.resolve(name).resolve("data").toString());
  }

  @Test
  void theSameSeedGivesTheSameRowsWhateverTheNumberOfFiles() throws Exception {
    for (Generator.Layout layout : Generator.Layout.values()) {
      Dataset<Row> one = generate(layout + "1", layout, false, 1, 0.1);
      Dataset<Row> seven = generate(layout + "7", layout, false, 7, 0.1);
      assertEquals(1000, one.count());
      assertEquals(7, seven.inputFiles().length, "one file per partition");
      assertEquals(0, one.exceptAll(seven).count(), layout + ": same rows");
      assertEquals(0, seven.exceptAll(one).count(), layout + ": same rows");
    }
    assertArrayEquals(NpyFiles.read(dir.resolve("ARRAY1/W.npy")).data(), NpyFiles.read(dir.resolve("ARRAY7/W.npy")).data(),
        0.0);
  }

  @Test
  void targetsComeFromTheTeacher() throws Exception {
    // without noise, T = X·W* + b* exactly as the generator computes it: check against the files
    List<Row> rows = generate("teacher", Generator.Layout.ARRAY, false, 2, 0.0).orderBy("id").collectAsList();
    double[] w = NpyFiles.read(dir.resolve("teacher/W_true.npy")).data();
    double[] b = NpyFiles.read(dir.resolve("teacher/b_true.npy")).data();
    for (Row r : rows.subList(0, 50)) {
      List<Double> x = r.getList(1);
      List<Double> t = r.getList(2);
      for (int j = 0; j < 2; j++) {
        double y = b[j];
        for (int k = 0; k < 5; k++) {
          y += x.get(k) * w[k * 2 + j];
        }
        // the same loop order as the generator's: equal to the last bit
        assertEquals(y, t.get(j), 0.0);
      }
    }
  }

  @Test
  void float32AndColumnsLayoutsHaveTheirTypes() throws Exception {
    Dataset<Row> f32 = generate("f32", Generator.Layout.ARRAY, true, 2, 0.1);
    assertTrue(f32.schema().apply("features").dataType().simpleString().equals("array<float>"), f32.schema().toString());
    Dataset<Row> cols = generate("cols", Generator.Layout.COLUMNS, false, 2, 0.1);
    assertTrue(List.of(cols.columns()).containsAll(List.of("x0", "x4", "t0", "t1")), List.of(cols.columns()).toString());
    assertThrows(InputException.class, () -> generate("vec32", Generator.Layout.VECTOR, true, 1, 0.1));
  }
}
