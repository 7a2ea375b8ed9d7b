package dev.adjoint.data;

/**
 * A user's input is wrong (a file, a column, a row, a shape): the message says what, where, and
 * what was expected. The command line turns it into exit code 2 without a stack trace.
 */
public class InputException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public InputException(String message) {
    super(message);
  }

  public InputException(String message, Throwable cause) {
    super(message, cause);
  }
}
