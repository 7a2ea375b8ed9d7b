package dev.adjoint.data;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy's .npy format (versions 1–3): reads float64/float32 arrays of rank 1 or 2, little- or
 * big-endian, C or Fortran order, into row-major doubles; writes float64 little-endian C order.
 */
public final class Npy {
  private Npy() {}

  private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
  private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
  private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
  private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

  /** An array read from .npy: its shape and its values in row-major (C) order as doubles. */
  public record Array(int[] shape, double[] data, String dtype) {
    public int rows() {
      return shape.length == 0 ? 1 : shape[0];
    }

    public int cols() {
      return shape.length == 2 ? shape[1] : 1;
    }

    public String shapeString() {
      return Arrays.toString(shape).replace('[', '(').replace(']', ')');
    }
  }

  /** Reads one array; {@code name} (a path) is used in error messages. */
  public static Array read(InputStream in, String name) throws IOException {
    DataInputStream data = new DataInputStream(in);
    try {
      byte[] magic = new byte[6];
      data.readFully(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new InputException(name + ": not a NumPy .npy file (bad magic bytes; expected \\x93NUMPY)");
      }
      int major = data.readUnsignedByte();
      data.readUnsignedByte();
      int headerLen;
      if (major == 1) {
        headerLen = Short.toUnsignedInt(Short.reverseBytes(data.readShort()));
      } else if (major == 2 || major == 3) {
        headerLen = Integer.reverseBytes(data.readInt());
      } else {
        throw new InputException(name + ": unsupported .npy format version " + major + " (expected 1, 2 or 3)");
      }
      byte[] headerBytes = new byte[headerLen];
      data.readFully(headerBytes);
      String header = new String(headerBytes, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1);
      String descr = find(DESCR, header, name, "descr");
      boolean fortran = "True".equals(find(FORTRAN, header, name, "fortran_order"));
      int[] shape = parseShape(find(SHAPE, header, name, "shape"), name);
      if (shape.length > 2) {
        throw new InputException(name + ": array has rank " + shape.length + " (shape " + Arrays.toString(shape)
            + "); expected a vector or a matrix");
      }
      ByteOrder order;
      int width;
      switch (descr) {
        case "<f8", "=f8", "|f8" -> { order = ByteOrder.LITTLE_ENDIAN; width = 8; }
        case ">f8" -> { order = ByteOrder.BIG_ENDIAN; width = 8; }
        case "<f4", "=f4", "|f4" -> { order = ByteOrder.LITTLE_ENDIAN; width = 4; }
        case ">f4" -> { order = ByteOrder.BIG_ENDIAN; width = 4; }
        default -> throw new InputException(name + ": unsupported dtype '" + descr
            + "'; expected float64 ('<f8') or float32 ('<f4')");
      }
      long count = 1;
      for (int s : shape) {
        if (s < 0) {
          throw new InputException(name + ": negative dimension in shape " + Arrays.toString(shape));
        }
        count *= s;
      }
      if (count * width > Integer.MAX_VALUE - 16) {
        throw new InputException(name + ": array of " + count + " values is too large to load on the driver");
      }
      byte[] raw = new byte[(int) count * width];
      try {
        data.readFully(raw);
      } catch (EOFException e) {
        throw new InputException(name + ": truncated: header promises shape " + Arrays.toString(shape) + " of "
            + descr + " (" + raw.length + " bytes of data), the file ends early");
      }
      ByteBuffer buf = ByteBuffer.wrap(raw).order(order);
      double[] values = new double[(int) count];
      for (int k = 0; k < values.length; k++) {
        values[k] = width == 8 ? buf.getDouble() : buf.getFloat();
      }
      if (fortran && shape.length == 2) {
        values = fortranToRowMajor(values, shape[0], shape[1]);
      }
      return new Array(shape, values, width == 8 ? "float64" : "float32");
    } catch (EOFException e) {
      throw new InputException(name + ": truncated .npy header");
    }
  }

  /** Writes a float64 little-endian C-order array of the given shape. */
  public static void write(OutputStream out, int[] shape, double[] values) throws IOException {
    StringBuilder shapeText = new StringBuilder("(");
    for (int s : shape) {
      shapeText.append(s).append(", ");
    }
    if (shape.length >= 1) {
      shapeText.setLength(shapeText.length() - (shape.length == 1 ? 1 : 2));
    }
    shapeText.append(')');
    String dict = "{'descr': '<f8', 'fortran_order': False, 'shape': " + shapeText + ", }";
    int unpadded = MAGIC.length + 2 + 2 + dict.length() + 1;
    int pad = (64 - unpadded % 64) % 64;
    String header = dict + " ".repeat(pad) + "\n";
    ByteBuffer head = ByteBuffer.allocate(MAGIC.length + 4 + header.length()).order(ByteOrder.LITTLE_ENDIAN);
    head.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
    head.put(header.getBytes(StandardCharsets.ISO_8859_1));
    out.write(head.array());
    ByteBuffer body = ByteBuffer.allocate(values.length * 8).order(ByteOrder.LITTLE_ENDIAN);
    body.asDoubleBuffer().put(values);
    out.write(body.array());
  }

  private static double[] fortranToRowMajor(double[] colMajor, int rows, int cols) {
    double[] rowMajor = new double[colMajor.length];
    for (int j = 0; j < cols; j++) {
      for (int i = 0; i < rows; i++) {
        rowMajor[i * cols + j] = colMajor[j * rows + i];
      }
    }
    return rowMajor;
  }

  private static String find(Pattern p, String header, String name, String key) {
    Matcher m = p.matcher(header);
    if (!m.find()) {
      throw new InputException(name + ": .npy header has no '" + key + "' entry: " + header.trim());
    }
    return m.group(1);
  }

  private static int[] parseShape(String text, String name) {
    String[] parts = text.split(",");
    return Arrays.stream(parts).map(String::trim).filter(s -> !s.isEmpty()).mapToInt(s -> {
      try {
        return Integer.parseInt(s);
      } catch (NumberFormatException e) {
        throw new InputException(name + ": bad shape entry '" + s + "' in .npy header");
      }
    }).toArray();
  }
}
