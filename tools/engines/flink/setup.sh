#!/usr/bin/env bash
# Prepares PyFlink for the engine tests, all inside the cache:
#   $STATEFLOW_CACHE/wheels/flink-<v>-py<X.Y>/ every wheel the venv needs (pip wheel)
#   $STATEFLOW_CACHE/flink-venv/               virtualenv with apache-flink and kafka-python,
#                                              installed offline from the wheels above
#   $STATEFLOW_CACHE/flink/jars/               the Kafka SQL connector jar (Maven)
#   $STATEFLOW_CACHE/flink.env                 FLINK_PYTHON, FLINK_KAFKA_JAR, FLINK_VERSION, ...
# Idempotent: a second run downloads nothing (and only checks what is there).
# Versions: FLINK_VERSION (default 2.3.0), FLINK_KAFKA_CONNECTOR (default 5.0.0-2.2),
# KAFKA_PYTHON_VERSION (default 3.0.12). PYTHON picks the interpreter (default python3,
# PyFlink 2.x supports Python 3.9-3.12).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
case "${1:-}" in -h|--help) sed -n '2,12p' "$0"; exit 0 ;; "") ;; *) die "setup.sh takes no arguments (see --help)" ;; esac

FLINK_VERSION="${FLINK_VERSION:-2.3.0}"
FLINK_KAFKA_CONNECTOR="${FLINK_KAFKA_CONNECTOR:-5.0.0-2.2}"
KAFKA_PYTHON_VERSION="${KAFKA_PYTHON_VERSION:-3.0.12}"
PYTHON="${PYTHON:-python3}"
VENV="$STATEFLOW_CACHE/flink-venv"
JARS="$STATEFLOW_CACHE/flink/jars"
JAR="$JARS/flink-sql-connector-kafka-$FLINK_KAFKA_CONNECTOR.jar"
# pip's own cache also lives in the cache folder, not in ~/.cache/pip.
export PIP_CACHE_DIR="$STATEFLOW_CACHE/pip"
REQS=("apache-flink==$FLINK_VERSION" "kafka-python==$KAFKA_PYTHON_VERSION")
t_all=$(now)

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.9-3.12 or set PYTHON=/path/to/python"
pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$pyver" in
  3.9|3.10|3.11|3.12) ;;
  *) die "PyFlink $FLINK_VERSION supports Python 3.9-3.12, but $PYTHON is $pyver; set PYTHON=/path/to/python3.11" ;;
esac
require_java
WHEELS="$STATEFLOW_CACHE/wheels/flink-$FLINK_VERSION-py$pyver"

# 1. The virtualenv, with the exact versions.
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$FLINK_VERSION" "$KAFKA_PYTHON_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
assert version("apache-flink") == sys.argv[1], version("apache-flink")
assert version("kafka-python") == sys.argv[2], version("kafka-python")
import pyflink.datastream.connectors.kafka, kafka  # noqa: F401
PY
}
if venv_ok; then
  step "PyFlink $FLINK_VERSION venv ready at $VENV"
else
  venv_from_wheels "PyFlink" "$VENV" "$WHEELS" "${REQS[@]}"
  venv_ok || die "the new venv at $VENV cannot import pyflink and kafka; delete it and run again"
fi

# 2. The Kafka connector jar (bundles the Kafka client), via the cache's Maven repository.
if [ -f "$JAR" ]; then
  step "Kafka connector $FLINK_KAFKA_CONNECTOR already at $JAR"
else
  step "downloading org.apache.flink:flink-sql-connector-kafka:$FLINK_KAFKA_CONNECTOR"
  t0=$(now)
  mkdir -p "$JARS"
  log="$JARS/mvn-$FLINK_KAFKA_CONNECTOR.log"
  sf_mvn org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
      -Dartifact="org.apache.flink:flink-sql-connector-kafka:$FLINK_KAFKA_CONNECTOR" \
      -DoutputDirectory="$JARS" >"$log" 2>&1 \
    || { tail -n 20 "$log" >&2; die "could not fetch flink-sql-connector-kafka:$FLINK_KAFKA_CONNECTOR (set FLINK_KAFKA_CONNECTOR to another version)"; }
  [ -f "$JAR" ] || die "mvn finished but $JAR is missing; see $log"
  info "$(size_of "$JAR") in $(elapsed "$t0")s"
fi

cat >"$STATEFLOW_CACHE/flink.env" <<ENV
FLINK_VERSION=$FLINK_VERSION
FLINK_VENV=$VENV
FLINK_PYTHON=$VENV/bin/python
FLINK_KAFKA_CONNECTOR=$FLINK_KAFKA_CONNECTOR
FLINK_KAFKA_JAR=$JAR
ENV
step "PyFlink ready in $(elapsed "$t_all")s"
info "python:    $VENV/bin/python"
info "kafka jar: $JAR"
info "env file:  $STATEFLOW_CACHE/flink.env"
