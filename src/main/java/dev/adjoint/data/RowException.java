package dev.adjoint.data;

/**
 * Bad input found in one row inside a task: carries the partition, so that the driver can say which
 * file(s) the partition read ({@link Table#filesOfPartition}).
 */
public final class RowException extends InputException {
  private static final long serialVersionUID = 1L;

  private final int partition;

  public RowException(String message, int partition) {
    super(message);
    this.partition = partition;
  }

  public int partition() {
    return partition;
  }
}
