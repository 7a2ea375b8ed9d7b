# Sourced by scripts/adjoint and scripts/cluster: how to run Spark from the project's own jars.
# Builds the project when target/ has no jar or classpath yet, or when the sources or pom.xml changed since
# the jar was built (after a git pull, say: an old jar would run old code without a word).
# (the shade plugin keeps the unshaded jar as original-adjoint-*.jar, which this glob does not match)
ADJOINT_JAR="$(ls "$ROOT"/target/adjoint-*.jar 2>/dev/null | head -1 || true)"
if [[ -z "$ADJOINT_JAR" || ! -f "$ROOT/target/classpath.txt" ]]; then
  echo "adjoint: building (first run only): mvn -q -DskipTests package" >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2
  ADJOINT_JAR="$(ls "$ROOT"/target/adjoint-*.jar | head -1)"
elif [[ -n "$(find "$ROOT/src/main" "$ROOT/pom.xml" -newer "$ADJOINT_JAR" -print -quit 2>/dev/null)" ]]; then
  echo "adjoint: sources changed since $ADJOINT_JAR was built: rebuilding (mvn -q -DskipTests package)" >&2
  (cd "$ROOT" && mvn -B -q -DskipTests package) >&2
  ADJOINT_JAR="$(ls "$ROOT"/target/adjoint-*.jar | head -1)"
fi

# Spark binds to the host name's address unless told; on one machine loopback is what works.
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
# One BLAS thread per task (tasks already use every core).
export OPENBLAS_NUM_THREADS="${OPENBLAS_NUM_THREADS:-1}"
export MKL_NUM_THREADS="${MKL_NUM_THREADS:-1}"
# Standalone workers launch executors through SPARK_HOME/jars; ours is empty and the executors get
# the classpath from spark.executor.extraClassPath instead.
export SPARK_HOME="${ADJOINT_SPARK_HOME:-$ROOT/target/spark-home}"
export SPARK_SCALA_VERSION=2.13
mkdir -p "$SPARK_HOME/jars" "$ROOT/target/tmp"

SPARK_JAVA_OPTS=(-XX:+IgnoreUnrecognizedVMOptions
  --add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true
  -Djava.io.tmpdir="$ROOT/target/tmp"
  -Dlog4j2.configurationFile="$ROOT/conf/log4j2.properties"
  -Dadjoint.log="${ADJOINT_LOG:-$ROOT/target/logs/spark.log}")

# Spark and its dependencies (everything but our jar).
spark_classpath() { cat "$ROOT/target/classpath.txt"; }

# The cluster's Hadoop configuration (core-site.xml, hdfs-site.xml, yarn-site.xml), as spark-submit puts it on
# the classpath: ":$HADOOP_CONF_DIR:$YARN_CONF_DIR", each when set; nothing otherwise.
hadoop_conf_classpath() {
  local dir
  for dir in "${HADOOP_CONF_DIR:-}" "${YARN_CONF_DIR:-}"; do
    [[ -n "$dir" ]] && printf ':%s' "$dir"
  done
  return 0
}

# One string of JVM options for a Spark setting such as spark.executor.extraJavaOptions, which Spark splits
# at spaces unless quoted: each option in double quotes (with \ and " escaped), so a path with a space in it
# stays one option.
spark_opts_string() {
  local out="" opt
  for opt in "$@"; do
    opt="${opt//\\/\\\\}"
    opt="${opt//\"/\\\"}"
    out+="${out:+ }\"$opt\""
  done
  printf '%s' "$out"
}
