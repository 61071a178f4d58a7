#!/usr/bin/env bash
# Stops the store that start-store.sh started (DIR/store.pid) and waits for it to exit.
# Usage: stop-store.sh [--port 18000] [--dir DIR] [--timeout 15]
# Idempotent: nothing running is not an error.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

PORT=18000; DIR=""; TIMEOUT=15
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: stop-store.sh --help)" ;;
  esac
done
DIR="${DIR:-$STATEFLOW_CACHE/run/dynamodb-$PORT}"
PIDFILE="$DIR/store.pid"
if pid="$(pidfile_alive "$PIDFILE")"; then
  step "stopping the store (pid $pid)"
  stop_pidfile "$PIDFILE" "$TIMEOUT"
else
  step "the store is not running (no live pid in $PIDFILE)"
  rm -f "$PIDFILE"
fi
