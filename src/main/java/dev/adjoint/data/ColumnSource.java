package dev.adjoint.data;

import java.io.Serializable;
import java.util.List;

/**
 * Where a matrix's columns come from in a table: one column (array&lt;double|float&gt;, an MLlib Vector, or
 * a single number), a list of numeric columns, or the numeric columns named {@code prefix0, prefix1, …}.
 */
public sealed interface ColumnSource extends Serializable {
  /** One column holding a whole row: array, Vector, or a single number (width 1). */
  record Single(String column) implements ColumnSource {
    @Override
    public String describe() {
      return "column '" + column + "'";
    }
  }

  /** Numeric columns, in the order given. */
  record Columns(List<String> columns) implements ColumnSource {
    @Override
    public String describe() {
      return columns.size() <= 4 ? "columns " + columns
          : "columns [" + columns.get(0) + ", " + columns.get(1) + ", …, " + columns.get(columns.size() - 1) + "] ("
              + columns.size() + ")";
    }
  }

  /** Numeric columns {@code prefix0 … prefix(k-1)}, ordered by their number. */
  record Prefix(String prefix) implements ColumnSource {
    @Override
    public String describe() {
      return "columns " + prefix + "0, " + prefix + "1, …";
    }
  }

  /** A phrase for messages and the summary. */
  String describe();
}
