package dev.adjoint.data;

import dev.adjoint.kernel.Loss;
import java.io.Serializable;

/**
 * What the loss allows a target value to be ({@link Loss.TargetDomain}), checked on every row as it is
 * read, after the NaN/±Inf check: any finite number, a value in [0, 1], or an integral class index
 * 0 … m−1. A value outside is bad input: the row, its partition and (on the driver) the partition's files
 * are named, whatever --on-invalid says (that option is about NaN and ±Inf only).
 * (A class, not a record: it travels in task closures beside Kryo-serialised data.)
 */
public final class TargetRule implements Serializable {
  private static final long serialVersionUID = 1L;

  /** Any finite number: nothing beyond the finiteness check. */
  public static final TargetRule ANY = new TargetRule(Loss.TargetDomain.REAL, 0, "");

  private final Loss.TargetDomain domain;
  private final int classes;
  private final String loss;

  private TargetRule(Loss.TargetDomain domain, int classes, String loss) {
    this.domain = domain;
    this.classes = classes;
    this.loss = loss;
  }

  /** The rule of {@code loss} for a layer of m outputs (m classes for class labels). */
  public static TargetRule of(Loss loss, int m) {
    return loss.targetDomain() == Loss.TargetDomain.REAL ? ANY : new TargetRule(loss.targetDomain(), m, loss.cliName());
  }

  /** Whether any value can fail the rule (so the readers skip the loop otherwise). */
  boolean checks() {
    return domain != Loss.TargetDomain.REAL;
  }

  /** Index (from {@code offset}) of the first of {@code values[offset … offset+count)} outside the domain, or −1. */
  int firstInvalid(double[] values, int offset, int count) {
    if (!checks()) {
      return -1;
    }
    for (int k = 0; k < count; k++) {
      if (!allows(values[offset + k])) {
        return k;
      }
    }
    return -1;
  }

  private boolean allows(double v) {
    return switch (domain) {
      case REAL -> true;
      case UNIT_INTERVAL -> v >= 0 && v <= 1;
      case CLASS_INDEX -> v >= 0 && v < classes && v == Math.rint(v);
    };
  }

  /** The message for value {@code value} at {@code index} of the row's targets, the row said by {@code where}. */
  String message(String where, int index, double value) {
    if (domain == Loss.TargetDomain.CLASS_INDEX) {
      return where + ": label is " + value + "; expected a class index, an integer 0 … " + (classes - 1)
          + " (W has m = " + classes + " outputs, one per class)";
    }
    return where + ": targets[" + index + "] is " + value + "; expected a value in [0, 1] for --loss " + loss;
  }
}
