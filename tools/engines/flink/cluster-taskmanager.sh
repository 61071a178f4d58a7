#!/usr/bin/env bash
# Starts TaskManager INDEX of the cluster in DIR (made by cluster-start.sh), e.g. again after
# a fault test killed it, and waits until the JobManager counts it.
# Usage: cluster-taskmanager.sh --dir DIR --index I [--timeout 180]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

DIR=""; INDEX=""; TIMEOUT=180
while [ $# -gt 0 ]; do
  case "$1" in
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --index) INDEX="${2:?--index needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,4p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: cluster-taskmanager.sh --help)" ;;
  esac
done
[ -n "$DIR" ] && [ -n "$INDEX" ] || die "cluster-taskmanager.sh needs --dir and --index"
[ -f "$DIR/conf/config.yaml" ] || die "$DIR is not a cluster folder of cluster-start.sh (no conf/config.yaml)"
# shellcheck source=SCRIPTDIR/cluster-lib.sh
source "$(dirname "$0")/cluster-lib.sh"
flink_cluster_env
REST="127.0.0.1:$(sed -n 's/^rest.port: //p' "$DIR/conf/config.yaml")"
pidfile="$DIR/taskmanager-$INDEX.pid"
if pidfile_alive "$pidfile" >/dev/null; then
  step "TaskManager $INDEX already running (pid $(cat "$pidfile"))"
  exit 0
fi
count() { curl -fsS --max-time 5 "http://$REST/taskmanagers" 2>/dev/null | grep -o '"id"' | wc -l; }
before="$(count || echo 0)"
t0=$(now)
step "starting TaskManager $INDEX"
# The cluster's lib/ (the distribution's plus flink-python, see cluster-start.sh).
lib="$DIR/lib"; [ -d "$lib" ] || lib="$FLINK_HOME/lib"
FLINK_CONF_DIR="$DIR/conf" FLINK_LOG_DIR="$DIR/log" FLINK_PID_DIR="$DIR" FLINK_LIB_DIR="$lib" FLINK_IDENT_STRING="tm$INDEX" \
  start_detached "$pidfile" "$DIR/log/taskmanager-$INDEX.out" "$FLINK_HOME/bin/taskmanager.sh" start-foreground
# A TaskManager killed a moment ago may still be counted until its heartbeat times out.
one_more() { [ "$(count)" -gt "$before" ] || [ "$(elapsed "$t0" | cut -d. -f1)" -ge 15 ]; }
wait_ready "$pidfile" "$TIMEOUT" "TaskManager $INDEX" one_more || { tail -n 30 "$DIR/log/taskmanager-$INDEX.out" >&2; exit 1; }
info "TaskManager $INDEX up in $(elapsed "$t0")s ($(count) registered)"
