package dev.adjoint.verify;

import java.util.Arrays;
import java.util.Random;

/** Which entries, rows or columns a check looks at: all of them, or a seeded sample. */
final class SeededIndices {
  private SeededIndices() {}

  /** 0, 1, …, count − 1. */
  static int[] range(int count) {
    int[] r = new int[count];
    for (int q = 0; q < count; q++) {
      r[q] = q;
    }
    return r;
  }

  /** {@code count} distinct indices of [0, bound), drawn from {@code rng} (a partial shuffle), in increasing order. */
  static int[] sample(int bound, int count, Random rng) {
    int[] idx = range(bound);
    for (int q = 0; q < count; q++) {
      int r = q + rng.nextInt(bound - q);
      int tmp = idx[q];
      idx[q] = idx[r];
      idx[r] = tmp;
    }
    int[] out = Arrays.copyOf(idx, count);
    Arrays.sort(out);
    return out;
  }
}
