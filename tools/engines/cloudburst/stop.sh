#!/usr/bin/env bash
# Stops what start.sh started (executor, scheduler, then Anna): stop.sh [--dir RUNDIR]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
RUN="$STATEFLOW_CACHE/run/cloudburst"
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) RUN="${2:?}"; shift 2 ;;
    -h|--help) sed -n '2p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
for p in gateway executor scheduler anna-kvs anna-route anna-monitor; do
  [ -f "$RUN/$p.pid" ] && { step "stopping $p"; stop_pidfile "$RUN/$p.pid" 10; }
done
true
