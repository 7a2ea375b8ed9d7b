package dev.adjoint.study;

import dev.adjoint.data.TableSpec;
import dev.adjoint.kernel.Loss;
import java.util.List;

/**
 * What {@code adjoint study accumulation} was asked: the input and layer (as {@link RunOptions} takes
 * them), the micro-batch counts, the partition counts and tree depths, repeats, the block sizes of the
 * throughput part, the block size of the other passes (0: 4 MB of X), how many dW entries the exact
 * reference computes, the micro-batch count of the "as n grows" series, and the seed.
 */
public record StudyOptions(TableSpec input, String weightsPath, String biasPath, int outDim, long initSeed, Loss loss,
    List<Integer> microBatches, List<Integer> partitions, List<Integer> treeDepths, int repeats,
    List<Integer> throughputBlockRows, int blockRows, int sampleEntries, int growthK, long seed) {}
