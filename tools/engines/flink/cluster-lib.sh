# Helpers of the standalone-cluster scripts (sourced after ../lib.sh, not run).

# Sets FLINK_PYTHON, FLINK_VERSION, FLINK_KAFKA_JAR (from the cache's flink.env, running
# setup.sh first when missing) and FLINK_HOME (the distribution inside PyFlink), and puts
# the venv first on PATH (PyFlink's bin/ scripts find FLINK_HOME with that Python).
flink_cluster_env() {
  [ -f "$STATEFLOW_CACHE/flink.env" ] || "$ENGINES_DIR/flink/setup.sh"
  # shellcheck disable=SC1091
  source "$STATEFLOW_CACHE/flink.env"
  [ -x "${FLINK_PYTHON:-}" ] || die "PyFlink's Python is missing; run tools/engines/flink/setup.sh"
  FLINK_HOME="$("$FLINK_PYTHON" -c 'import os, pyflink; print(os.path.dirname(os.path.abspath(pyflink.__file__)))')"
  [ -x "$FLINK_HOME/bin/flink" ] || die "no bin/flink in $FLINK_HOME; run tools/engines/flink/setup.sh again"
  PATH="$(dirname "$FLINK_PYTHON"):$PATH"
  export FLINK_HOME FLINK_PYTHON FLINK_VERSION FLINK_KAFKA_JAR PATH
}
