#!/usr/bin/env bash
# Stops the standalone cluster that cluster-start.sh started: every TaskManager, then the
# JobManager (their pid files in DIR), and waits for them to exit.
# Usage: cluster-stop.sh [--dir DIR | --port 19481] [--timeout SECONDS] [--clean]
#   --clean  also delete DIR (configuration and logs)
# Idempotent: nothing running is not an error.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

PORT=19481; DIR=""; TIMEOUT=30; CLEAN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --clean) CLEAN=1; shift ;;
    -h|--help) sed -n '2,6p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: cluster-stop.sh --help)" ;;
  esac
done
DIR="${DIR:-$STATEFLOW_CACHE/run/flink-cluster-$PORT}"
[ -d "$DIR" ] || { step "no Flink cluster folder at $DIR"; exit 0; }
t0=$(now)
for pidfile in "$DIR"/taskmanager-*.pid "$DIR/jobmanager.pid"; do
  [ -e "$pidfile" ] || continue
  if pid="$(pidfile_alive "$pidfile")"; then
    step "stopping $(basename "$pidfile" .pid) (pid $pid)"
    stop_pidfile "$pidfile" "$TIMEOUT"
  else
    rm -f "$pidfile"
  fi
done
info "stopped in $(elapsed "$t0")s"
if [ "$CLEAN" = 1 ]; then
  rm -rf "$DIR"
  info "deleted $DIR"
fi
