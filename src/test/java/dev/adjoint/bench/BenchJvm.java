package dev.adjoint.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.BiFunction;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;

/** What the in-JVM benchmarks' mains share: one Spark session for every shape, the results as JSON. */
final class BenchJvm {
  private BenchJvm() {}

  /**
   * Runs {@code bench} on each shape in one Spark session (master: the {@code spark.master} property, else
   * local[*]), stops it, and writes every result to {@code json} when not null.
   */
  static <S> void run(String appName, List<S> shapes, BiFunction<JavaSparkContext, S, List<Map<String, Object>>> bench,
      String json) throws IOException {
    SparkSession spark = SparkSession.builder().master(System.getProperty("spark.master", "local[*]"))
        .appName(appName).config("spark.ui.enabled", "false").getOrCreate();
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Map<String, Object>> results = new ArrayList<>();
    try {
      for (S shape : shapes) {
        results.addAll(bench.apply(jsc, shape));
      }
    } finally {
      spark.stop();
    }
    if (json != null) {
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(new File(json), results);
    }
  }
}
