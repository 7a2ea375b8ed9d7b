# Sourced by scripts/adjoint and scripts/bench (after scripts/spark-env.sh, which sets one BLAS thread per
# task): which BLAS the JVMs of a run use (docs/blas.md). netlib reads its settings once, at the first GEMM,
# from system properties, so the choice is made here, as JVM flags, for the driver and the executors alike.
#   ADJOINT_BLAS=bundled   OpenBLAS 0.3.31 that the build unpacked from Maven into target/native/linux-x86_64
#                          (the default on Linux x86-64, the one platform it is bundled for)
#   ADJOINT_BLAS=system    the system's libblas.so.3 and liblapack.so.3 (Debian's OpenBLAS, MKL, …), netlib's
#                          own default; netlib's Java BLAS when there is none (the default elsewhere)
#   ADJOINT_BLAS=java      netlib's Java BLAS, no native code
# Sets BLAS_JAVA_OPTS (JVM flags; -Dadjoint.blas names the choice for report.json), BLAS_ENV (variables for the
# java command: env "${BLAS_ENV[@]}" java …) and BLAS_EXECUTOR_CONF (spark-submit --conf arguments that give
# executors the same library path and core type).
# Only one OpenBLAS build may be loaded in a JVM (two crash it): with bundled, netlib's LAPACK loads the same
# library and its ARPACK stays in Java (a native libarpack.so.2 would bring the system's BLAS along).

BLAS_NATIVE_DIR="$ROOT/target/native/linux-x86_64"
BLAS_JAVA_OPTS=()
BLAS_ENV=()
BLAS_EXECUTOR_CONF=()

# The platform's bundled OpenBLAS, or nothing (only Linux x86-64 has one).
adjoint_blas_platform() {
  [[ "$(uname -s)-$(uname -m)" == Linux-x86_64 ]] && echo linux-x86_64 || true
}

adjoint_say_once() {  # a notice for the terminal, once per run even when scripts call scripts
  [[ -n "${ADJOINT_BLAS_NOTICE_SHOWN:-}" ]] && return 0
  echo "adjoint: $*" >&2
  export ADJOINT_BLAS_NOTICE_SHOWN=1
}

# The core OpenBLAS picks on this machine, as the JVM's copy will pick it (same environment, so an
# OPENBLAS_CORETYPE counts): loads the library into a trivial process with OPENBLAS_VERBOSE=2, which prints
# "Core: …" as it loads (about 50 ms). $1 the library (a path, or a name the loader finds); then variables
# for it (LD_LIBRARY_PATH=…). Prints nothing for a BLAS that is not OpenBLAS, or one that does not load.
adjoint_openblas_core() {
  local lib="$1"; shift
  env "$@" OPENBLAS_VERBOSE=2 OPENBLAS_NUM_THREADS=1 LD_PRELOAD="$lib" true 2>&1 | sed -n 's/^Core: //p' | head -1 || true
}

# Debian 12's OpenBLAS (0.3.21 and older) does not recognise some recent Xeons and falls back to its
# Prescott kernels (about 5x slower dgemm). Prints the core type to force for it: SkylakeX, when that
# OpenBLAS is the system BLAS, picks Prescott by itself, and the CPU has the AVX-512 subsets the SkylakeX
# kernels use; nothing otherwise (it recognises this machine's CPU, say), or when OPENBLAS_CORETYPE is set
# already or ADJOINT_OPENBLAS_CORETYPE=keep.
adjoint_debian_coretype() {
  [[ -n "${OPENBLAS_CORETYPE:-}" || "${ADJOINT_OPENBLAS_CORETYPE:-}" == keep ]] && return 0
  local lib version flag
  lib="$(ls /usr/lib/*-linux-gnu/openblas-*/libopenblas*-r0.3.*.so 2>/dev/null | head -1 || true)"
  [[ -z "$lib" ]] && return 0
  version="${lib##*-r0.3.}"; version="${version%.so}"
  [[ "$version" =~ ^[0-9]+$ ]] && (( version <= 21 )) || return 0
  for flag in avx512f avx512bw avx512dq avx512vl; do
    grep -q -w "$flag" /proc/cpuinfo 2>/dev/null || return 0
  done
  [[ "$(adjoint_openblas_core "$lib")" == Prescott ]] && echo SkylakeX
  return 0
}

adjoint_system_blas_present() {  # (the cache read whole first: grep -q closing a pipe early fails under pipefail)
  local cache
  [[ "$(uname -s)" == Linux ]] || return 1
  cache="$({ ldconfig -p || /sbin/ldconfig -p; } 2>/dev/null || true)"
  [[ "$cache" == *"libblas.so.3 "* ]]
}

adjoint_blas_env() {
  local platform choice lib core=""
  platform="$(adjoint_blas_platform)"
  choice="${ADJOINT_BLAS:-}"
  [[ -z "$choice" ]] && { [[ -n "$platform" ]] && choice=bundled || choice=system; }
  case "$choice" in
    bundled)
      if [[ -z "$platform" ]]; then
        echo "adjoint: ADJOINT_BLAS=bundled, but OpenBLAS is bundled for Linux x86-64 only, not $(uname -s)-$(uname -m):" \
          "use ADJOINT_BLAS=system (the system's libblas.so.3) or java (docs/blas.md)" >&2
        exit 2
      fi
      lib="$BLAS_NATIVE_DIR/libopenblas.so.0"
      if [[ ! -f "$lib" ]]; then  # a target/ built before the library was bundled
        echo "adjoint: unpacking the bundled OpenBLAS: mvn -q generate-resources" >&2
        (cd "$ROOT" && mvn -B -q generate-resources) >&2
      fi
      BLAS_JAVA_OPTS=(-Dadjoint.blas=bundled
        -Ddev.ludovic.netlib.blas.nativeLibPath="$lib" -Ddev.ludovic.netlib.lapack.nativeLibPath="$lib"
        -Ddev.ludovic.netlib.arpack.allowNative=false)
      # libgfortran.so.5 (beside libopenblas.so.0, found through its RUNPATH) needs libquadmath.so.0, which it
      # finds only on the library path: machines without gcc have none of their own
      # (never for system: Debian's libblas.so.3 would bind this libopenblas.so.0 by its name, and crash)
      BLAS_ENV=(LD_LIBRARY_PATH="$BLAS_NATIVE_DIR${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}")
      BLAS_EXECUTOR_CONF=(--conf "spark.executor.extraLibraryPath=$BLAS_NATIVE_DIR")
      core="$(adjoint_openblas_core "$lib" "${BLAS_ENV[@]}")"
      ;;
    system)
      BLAS_JAVA_OPTS=(-Dadjoint.blas=system)
      local coretype
      coretype="$(adjoint_debian_coretype)"
      [[ -n "$coretype" ]] && export OPENBLAS_CORETYPE="$coretype"
      if adjoint_system_blas_present; then
        core="$(adjoint_openblas_core libblas.so.3)"
      elif [[ -n "$platform" ]]; then
        adjoint_say_once "ADJOINT_BLAS=system, but no libblas.so.3 was found: netlib's Java BLAS runs (GEMMs" \
          "several times slower); leave ADJOINT_BLAS unset for the bundled OpenBLAS (docs/blas.md)"
      else
        adjoint_say_once "BLAS: netlib's Java BLAS (GEMMs several times slower): OpenBLAS is bundled for Linux" \
          "x86-64 only and no libblas.so.3 was found; install OpenBLAS as the system BLAS (Debian, Ubuntu:" \
          "apt-get install libopenblas0-pthread; macOS: none that netlib loads) for native speed (docs/blas.md)"
      fi
      ;;
    java)
      BLAS_JAVA_OPTS=(-Dadjoint.blas=java -Ddev.ludovic.netlib.blas.allowNative=false
        -Ddev.ludovic.netlib.lapack.allowNative=false -Ddev.ludovic.netlib.arpack.allowNative=false)
      ;;
    *)
      echo "adjoint: ADJOINT_BLAS=$choice: expected bundled, system or java (docs/blas.md)" >&2
      exit 2
      ;;
  esac
  # for report.json: the core this machine's OpenBLAS picks (the driver's; executors elsewhere may differ)
  [[ -n "$core" ]] && BLAS_JAVA_OPTS+=(-Dadjoint.blas.core="$core")
  if [[ -n "${OPENBLAS_CORETYPE:-}" ]]; then
    BLAS_EXECUTOR_CONF+=(--conf "spark.executorEnv.OPENBLAS_CORETYPE=$OPENBLAS_CORETYPE")
  fi
  ADJOINT_BLAS_CHOICE="$choice"
}
adjoint_blas_env
