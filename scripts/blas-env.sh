# Sourced by scripts/adjoint and scripts/bench (after scripts/spark-env.sh, which sets one BLAS thread
# per task): the OpenBLAS core type of a run. The tests and CI do not source it.
# Debian 12's OpenBLAS (0.3.21 and older) does not recognise recent Xeons and falls back to its
# Prescott kernels (about 5x slower dgemm). When that OpenBLAS is the system BLAS and the CPU has the
# AVX-512 subsets its SkylakeX kernels use, select them, unless the user chose a core type already.
# ADJOINT_OPENBLAS_CORETYPE=keep leaves OpenBLAS's own detection alone.
adjoint_openblas_coretype() {
  [[ -n "${OPENBLAS_CORETYPE:-}" || "${ADJOINT_OPENBLAS_CORETYPE:-}" == keep ]] && return 0
  local lib version
  lib="$(ls /usr/lib/*-linux-gnu/openblas-*/libopenblas*-r0.3.*.so 2>/dev/null | head -1 || true)"
  [[ -z "$lib" ]] && return 0
  version="${lib##*-r0.3.}"; version="${version%.so}"
  [[ "$version" =~ ^[0-9]+$ ]] && (( version <= 21 )) || return 0
  local flag
  for flag in avx512f avx512bw avx512dq avx512vl; do
    grep -q -w "$flag" /proc/cpuinfo 2>/dev/null || return 0
  done
  export OPENBLAS_CORETYPE=SkylakeX
}
adjoint_openblas_coretype
