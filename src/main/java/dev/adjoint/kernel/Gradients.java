package dev.adjoint.kernel;

/**
 * The finished result over the whole input: L, dW [d×m] row-major and db [m], already normalised by
 * {@link #reduction} over {@link #rows} rows.
 */
public record Gradients(int inputDim, int outputDim, double loss, double[] dW, double[] db, long rows, Reduction reduction) {
}
