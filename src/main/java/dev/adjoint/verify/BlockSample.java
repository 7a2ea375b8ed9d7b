package dev.adjoint.verify;

import dev.adjoint.kernel.Block;
import dev.adjoint.kernel.BlockActivations;
import dev.adjoint.kernel.GradientPartial;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;

/**
 * A seeded sample of whole blocks, carried beside the pass's sums: the {@code size} blocks whose seeded
 * hash of (partition, block index) is smallest ("bottom-k" sampling). Each kept block brings its rows,
 * the gradient partial the pass's own fold computed for that block alone, and its Y and dX (G unscaled),
 * so the driver can recompute exactly that sample with plain loops. A monoid: merging keeps the smallest
 * hashes of both, so the sample is the same whatever the tree; the driver receives at most {@code size}
 * blocks, however large n is. Blocks are offered as they pass and completed (partial, Y, dX) once their
 * partition ends, so only the kept ones cost a second kernel run. (A class, not a record: Spark's Kryo
 * cannot serialise records.)
 */
public final class BlockSample implements Serializable {
  private static final long serialVersionUID = 1L;

  /** One sampled block as the pass computed it. */
  public static final class Entry implements Serializable {
    private static final long serialVersionUID = 1L;

    final long hash;
    final int partition;
    final long index;
    final Block block;
    /** The block's own partial and its Y and dX (row-major arrays: Kryo cannot serialise the record), computed
     * once the block is sure to stay: at the end of its partition ({@link #complete}). */
    GradientPartial partial;
    double[] y;
    double[] dx;

    Entry(long hash, int partition, long index, Block block) {
      this.hash = hash;
      this.partition = partition;
      this.index = index;
      this.block = block;
    }

    BlockActivations activations() {
      return new BlockActivations(block.rows, block.features, y.length / Math.max(1, block.rows), y, dx);
    }
  }

  private static final Comparator<Entry> ORDER = Comparator.<Entry>comparingLong(e -> e.hash)
      .thenComparingInt(e -> e.partition).thenComparingLong(e -> e.index);

  final int size;
  final long seed;
  final ArrayList<Entry> kept = new ArrayList<>();

  BlockSample(int size, long seed) {
    this.size = size;
    this.seed = seed;
  }

  /** The seeded hash of block {@code index} of {@code partition} (SplitMix64-style finaliser), as unsigned order. */
  long hash(int partition, long index) {
    long h = seed * 0x9E3779B97F4A7C15L + partition * 0xC2B2AE3D27D4EB4FL + index * 0x165667B19E3779F9L;
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h >>> 1;  // non-negative, so signed order is the hash order
  }

  /** Whether a block with this hash would be kept now (so its partial is worth computing). */
  boolean wants(long hash) {
    return size > 0 && (kept.size() < size || hash < kept.get(kept.size() - 1).hash);
  }

  void offer(Entry e) {
    kept.add(e);
    kept.sort(ORDER);
    while (kept.size() > size) {
      kept.remove(kept.size() - 1);
    }
  }

  /**
   * Computes, for every kept block that lacks them, its partial ({@code partialOf}) and its Y and dX
   * ({@code activationsOf}): called at the end of a partition, so only the blocks that stay pay for it.
   */
  void complete(Function<Block, GradientPartial> partialOf, Function<Block, BlockActivations> activationsOf) {
    for (Entry e : kept) {
      if (e.partial == null) {
        e.partial = partialOf.apply(e.block);
        BlockActivations a = activationsOf.apply(e.block);
        e.y = a.y();
        e.dx = a.dx();
      }
    }
  }

  /** Keeps the smallest hashes of both. Mutates and returns {@code this}. */
  BlockSample merge(BlockSample other) {
    for (Entry e : other.kept) {
      offer(e);
    }
    return this;
  }

  /** The kept blocks in hash order. */
  public List<Entry> entries() {
    return kept;
  }

  /** Rows in the sample. */
  long rows() {
    long r = 0;
    for (Entry e : kept) {
      r += e.block.rows;
    }
    return r;
  }

  /** Bytes of doubles the sample brings to the driver (x, t, Y, dX and the partials). */
  long bytes() {
    long b = 0;
    for (Entry e : kept) {
      b += 8L * (e.block.x.length + (e.block.targets == null ? 0 : e.block.targets.length) + e.y.length
          + e.dx.length + e.partial.dWSum.length + e.partial.dbSum.length);
    }
    return b;
  }
}
