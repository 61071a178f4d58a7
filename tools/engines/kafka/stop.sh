#!/usr/bin/env bash
# Stops the broker that start.sh started (pid file DIR/kafka.pid) and waits for it to exit.
# Usage: stop.sh [--port 19092] [--dir DIR] [--timeout SECONDS] [--clean]
#   --clean  also delete DIR (data and logs)
# Idempotent: nothing running is not an error.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

PORT="$KAFKA_DEFAULT_PORT"; DIR=""; TIMEOUT=30; CLEAN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --clean) CLEAN=1; shift ;;
    -h|--help) sed -n '2,5p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: stop.sh --help)" ;;
  esac
done
DIR="${DIR:-$(kafka_default_dir "$PORT")}"

if pid="$(kafka_running_pid "$DIR")"; then
  step "stopping Kafka (pid $pid)"
  t0=$(now)
  stop_pidfile "$DIR/kafka.pid" "$TIMEOUT"
  info "stopped in $(elapsed "$t0")s"
else
  step "Kafka is not running (no live pid in $DIR/kafka.pid)"
  rm -f "$DIR/kafka.pid"
fi
if [ "$CLEAN" = 1 ] && [ -d "$DIR" ]; then
  rm -rf "$DIR"
  info "deleted $DIR"
fi
