package dev.adjoint.data;

/**
 * What to read: a Parquet or CSV (with header) table at {@code path}, which columns make X, which make
 * the targets T (null when the loss needs none), and the id column carried to outputs (null: none).
 */
public record TableSpec(String path, Format format, ColumnSource features, ColumnSource targets, String idColumn) {

  /** Input formats. */
  public enum Format {
    PARQUET, CSV;

    public static Format parse(String s) {
      return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }

    /** csv when the path ends in .csv, else parquet. */
    public static Format guess(String path) {
      return path.toLowerCase(java.util.Locale.ROOT).replaceAll("/+$", "").endsWith(".csv") ? CSV : PARQUET;
    }
  }
}
