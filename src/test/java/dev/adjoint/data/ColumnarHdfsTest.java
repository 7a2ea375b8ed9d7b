package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.adjoint.TestHdfs;
import dev.adjoint.TestSpark;
import dev.adjoint.kernel.Block;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The columnar path reads from a real HDFS (MiniDFSCluster) and gives the row path's blocks there too. */
class ColumnarHdfsTest {
  private static TestHdfs cluster;
  private static String hdfs;

  @TempDir
  static Path tmp;

  @BeforeAll
  static void startHdfs() throws Exception {
    cluster = TestHdfs.start(tmp);
    hdfs = cluster.uri();
  }

  @AfterAll
  static void stopHdfs() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void arraysAndFlatColumnsOnHdfsReadColumnarWithTheRowPathsBlocks() throws Exception {
    SparkSession spark = TestSpark.get();
    int n = 2000;
    int d = 6;
    int m = 3;
    Random r = new Random(11);
    double[] x = r.doubles(n * d).toArray();
    double[] t = r.doubles(n * m).toArray();
    for (TestTables.Layout layout : List.of(TestTables.Layout.ARRAY_DOUBLE, TestTables.Layout.COLUMNS)) {
      TableSpec local = TestTables.write(spark, tmp.resolve("local"), layout, x, t, n, d, m);
      String remote = hdfs + "/adjoint/" + layout.name().toLowerCase() + ".parquet";
      spark.read().parquet(local.path()).repartition(2).write().parquet(remote);
      Table table = Table.open(spark, new TableSpec(remote, TableSpec.Format.PARQUET, local.features(),
          local.targets(), null), false);
      assertEquals(BlockReader.COLUMNAR, BlockReader.readPath(table), layout.name());
      List<List<Block>> rows = BlockReader.of(table, 333, true, false).glom().collect();
      List<List<Block>> columnar = BlockReader.of(table, 333).glom().collect();
      assertEquals(rows.size(), columnar.size(), layout.name());
      int blocks = 0;
      for (int p = 0; p < rows.size(); p++) {
        assertEquals(rows.get(p).size(), columnar.get(p).size(), layout.name() + " partition " + p);
        for (int b = 0; b < rows.get(p).size(); b++) {
          Block a = rows.get(p).get(b);
          Block c = columnar.get(p).get(b);
          assertEquals(a.rows, c.rows);
          assertTrue(java.util.Arrays.equals(a.x, c.x) && java.util.Arrays.equals(a.targets, c.targets),
              layout.name() + " partition " + p + " block " + b);
          blocks++;
        }
      }
      assertTrue(blocks >= 6, layout.name() + ": " + blocks + " blocks");
    }
  }
}
