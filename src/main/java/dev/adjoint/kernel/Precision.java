package dev.adjoint.kernel;

import java.util.Locale;

/** The arithmetic of the layer's products: float64 (dgemm) or float32 (sgemm, float64 across blocks). */
public enum Precision {
  FLOAT64,
  FLOAT32;

  /** A new kernel computing in this precision. */
  public BlockKernel kernel() {
    return this == FLOAT64 ? BlockKernel.CORRECT : new Float32Kernel();
  }

  public String cliName() {
    return name().toLowerCase(Locale.ROOT);
  }
}
