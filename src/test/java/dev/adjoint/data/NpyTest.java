package dev.adjoint.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class NpyTest {
  /** A .npy v1 file with the given header dict and raw data bytes. */
  static byte[] npy(String dict, byte[] data) {
    String header = dict + " ".repeat(((64 - (10 + dict.length() + 1) % 64) % 64)) + "\n";
    ByteBuffer b = ByteBuffer.allocate(10 + header.length() + data.length).order(ByteOrder.LITTLE_ENDIAN);
    b.put(new byte[] {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) header.length());
    b.put(header.getBytes(StandardCharsets.ISO_8859_1)).put(data);
    return b.array();
  }

  static byte[] values(ByteOrder order, int width, double... v) {
    ByteBuffer b = ByteBuffer.allocate(v.length * width).order(order);
    for (double x : v) {
      if (width == 8) {
        b.putDouble(x);
      } else {
        b.putFloat((float) x);
      }
    }
    return b.array();
  }

  @Test
  void roundTripsFloat64() throws IOException {
    double[] v = {1, -2.5, Math.PI, 1e-300, -0.0, 7};
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Npy.write(out, new int[] {2, 3}, v);
    assertEquals(0, (out.size() - 6 * 8) % 64, "header padded to 64 bytes as NumPy does");
    Npy.Array a = Npy.read(new ByteArrayInputStream(out.toByteArray()), "mem");
    assertArrayEquals(new int[] {2, 3}, a.shape());
    assertArrayEquals(v, a.data(), 0.0);
  }

  @Test
  void readsWhatNumPyWrote() throws IOException {
    try (InputStream in = Files.newInputStream(Path.of("data/golden/W.npy"))) {
      Npy.Array w = Npy.read(in, "W.npy");
      assertArrayEquals(new int[] {2, 2}, w.shape());
      assertArrayEquals(new double[] {2, 1, -1, 3}, w.data(), 0.0);
    }
    try (InputStream in = Files.newInputStream(Path.of("data/golden/b.npy"))) {
      Npy.Array b = Npy.read(in, "b.npy");
      assertArrayEquals(new int[] {2}, b.shape());
      assertArrayEquals(new double[] {0.5, -2}, b.data(), 0.0);
    }
  }

  @Test
  void readsFloat32BigEndianAndFortranOrder() throws IOException {
    byte[] f32 = npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }", values(ByteOrder.LITTLE_ENDIAN, 4, 1, 2, 3, 4));
    assertArrayEquals(new double[] {1, 2, 3, 4}, Npy.read(new ByteArrayInputStream(f32), "f32").data(), 0.0);
    byte[] be = npy("{'descr': '>f8', 'fortran_order': False, 'shape': (3,), }", values(ByteOrder.BIG_ENDIAN, 8, 1, 2, 3));
    assertArrayEquals(new double[] {1, 2, 3}, Npy.read(new ByteArrayInputStream(be), "be").data(), 0.0);
    // Fortran order stores columns: [[1,2,3],[4,5,6]] is 1,4,2,5,3,6
    byte[] f = npy("{'descr': '<f8', 'fortran_order': True, 'shape': (2, 3), }", values(ByteOrder.LITTLE_ENDIAN, 8, 1, 4, 2, 5, 3, 6));
    assertArrayEquals(new double[] {1, 2, 3, 4, 5, 6}, Npy.read(new ByteArrayInputStream(f), "f").data(), 0.0);
  }

  @Test
  void badFilesAreNamedWithWhatWasExpected() {
    InputException magic = assertThrows(InputException.class,
        () -> Npy.read(new ByteArrayInputStream("hello world".getBytes(StandardCharsets.UTF_8)), "x.npy"));
    assertTrue(magic.getMessage().startsWith("x.npy: not a NumPy"), magic.getMessage());
    byte[] ints = npy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", new byte[8]);
    InputException dtype = assertThrows(InputException.class, () -> Npy.read(new ByteArrayInputStream(ints), "i.npy"));
    assertTrue(dtype.getMessage().contains("'<i8'") && dtype.getMessage().contains("float64"), dtype.getMessage());
    byte[] full = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (4,), }", values(ByteOrder.LITTLE_ENDIAN, 8, 1, 2, 3, 4));
    byte[] cut = java.util.Arrays.copyOf(full, full.length - 5);
    InputException truncated = assertThrows(InputException.class, () -> Npy.read(new ByteArrayInputStream(cut), "t.npy"));
    assertTrue(truncated.getMessage().contains("truncated"), truncated.getMessage());
    byte[] rank3 = npy("{'descr': '<f8', 'fortran_order': False, 'shape': (1, 1, 1), }", values(ByteOrder.LITTLE_ENDIAN, 8, 1));
    InputException rank = assertThrows(InputException.class, () -> Npy.read(new ByteArrayInputStream(rank3), "r.npy"));
    assertTrue(rank.getMessage().contains("rank 3"), rank.getMessage());
  }
}
