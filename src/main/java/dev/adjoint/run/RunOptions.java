package dev.adjoint.run;

import dev.adjoint.job.CachePolicy;

import dev.adjoint.job.Aggregation;

import dev.adjoint.data.TableSpec;
import dev.adjoint.kernel.Loss;
import dev.adjoint.kernel.Precision;
import dev.adjoint.kernel.Reduction;
import dev.adjoint.verify.VerifyOptions;

/**
 * Everything one run needs. {@code weightsPath} null means random initialisation with {@code initSeed}
 * and width {@code outDim}; {@code partitions} 0 keeps the input's partitioning; {@code blockRows} 0
 * derives it from {@code blockBytes}; {@code output} null writes nothing; {@code verify} null checks nothing; {@code chain} null is one layer (W and b above), else the chain it
 * describes (the single layer's W and b fields unused).
 */
public record RunOptions(
    TableSpec input,
    String weightsPath,
    String biasPath,
    long initSeed,
    int outDim,
    Loss loss,
    Reduction reduction,
    int partitions,
    int treeDepth,
    int blockRows,
    long blockBytes,
    String output,
    boolean overwrite,
    boolean writeActivations,
    int showRows,
    Precision precision,
    CachePolicy cache,
    Aggregation aggregation,
    boolean skipInvalid,
    VerifyOptions verify,
    ChainSpec chain) {

  /** Whether this run is a chain of layers ({@link ChainSteps}) rather than one layer ({@link RunSteps}). */
  public boolean isChain() {
    return chain != null;
  }
}
