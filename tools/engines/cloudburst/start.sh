#!/usr/bin/env bash
# Starts Anna and Cloudburst in local mode on 127.0.0.1, from the build of build.sh:
#   start.sh [--pythonpath DIR] [--dir RUNDIR] [--timeout 60]
# in order: anna-monitor, anna-route, anna-kvs (memory tier), Cloudburst's scheduler, then
# one executor (one thread) whose PYTHONPATH includes DIR (a built program's function/
# folder, so it can import the StateFlow function and the kernel). Each waits until it
# listens. Pid files and logs go to RUNDIR (default $STATEFLOW_CACHE/run/cloudburst).
# Ports are Anna's and Cloudburst's fixed ones (4000-4050, 5000-5011, 5500, 6000-7200);
# a busy 5000 or 6450 fails the start with a message. Stop with stop.sh (same --dir).
#   start.sh --executor-only [--pythonpath DIR] [--dir RUNDIR]   starts the executor again
#   (after it was killed); Cloudburst then needs the program registered again.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

PYPATH=""; RUN="$STATEFLOW_CACHE/run/cloudburst"; TIMEOUT=60; ONLY_EXECUTOR=0
while [ $# -gt 0 ]; do
  case "$1" in
    --pythonpath) PYPATH="${2:?}"; shift 2 ;;
    --dir) RUN="${2:?}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?}"; shift 2 ;;
    --executor-only) ONLY_EXECUTOR=1; shift ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
ENV_FILE="$STATEFLOW_CACHE/cloudburst.env"
[ -f "$ENV_FILE" ] || die "Cloudburst is not built: run tools/engines/cloudburst/build.sh --src DIR (DIR with anna/, cloudburst/, common/ checkouts)"
# shellcheck disable=SC1090
source "$ENV_FILE"
mkdir -p "$RUN/conf"
cp "$ANNA_HOME/conf/anna-local.yml" "$RUN/conf/anna-config.yml"
cp "$CLOUDBURST_HOME/conf/cloudburst-local.yml" "$RUN/conf/cloudburst-local.yml"
t0=$(now)

# Anna's and the scheduler's sockets are ZeroMQ: a TCP connect is the readiness probe.
start_executor() {
  step "starting Cloudburst's executor${PYPATH:+ (PYTHONPATH $PYPATH)}"
  ( cd "$RUN" && PYTHONPATH="$PYPATH" start_detached "$RUN/executor.pid" "$RUN/executor.log" \
      "$CLOUDBURST_PYTHON" -u "$CLOUDBURST_HOME/cloudburst/server/executor/server.py" conf/cloudburst-local.yml )
  # The executor binds its pin port when it is ready for functions.
  wait_ready "$RUN/executor.pid" "$TIMEOUT" "the executor" port_open 4000 || { tail -n 20 "$RUN/executor.log" >&2; exit 1; }
}

if [ "$ONLY_EXECUTOR" = 1 ]; then
  pidfile_alive "$RUN/scheduler.pid" >/dev/null || die "the scheduler is not running in $RUN: start everything with start.sh"
  stop_pidfile "$RUN/executor.pid" 5
  start_executor
  step "executor ready in $(elapsed "$t0")s"
  exit 0
fi

for p in 5000 6450 4000; do
  port_open "$p" && die "port $p is in use (another Cloudburst, or something else); stop it first (stop.sh --dir $RUN)"
done
step "starting Anna (monitor, routing, memory KVS) in $RUN"
( cd "$RUN" && start_detached "$RUN/anna-monitor.pid" "$RUN/anna-monitor.log" "$ANNA_HOME/build/target/kvs/anna-monitor" )
( cd "$RUN" && start_detached "$RUN/anna-route.pid" "$RUN/anna-route.log" "$ANNA_HOME/build/target/kvs/anna-route" )
wait_ready "$RUN/anna-route.pid" "$TIMEOUT" "anna-route" port_open 6450 || { tail -n 20 "$RUN/anna-route.log" >&2; exit 1; }
( cd "$RUN" && SERVER_TYPE=memory start_detached "$RUN/anna-kvs.pid" "$RUN/anna-kvs.log" "$ANNA_HOME/build/target/kvs/anna-kvs" )
wait_ready "$RUN/anna-kvs.pid" "$TIMEOUT" "anna-kvs" port_open 6200 || { tail -n 20 "$RUN/anna-kvs.log" >&2; exit 1; }

step "starting Cloudburst's scheduler"
( cd "$RUN" && start_detached "$RUN/scheduler.pid" "$RUN/scheduler.log" \
    "$CLOUDBURST_PYTHON" -u "$CLOUDBURST_HOME/cloudburst/server/scheduler/server.py" conf/cloudburst-local.yml )
wait_ready "$RUN/scheduler.pid" "$TIMEOUT" "the scheduler" port_open 5000 || { tail -n 20 "$RUN/scheduler.log" >&2; exit 1; }
start_executor
step "Anna and Cloudburst ready in $(elapsed "$t0")s (scheduler at 127.0.0.1:5000)"
