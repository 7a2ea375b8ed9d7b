package dev.adjoint.kernel;

/** The one place shape mismatches become messages that name both shapes. */
public final class Shapes {
  private Shapes() {}

  /** Throws {@link IllegalArgumentException} with {@code message} unless {@code ok}. */
  public static void require(boolean ok, String message) {
    if (!ok) {
      throw new IllegalArgumentException(message);
    }
  }

  /** Requires {@code a} [aRows×aCols] and {@code b} [bRows×bCols] to agree where {@code what} says. */
  public static void requireEqual(String what, String aName, int aRows, int aCols, String bName, int bRows, int bCols) {
    if (aRows != bRows || aCols != bCols) {
      throw new IllegalArgumentException(what + ": " + aName + " is [" + aRows + "×" + aCols + "] but "
          + bName + " is [" + bRows + "×" + bCols + "]");
    }
  }
}
