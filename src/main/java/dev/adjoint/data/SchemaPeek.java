package dev.adjoint.data;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.util.HadoopInputFile;
import org.apache.parquet.schema.Type;

/**
 * A table's top-level column names read without Spark — a CSV file's header line, or a Parquet file's footer —
 * so that a usage mistake that depends on them is said before Spark starts. Empty whenever they cannot be read
 * this cheaply (a partitioned folder, a compressed CSV, an unreachable file system): Spark's reader then decides,
 * and says what is wrong.
 */
public final class SchemaPeek {
  private SchemaPeek() {}

  /**
   * The column names of the table at {@code spec} (its first data file's, for a folder), or empty. A local path
   * is read with java.nio and Parquet's local reader (no Hadoop file system to start; {@code conf} may be null);
   * any other through {@code conf}'s file system.
   */
  public static Optional<List<String>> columns(Configuration conf, TableSpec spec) {
    java.net.URI uri = java.net.URI.create(spec.path().replace(" ", "%20"));
    if (uri.getScheme() == null || uri.getScheme().equals("file")) {
      return local(java.nio.file.Path.of(uri.getScheme() == null ? spec.path() : uri.getPath()), spec.format());
    }
    try {
      Path path = new Path(spec.path());
      FileSystem fs = path.getFileSystem(conf);
      FileStatus status = fs.getFileStatus(path);
      Path file = status.isDirectory() ? firstDataFile(fs, path) : path;
      if (file == null) {
        return Optional.empty();
      }
      return spec.format() == TableSpec.Format.CSV ? csvHeader(fs, file) : Optional.of(parquetColumns(conf, file));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static Optional<List<String>> local(java.nio.file.Path path, TableSpec.Format format) {
    try {
      java.nio.file.Path file = path;
      if (java.nio.file.Files.isDirectory(path)) {
        List<java.nio.file.Path> entries;
        try (var list = java.nio.file.Files.list(path)) {
          entries = list.filter(p -> !p.getFileName().toString().startsWith("_") && !p.getFileName().toString().startsWith("."))
              .sorted().toList();
        }
        if (entries.isEmpty() || entries.stream().anyMatch(java.nio.file.Files::isDirectory)) {
          return Optional.empty();
        }
        file = entries.get(0);
      }
      if (format == TableSpec.Format.CSV) {
        if (compressed(file.getFileName().toString())) {
          return Optional.empty();
        }
        try (BufferedReader in = java.nio.file.Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
          return header(in);
        }
      }
      return Optional.of(localParquetColumns(file));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /**
   * The top-level columns of a local Parquet file from its footer alone: the file ends with the footer's Thrift
   * FileMetaData, its length (4 bytes, little-endian) and "PAR1"; the schema is a depth-first list whose root
   * has the top-level fields as children (Parquet's own reader would start Hadoop's logging, a second).
   */
  private static List<String> localParquetColumns(java.nio.file.Path file) throws IOException {
    try (java.nio.channels.FileChannel ch = java.nio.channels.FileChannel.open(file)) {
      long size = ch.size();
      java.nio.ByteBuffer tail = java.nio.ByteBuffer.allocate(8).order(java.nio.ByteOrder.LITTLE_ENDIAN);
      ch.read(tail, size - 8);
      int length = tail.getInt(0);
      if (size < 12 || tail.get(4) != 'P' || tail.get(5) != 'A' || tail.get(6) != 'R' || tail.get(7) != '1'
          || length <= 0 || length > size - 12) {
        throw new IOException(file + ": not a Parquet file");
      }
      java.nio.ByteBuffer footer = java.nio.ByteBuffer.allocate(length);
      ch.read(footer, size - 8 - length);
      List<String[]> schema = new CompactFooter(footer.array()).schema();
      List<String> names = new ArrayList<>();
      int i = 1;
      for (int field = 0; field < Integer.parseInt(schema.get(0)[1]); field++) {
        names.add(schema.get(i)[0]);
        i = skip(schema, i);
      }
      return names;
    }
  }

  /** The index after element {@code i}'s subtree in a depth-first schema list of (name, children). */
  private static int skip(List<String[]> schema, int i) {
    int next = i + 1;
    for (int c = 0; c < Integer.parseInt(schema.get(i)[1]); c++) {
      next = skip(schema, next);
    }
    return next;
  }

  /**
   * Just enough of Thrift's compact protocol to read FileMetaData's schema (field 2: a list of SchemaElement,
   * whose field 4 is the name and field 5 the number of children), skipping every other field. Written here
   * because Parquet's own Thrift classes start the logging framework.
   */
  private static final class CompactFooter {
    private final byte[] b;
    private int at;

    CompactFooter(byte[] bytes) {
      this.b = bytes;
    }

    /** (name, number of children) of every schema element, depth first. */
    List<String[]> schema() throws IOException {
      int id = 0;
      while (true) {
        int header = b[at++] & 0xFF;
        if (header == 0) {
          throw new IOException("no schema in the footer");
        }
        id = fieldId(header, id);
        int type = header & 0x0F;
        if (id != 2) {
          skipValue(type);
          continue;
        }
        int listHeader = b[at++] & 0xFF;
        int size = (listHeader >> 4) == 15 ? (int) varint() : listHeader >> 4;
        List<String[]> elements = new ArrayList<>();
        for (int e = 0; e < size; e++) {
          elements.add(element());
        }
        return elements;
      }
    }

    private String[] element() throws IOException {
      String name = null;
      int children = 0;
      int id = 0;
      while (true) {
        int header = b[at++] & 0xFF;
        if (header == 0) {
          return new String[] {name, Integer.toString(children)};
        }
        id = fieldId(header, id);
        int type = header & 0x0F;
        if (id == 4 && type == 8) {
          int len = (int) varint();
          name = new String(b, at, len, StandardCharsets.UTF_8);
          at += len;
        } else if (id == 5 && type == 5) {
          children = (int) zigzag(varint());
        } else {
          skipValue(type);
        }
      }
    }

    private int fieldId(int header, int previous) throws IOException {
      int delta = header >> 4;
      return delta != 0 ? previous + delta : (int) zigzag(varint());
    }

    private void skipValue(int type) throws IOException {
      switch (type) {
        case 1, 2 -> { }
        case 3 -> at++;
        case 4, 5, 6 -> varint();
        case 7 -> at += 8;
        case 8 -> at += (int) varint();
        case 9, 10 -> {
          int h = b[at++] & 0xFF;
          int size = (h >> 4) == 15 ? (int) varint() : h >> 4;
          for (int k = 0; k < size; k++) {
            skipElement(h & 0x0F);
          }
        }
        case 11 -> {
          int size = (int) varint();
          if (size > 0) {
            int kv = b[at++] & 0xFF;
            for (int k = 0; k < size; k++) {
              skipElement(kv >> 4);
              skipElement(kv & 0x0F);
            }
          }
        }
        case 12 -> {
          int id = 0;
          for (int h = b[at++] & 0xFF; h != 0; h = b[at++] & 0xFF) {
            id = fieldId(h, id);
            skipValue(h & 0x0F);
          }
        }
        default -> throw new IOException("unknown Thrift compact type " + type);
      }
    }

    /** A list's, set's or map's element: booleans are a whole byte there. */
    private void skipElement(int type) throws IOException {
      if (type == 1 || type == 2) {
        at++;
      } else {
        skipValue(type);
      }
    }

    private long varint() {
      long v = 0;
      for (int shift = 0; ; shift += 7) {
        int x = b[at++] & 0xFF;
        v |= (long) (x & 0x7F) << shift;
        if ((x & 0x80) == 0) {
          return v;
        }
      }
    }

    private static long zigzag(long v) {
      return (v >>> 1) ^ -(v & 1);
    }
  }

  /** Whether {@code names} hold the default targets: a 'targets' column, or t0, t1, … as generate's columns write them. */
  public static boolean hasDefaultTargets(List<String> names) {
    return names.contains(Generator.TARGETS) || names.contains(Generator.TARGET_PREFIX + "0");
  }

  private static Path firstDataFile(FileSystem fs, Path dir) throws IOException {
    FileStatus[] entries = fs.listStatus(dir, p -> !p.getName().startsWith("_") && !p.getName().startsWith("."));
    Arrays.sort(entries, Comparator.comparing(s -> s.getPath().getName()));
    for (FileStatus s : entries) {
      if (s.isDirectory()) {
        return null;  // partitioned by folder: the columns are not all in one file
      }
    }
    return entries.length == 0 ? null : entries[0].getPath();
  }

  private static Optional<List<String>> csvHeader(FileSystem fs, Path file) throws IOException {
    if (compressed(file.getName())) {
      return Optional.empty();
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(file), StandardCharsets.UTF_8))) {
      return header(in);
    }
  }

  private static boolean compressed(String name) {
    return name.endsWith(".gz") || name.endsWith(".bz2") || name.endsWith(".zst") || name.endsWith(".snappy");
  }

  /** The first line's comma-separated names (quotes around a name removed), or empty for an empty file. */
  private static Optional<List<String>> header(BufferedReader in) throws IOException {
    String header = in.readLine();
    if (header == null) {
      return Optional.empty();
    }
    List<String> names = new ArrayList<>();
    for (String column : header.split(",", -1)) {
      String c = column.strip();
      names.add(c.length() >= 2 && c.startsWith("\"") && c.endsWith("\"") ? c.substring(1, c.length() - 1) : c);
    }
    return Optional.of(names);
  }

  private static List<String> parquetColumns(Configuration conf, Path file) throws IOException {
    try (ParquetFileReader reader = ParquetFileReader.open(HadoopInputFile.fromPath(file, conf))) {
      return reader.getFooter().getFileMetaData().getSchema().getFields().stream().map(Type::getName).toList();
    }
  }
}
