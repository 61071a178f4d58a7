#!/usr/bin/env bash
# Prepares Apache Beam for the engine tests, all inside the cache:
#   $STATEFLOW_CACHE/beam/bin/prism        Prism, Beam's portable local runner (go install)
#   $STATEFLOW_CACHE/go/                   Go's module and build caches for it
#   $STATEFLOW_CACHE/wheels/beam-<v>-py<X.Y>/ every wheel the venv needs (pip wheel)
#   $STATEFLOW_CACHE/beam-venv/            virtualenv with apache-beam and kafka-python,
#                                          installed offline from the wheels above
#   $STATEFLOW_CACHE/beam.env              BEAM_PYTHON, BEAM_PRISM, BEAM_VERSION, ...
# Idempotent: a second run downloads nothing and returns in about a second.
# Versions: BEAM_VERSION (default 2.78.0; also Prism's module version), KAFKA_PYTHON_VERSION
# (default 3.0.12). PYTHON picks the interpreter (default python3; Beam 2.78 wants 3.10-3.13).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
case "${1:-}" in -h|--help) sed -n '2,11p' "$0"; exit 0 ;; "") ;; *) die "setup.sh takes no arguments (see --help)" ;; esac

BEAM_VERSION="${BEAM_VERSION:-2.78.0}"
KAFKA_PYTHON_VERSION="${KAFKA_PYTHON_VERSION:-3.0.12}"
PYTHON="${PYTHON:-python3}"
BIN="$STATEFLOW_CACHE/beam/bin"
PRISM="$BIN/prism"
VENV="$STATEFLOW_CACHE/beam-venv"
export PIP_CACHE_DIR="$STATEFLOW_CACHE/pip"
REQS=("apache-beam==$BEAM_VERSION" "kafka-python==$KAFKA_PYTHON_VERSION")
t_all=$(now)

command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.10-3.13 or set PYTHON=/path/to/python"
pyver="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
case "$pyver" in
  3.10|3.11|3.12|3.13) ;;
  *) die "Beam $BEAM_VERSION supports Python 3.10-3.13, but $PYTHON is $pyver; set PYTHON=/path/to/python3.11" ;;
esac
WHEELS="$STATEFLOW_CACHE/wheels/beam-$BEAM_VERSION-py$pyver"

# 1. Prism, built from its Go module in the background while the venv installs (about 1.5 min cold).
go_install_background "Prism" "$BIN" "$PRISM" "$BEAM_VERSION" "github.com/apache/beam/sdks/v2/go/cmd/prism@v$BEAM_VERSION"

# 2. The virtualenv, with the exact versions.
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$BEAM_VERSION" "$KAFKA_PYTHON_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
assert version("apache-beam") == sys.argv[1], version("apache-beam")
assert version("kafka-python") == sys.argv[2], version("kafka-python")
# Found, not imported: importing Beam takes seconds (tens under load); a broken install
# shows at the pipeline's start with Beam's own error.
from importlib.util import find_spec
assert find_spec("apache_beam") and find_spec("kafka")
PY
}
if venv_ok; then
  step "Beam $BEAM_VERSION venv ready at $VENV"
else
  venv_from_wheels "Beam" "$VENV" "$WHEELS" "${REQS[@]}"
  venv_ok || die "the new venv at $VENV cannot import apache_beam and kafka; delete it and run again"
fi
wait_for_go_install "Prism" "$BIN"

cat >"$STATEFLOW_CACHE/beam.env" <<ENV
BEAM_VERSION=$BEAM_VERSION
BEAM_VENV=$VENV
BEAM_PYTHON=$VENV/bin/python
BEAM_PRISM=$PRISM
KAFKA_PYTHON_VERSION=$KAFKA_PYTHON_VERSION
ENV
step "Beam ready in $(elapsed "$t_all")s"
info "python: $VENV/bin/python"
info "prism:  $PRISM"
info "env file: $STATEFLOW_CACHE/beam.env"
