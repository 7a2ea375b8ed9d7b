package dev.adjoint.job;

import dev.adjoint.data.Npy;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Test helper: .npy files on the local disk. */
public final class NpyFiles {
  private NpyFiles() {}

  public static String write(Path path, int[] shape, double[] values) throws IOException {
    try (OutputStream out = Files.newOutputStream(path)) {
      Npy.write(out, shape, values);
    }
    return path.toString();
  }

  public static Npy.Array read(Path path) throws IOException {
    try (InputStream in = Files.newInputStream(path)) {
      return Npy.read(in, path.toString());
    }
  }
}
