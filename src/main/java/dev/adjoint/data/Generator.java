package dev.adjoint.data;

import dev.adjoint.kernel.WeightsAndBias;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/**
 * Writes a synthetic dataset: X with N(0, 1) entries; optionally targets T = X·W* + b* + σ·N(0, 1) from a
 * seeded "teacher" (W*, b*); optionally an id; plus W.npy and b.npy to start from (W ~ N(0, 1/d), b = 0).
 *
 * <p>Row i's values come from a generator seeded by (seed, i) alone, and the teacher's products are plain
 * loops in a fixed order, so the dataset is the same, bit for bit, whatever the number of files.
 */
public final class Generator {
  private Generator() {}

  /** Names the generator writes in its folder; the only ones --overwrite removes. */
  public static final List<String> OWN_NAMES = List.of("data", "W.npy", "b.npy", "W_true.npy", "b_true.npy");

  /** How the features are laid out in the Parquet files. */
  public enum Layout {
    /** one column {@code features} of array&lt;double&gt; (or array&lt;float&gt;) */
    ARRAY,
    /** one column {@code features} holding an MLlib dense Vector (float64 only) */
    VECTOR,
    /** flat number columns: features {@code x0 … x(d-1)}, targets {@code t0 … t(m-1)} */
    COLUMNS;

    /** Tables of at most this many feature and target columns are written flat by default. */
    public static final int MAX_FLAT_COLUMNS = 100;

    /**
     * The layout {@code generate} and {@code convert} write by default: the one that read fastest through
     * Adjoint here (docs/read-path.md): flat columns for d + m ≤ {@value #MAX_FLAT_COLUMNS} (measured at
     * 64 + 16: 1.4× faster than arrays), arrays above (measured at 512 + 256: 1.25–1.75× faster than flat).
     */
    public static Layout fastest(int d, int m) {
        return d + m <= MAX_FLAT_COLUMNS ? COLUMNS : ARRAY;
    }

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** The features' column of the array and vector layouts. */
  public static final String FEATURES = "features";
  /** The targets' column of the array and vector layouts. */
  public static final String TARGETS = "targets";
  /** Prefix of the feature columns of the {@link Layout#COLUMNS} layout: x0, x1, … */
  public static final String FEATURE_PREFIX = "x";
  /** Prefix of the target columns of the {@link Layout#COLUMNS} layout: t0, t1, … */
  public static final String TARGET_PREFIX = "t";

  /** What to generate, and how to store it. {@code outDim} m is the width of W (and of the targets). */
  public record Spec(long rows, int dim, int outDim, long seed, boolean float32, Layout layout, int files,
      boolean targets, boolean ids, double noise, Storage storage) implements Serializable {
    /** As stored by default ({@link Storage#DEFAULT}). */
    public Spec(long rows, int dim, int outDim, long seed, boolean float32, Layout layout, int files, boolean targets,
        boolean ids, double noise) {
      this(rows, dim, outDim, seed, float32, layout, files, targets, ids, noise, Storage.DEFAULT);
    }
  }

  /** Writes {@code spec} into {@code out}: data/ (Parquet), W.npy, b.npy and, with targets, the teacher. */
  public static void write(SparkSession spark, Spec spec, OutputDir out) throws IOException {
    if (spec.layout() == Layout.VECTOR && spec.float32()) {
      throw new InputException("an MLlib Vector holds float64: use --dtype float64 with --layout vector");
    }
    out.clearOwnResults();
    WeightsAndBias teacher = teacher(spec);
    JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    List<Integer> files = new ArrayList<>();
    for (int f = 0; f < spec.files(); f++) {
      files.add(f);
    }
    jsc.setJobDescription("adjoint generate: " + spec.rows() + " rows in " + spec.files() + " files");
    JavaRDD<Integer> fileIndices = jsc.parallelize(files, spec.files());
    // every layout from a bean of primitive arrays (encoded without boxing each value), then one projection
    JavaRDD<ArrayRow> beans = fileIndices.mapPartitions(it -> beansOfFile(spec, teacher, it.next()));
    Dataset<ArrayRow> ds = spark.createDataset(beans.rdd(), Encoders.bean(ArrayRow.class));
    spec.storage().apply(ds.select(columns(spec).toArray(new Column[0])).write()).parquet(out.resolve("data"));
    WeightsAndBias start = WeightFiles.random(spec.dim(), spec.outDim(), spec.seed() + 1);
    out.writeAtomically("W.npy", s -> Npy.write(s, new int[] {spec.dim(), spec.outDim()}, start.weights));
    out.writeAtomically("b.npy", s -> Npy.write(s, new int[] {spec.outDim()}, start.bias));
    if (spec.targets()) {
      out.writeAtomically("W_true.npy", s -> Npy.write(s, new int[] {spec.dim(), spec.outDim()}, teacher.weights));
      out.writeAtomically("b_true.npy", s -> Npy.write(s, new int[] {spec.outDim()}, teacher.bias));
    }
  }

  /** The teacher (W*, b*) that makes the targets: N(0, 1/d) and N(0, 1), seeded. */
  static WeightsAndBias teacher(Spec spec) {
    SplittableRandom rng = new SplittableRandom(spec.seed() ^ 0x7eac4e5L);
    double[] w = new double[spec.dim() * spec.outDim()];
    for (int k = 0; k < w.length; k++) {
      w[k] = rng.nextGaussian() / Math.sqrt(spec.dim());
    }
    double[] b = new double[spec.outDim()];
    for (int j = 0; j < b.length; j++) {
      b[j] = rng.nextGaussian();
    }
    return new WeightsAndBias(spec.dim(), spec.outDim(), w, b);
  }

  /**
   * The stored columns, from the bean's float64 arrays (already rounded to float32 values when
   * {@code float32}, so the cast is exact): id, then the features and targets in the layout's form.
   */
  static List<Column> columns(Spec spec) {
    DataType number = spec.float32() ? DataTypes.FloatType : DataTypes.DoubleType;
    Column x = functions.col("features");
    Column t = functions.col("targets");
    List<Column> cols = new ArrayList<>();
    if (spec.ids()) {
      cols.add(functions.col("id"));
    }
    switch (spec.layout()) {
      case ARRAY -> cols.add(x.cast(DataTypes.createArrayType(number)).as(FEATURES));
      case VECTOR -> cols.add(org.apache.spark.ml.functions.array_to_vector(x).as(FEATURES));
      case COLUMNS -> {
        for (int k = 0; k < spec.dim(); k++) {
          cols.add(x.getItem(k).cast(number).as(FEATURE_PREFIX + k));
        }
      }
    }
    if (spec.targets() && spec.layout() == Layout.COLUMNS) {
      for (int j = 0; j < spec.outDim(); j++) {
        cols.add(t.getItem(j).cast(number).as(TARGET_PREFIX + j));
      }
    } else if (spec.targets()) {
      cols.add(t.cast(DataTypes.createArrayType(number)).as(TARGETS));
    }
    return cols;
  }

  /** A generated row for the array layout in float64, as a Java bean. */
  public static final class ArrayRow implements Serializable {
    private static final long serialVersionUID = 1L;
    private long id;
    private double[] features;
    private double[] targets;

    public long getId() {
      return id;
    }

    public void setId(long id) {
      this.id = id;
    }

    public double[] getFeatures() {
      return features;
    }

    public void setFeatures(double[] features) {
      this.features = features;
    }

    public double[] getTargets() {
      return targets;
    }

    public void setTargets(double[] targets) {
      this.targets = targets;
    }
  }

  private static Iterator<ArrayRow> beansOfFile(Spec spec, WeightsAndBias teacher, int file) {
    return rowsOfFile(spec, file, i -> {
      ArrayRow r = new ArrayRow();
      r.id = i;
      r.features = features(spec, i);
      r.targets = spec.targets() ? targets(spec, teacher, r.features, i) : new double[0];
      return r;
    });
  }

  /** Row i's features: N(0, 1) from a generator seeded by (seed, i) alone. */
  static double[] features(Spec spec, long i) {
    SplittableRandom rng = new SplittableRandom(mix(spec.seed(), i));
    double[] x = new double[spec.dim()];
    for (int k = 0; k < x.length; k++) {
      x[k] = spec.float32() ? (float) rng.nextGaussian() : rng.nextGaussian();
    }
    return x;
  }

  /** Row i's targets x·W* + b* + σ·N(0, 1), the noise from a second generator seeded by (seed, i). */
  static double[] targets(Spec spec, WeightsAndBias teacher, double[] x, long i) {
    int d = spec.dim();
    int m = spec.outDim();
    SplittableRandom rng = new SplittableRandom(mix(spec.seed() ^ 0x5a5a5a5aL, i));
    double[] t = new double[m];
    for (int j = 0; j < m; j++) {
      t[j] = teacher.bias[j];
    }
    for (int k = 0; k < d; k++) {
      double xk = x[k];
      int row = k * m;
      for (int j = 0; j < m; j++) {
        t[j] += xk * teacher.weights[row + j];
      }
    }
    for (int j = 0; j < m; j++) {
      t[j] += spec.noise() * rng.nextGaussian();
      if (spec.float32()) {
        t[j] = (float) t[j];
      }
    }
    return t;
  }

  /** Rows [f·n/F, (f+1)·n/F) of file f, each made by {@code make} from its index. */
  private static <T> Iterator<T> rowsOfFile(Spec spec, int file, java.util.function.LongFunction<T> make) {
    long start = spec.rows() * file / spec.files();
    long end = spec.rows() * (file + 1) / spec.files();
    return new Iterator<>() {
      private long i = start;

      @Override
      public boolean hasNext() {
        return i < end;
      }

      @Override
      public T next() {
        return make.apply(i++);
      }
    };
  }

  /** A 64-bit mix of (seed, i) (SplitMix64's finaliser): independent streams per row. */
  static long mix(long seed, long i) {
    long z = seed * 0x9E3779B97F4A7C15L + i * 0xD1B54A32D192ED03L;
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }
}
