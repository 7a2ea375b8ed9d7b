package dev.adjoint.data;

import dev.adjoint.kernel.Activation;
import dev.adjoint.kernel.LayerChain;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.WeightsAndBias;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.Random;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/** W and b: from .npy files on any Hadoop file system, or a seeded random initialisation. */
public final class WeightFiles {
  private WeightFiles() {}

  /** Reads one .npy file from a local path or any Hadoop URI (hdfs://, file://). */
  public static Npy.Array readNpy(Configuration conf, String path) {
    Path p = new Path(path);
    try {
      FileSystem fs = p.getFileSystem(conf);
      try (InputStream in = fs.open(p)) {
        return Npy.read(in, path);
      }
    } catch (FileNotFoundException e) {
      throw new InputException(path + ": no such file");
    } catch (IOException e) {
      throw new InputException(path + ": cannot read: " + e.getMessage(), e);
    }
  }

  /** W [d×m] from {@code wPath} and b [m] from {@code bPath} (zeros when null); shapes checked together. */
  public static WeightsAndBias load(Configuration conf, String wPath, String bPath) {
    Npy.Array w = readNpy(conf, wPath);
    if (w.shape().length != 2) {
      throw new InputException(wPath + ": W has shape " + w.shapeString() + "; expected a matrix (d, m)");
    }
    int d = w.rows();
    int m = w.cols();
    if (d < 1 || m < 1) {
      throw new InputException(wPath + ": W has shape " + w.shapeString() + "; expected at least one row and column");
    }
    requireFinite(w.data(), wPath, "W", m);
    double[] b = new double[m];
    if (bPath != null) {
      Npy.Array bias = readNpy(conf, bPath);
      boolean vectorLike = bias.shape().length == 1 || (bias.shape().length == 2 && bias.rows() == 1);
      if (!vectorLike || bias.data().length != m) {
        throw new InputException(bPath + ": b has shape " + bias.shapeString() + " but W is (" + d + ", " + m
            + "): expected (" + m + ",)");
      }
      b = bias.data();
      requireFinite(b, bPath, "b", m);
    }
    return new WeightsAndBias(d, m, w.data(), b);
  }

  private static void requireFinite(double[] values, String path, String name, int cols) {
    for (int k = 0; k < values.length; k++) {
      if (!Double.isFinite(values[k])) {
        String at = name.equals("W") ? "[" + (k / cols) + ", " + (k % cols) + "]" : "[" + k + "]";
        throw new InputException(path + ": " + name + at + " is " + values[k] + "; expected a finite number");
      }
    }
  }

  /** Requires W's rows to match the d features of X's rows. */
  public static void requireInputDim(WeightsAndBias p, int d, String wPath) {
    if (p.inputDim != d) {
      throw new InputException(wPath + ": W has shape (" + p.inputDim + ", " + p.outputDim + ") but X rows have " + d
          + " features: expected (" + d + ", " + p.outputDim + ")");
    }
  }

  /** W [d×m] with entries N(0, 1/d) (variance-preserving), b = 0; deterministic for {@code seed}. */
  public static WeightsAndBias random(int d, int m, long seed) {
    Random rng = new Random(seed);
    double[] w = new double[d * m];
    double sd = 1.0 / Math.sqrt(d);
    for (int k = 0; k < w.length; k++) {
      w[k] = rng.nextGaussian() * sd;
    }
    return new WeightsAndBias(d, m, w, new double[m]);
  }

  /** Called with W's shape (d, m) once it is known, before a random W is allocated (the memory check). */
  @FunctionalInterface
  public interface ShapeCheck {
    void require(int d, int m);
  }

  /**
   * W and b for the rows of {@code table}: from {@code wPath} and {@code bPath} when a W file is given
   * (its rows must match X's features), else a random W of width {@code outDim}, or of the targets' width
   * when {@code outDim} ≤ 0 and the table has targets, with b = 0. {@code check} sees the shape first.
   * Targets, when the table has them, must be as wide as {@code loss} reads them for m outputs (m, or one
   * class label). Every mistake is an {@link InputException} naming it.
   */
  public static WeightsAndBias forTable(Configuration conf, String wPath, String bPath, TableSpec spec, Table table,
      int outDim, long seed, Loss loss, ShapeCheck check) {
    WeightsAndBias p;
    if (wPath != null) {
      p = load(conf, wPath, bPath);
      check.require(p.inputDim, p.outputDim);
      requireInputDim(p, table.features, wPath);
    } else {
      if (bPath != null) {
        throw new InputException("--bias " + bPath + " given without --weights: give both, or neither for a random W");
      }
      int m = outDim > 0 ? outDim : table.hasTargets && !loss.classLabels() ? table.targets : 0;
      if (m <= 0) {
        throw new InputException("no --weights given: pass --weights W.npy, or --out-dim M for a random W of shape ("
            + table.features + ", M)" + (loss.classLabels() ? " (M: the number of classes)" : ""));
      }
      check.require(table.features, m);
      p = random(table.features, m, seed);
    }
    requireTargetWidth(spec, table, p, loss);
    return p;
  }

  /**
   * A chain for the rows of {@code table}: W_l from {@code wPaths} (b_l from {@code bPaths}, zeros when empty),
   * or from one .npz holding W0…, b0… as numpy.savez writes them, or random layers of {@code widths}
   * (d, h₁, …, m; layer l drawn as {@link #random} with seed + l). Shapes that do not connect, X's features
   * against W_0's rows and the targets against m are each an {@link InputException} naming both sides.
   */
  public static LayerChain chainForTable(Configuration conf, List<String> wPaths, List<String> bPaths, int[] widths,
      TableSpec spec, Table table, Activation activation, long seed, Loss loss, ShapeCheck check) {
    List<WeightsAndBias> layers = new ArrayList<>();
    if (wPaths.size() == 1 && wPaths.get(0).endsWith(".npz")) {
      if (!bPaths.isEmpty()) {
        throw new InputException("--bias with an .npz: its b0, b1, … are read from " + wPaths.get(0));
      }
      layers = fromNpz(conf, wPaths.get(0));
    } else if (!wPaths.isEmpty()) {
      if (!bPaths.isEmpty() && bPaths.size() != wPaths.size()) {
        throw new InputException("--weights names " + wPaths.size() + " W files but --bias names " + bPaths.size()
            + " b files: give one b per W, or none (zeros)");
      }
      for (int l = 0; l < wPaths.size(); l++) {
        layers.add(load(conf, wPaths.get(l), bPaths.isEmpty() ? null : bPaths.get(l)));
      }
    } else {
      if (widths[0] != table.features) {
        throw new InputException("--layers starts with d = " + widths[0] + " but X rows have " + table.features
            + " features: the first width must be " + table.features);
      }
      for (int l = 0; l + 1 < widths.length; l++) {
        check.require(widths[l], widths[l + 1]);
        layers.add(random(widths[l], widths[l + 1], seed + l));
      }
    }
    LayerChain chain;
    try {
      chain = new LayerChain(layers, activation);
    } catch (IllegalArgumentException e) {
      throw new InputException(e.getMessage(), e);
    }
    WeightsAndBias first = chain.layer(0);
    requireInputDim(first, table.features, wPaths.isEmpty() ? "--layers" : wPaths.get(0) + " (layer 0)");
    WeightsAndBias last = chain.layer(chain.depth() - 1);
    requireTargetWidth(spec, table, last, loss);
    return chain;
  }

  /** W0, W1, … and b0, b1, … (b_l optional: zeros) from an .npz archive, as numpy.savez writes it. */
  static List<WeightsAndBias> fromNpz(Configuration conf, String path) {
    Map<String, Npy.Array> arrays = new TreeMap<>();
    Path p = new Path(path);
    try (ZipInputStream zip = new ZipInputStream(p.getFileSystem(conf).open(p))) {
      for (ZipEntry e = zip.getNextEntry(); e != null; e = zip.getNextEntry()) {
        String name = e.getName().endsWith(".npy") ? e.getName().substring(0, e.getName().length() - 4) : e.getName();
        arrays.put(name, Npy.read(zip, path + ":" + e.getName()));
      }
    } catch (FileNotFoundException e) {
      throw new InputException(path + ": no such file");
    } catch (IOException e) {
      throw new InputException(path + ": cannot read as an .npz archive of W0.npy, b0.npy, …: " + e.getMessage(), e);
    }
    List<WeightsAndBias> layers = new ArrayList<>();
    for (int l = 0; arrays.containsKey("W" + l); l++) {
      Npy.Array w = arrays.remove("W" + l);
      if (w.shape().length != 2) {
        throw new InputException(path + ": W" + l + " has shape " + w.shapeString() + "; expected a matrix");
      }
      Npy.Array b = arrays.remove("b" + l);
      double[] bias = b == null ? new double[w.cols()] : b.data();
      if (bias.length != w.cols()) {
        throw new InputException(path + ": b" + l + " has shape " + b.shapeString() + " but W" + l + " is "
            + w.shapeString() + ": expected (" + w.cols() + ",)");
      }
      requireFinite(w.data(), path + ":W" + l, "W", w.cols());
      requireFinite(bias, path + ":b" + l, "b", w.cols());
      layers.add(new WeightsAndBias(w.rows(), w.cols(), w.data(), bias));
    }
    if (layers.isEmpty() || !arrays.isEmpty()) {
      throw new InputException(path + ": expected arrays W0, W1, … (and b0, b1, …) only, found "
          + (layers.isEmpty() ? "no W0" : "also " + arrays.keySet()));
    }
    return layers;
  }

  /** Targets, when the table has them, must be as wide as W's m (one value per row: class labels). */
  public static void requireTargetWidth(TableSpec spec, Table table, WeightsAndBias p, Loss loss) {
    if (table.hasTargets && loss.classLabels() && table.targets != 1) {
      throw new InputException(spec.path() + ": the labels (" + spec.targets().describe() + ") have width "
          + table.targets + ": expected one class index per row");
    }
    if (table.hasTargets && !loss.classLabels() && table.targets != p.outputDim) {
      throw new InputException(spec.path() + ": targets (" + spec.targets().describe() + ") have width "
          + table.targets + " but W is (" + p.inputDim + ", " + p.outputDim + "): expected " + p.outputDim
          + " target columns");
    }
  }
}
