package dev.adjoint.data;

import java.io.Serializable;
import java.util.Locale;
import org.apache.spark.sql.DataFrameWriter;

/**
 * How a table's Parquet files are written: the compression codec and the row-group size. The row group
 * bounds memory on both sides: a writing task buffers one row group, and Spark's Parquet reader holds the
 * needed column chunks of one row group per task.
 *
 * @param codec the compression of every column chunk
 * @param rowGroupBytes the writer's target row-group size in bytes ({@code parquet.block.size})
 */
public record Storage(Codec codec, long rowGroupBytes) implements Serializable {
  /** Random float64 values do not compress, and uncompressed pages decode fastest (docs/read-path.md). */
  public static final Codec DEFAULT_CODEC = Codec.NONE;
  /** 32 MB row groups: a quarter of Parquet's 128 MB default, to bound the buffers a task holds (docs/data.md). */
  public static final long DEFAULT_ROW_GROUP_BYTES = 32L << 20;
  /** What {@code generate} and {@code convert} write unless told otherwise. */
  public static final Storage DEFAULT = new Storage(DEFAULT_CODEC, DEFAULT_ROW_GROUP_BYTES);

  public Storage {
    if (rowGroupBytes < 1 << 16) {
      throw new InputException("a row group of " + rowGroupBytes + " bytes is too small; expected at least 65536 (64 KB)");
    }
  }

  /** Parquet compression codecs offered; {@link #sparkName} is what Spark's {@code compression} option takes. */
  public enum Codec {
    NONE("uncompressed", "UNCOMPRESSED"), SNAPPY("snappy", "SNAPPY"), ZSTD("zstd", "ZSTD");

    /** the name Spark's writer option takes */
    public final String sparkName;
    /** the name a Parquet footer gives the codec ({@code CompressionCodecName}) */
    public final String footerName;

    Codec(String sparkName, String footerName) {
      this.sparkName = sparkName;
      this.footerName = footerName;
    }

    public String cliName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  /** {@code writer} set to write this storage (dictionary encoding off: random numbers never repeat). */
  public <T> DataFrameWriter<T> apply(DataFrameWriter<T> writer) {
    return writer.option("compression", codec.sparkName)
        .option("parquet.block.size", Long.toString(rowGroupBytes))
        .option("parquet.enable.dictionary", "false");
  }

  /** "uncompressed, 32 MB row groups" */
  public String describe() {
    return (codec == Codec.NONE ? "uncompressed" : codec.cliName()) + ", " + (rowGroupBytes >> 20) + " MB row groups";
  }
}
