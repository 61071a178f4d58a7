#!/usr/bin/env bash
# Stops the application that start.sh started: the Statefun JVM, then the function service
# (pid files in DIR), and waits for them to exit. Checkpoints stay in the application.
# Usage: stop.sh (--app APP | --dir DIR) [--timeout SECONDS] [--clean]
#   --app    the application folder given to start.sh (its run folder: APP/run)
#   --dir    the run folder given to start.sh --dir
#   --clean  also delete the run folder (configuration and logs)
# Idempotent: nothing running is not an error.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

APP=""; DIR=""; TIMEOUT=30; CLEAN=0
while [ $# -gt 0 ]; do
  case "$1" in
    --app) APP="${2:?--app needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --clean) CLEAN=1; shift ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: stop.sh --help)" ;;
  esac
done
[ -n "$DIR" ] || [ -n "$APP" ] || die "name the application to stop: stop.sh --app APP (or --dir DIR, the run folder of start.sh --dir)"
DIR="${DIR:-$APP/run}"
[ -d "$DIR" ] || { step "no Statefun run folder at $DIR (nothing was started there)"; exit 0; }
t0=$(now)
stopped=0
# The JVM first: it stops calling the service, which then has nothing in flight.
for what in jvm service; do
  if pid="$(pidfile_alive "$DIR/$what.pid")"; then
    step "stopping the Statefun $([ "$what" = jvm ] && echo JVM || echo 'function service') (pid $pid)"
    stop_pidfile "$DIR/$what.pid" "$TIMEOUT"
    stopped=1
  else
    rm -f "$DIR/$what.pid"
  fi
done
rm -f "$DIR/statefun-run.env"
if [ "$stopped" = 1 ]; then info "stopped in $(elapsed "$t0")s"; else step "the Statefun application of $DIR is not running"; fi
if [ "$CLEAN" = 1 ]; then
  rm -rf "$DIR"
  info "deleted $DIR"
fi
