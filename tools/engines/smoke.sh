#!/usr/bin/env bash
# End-to-end smoke test of the engine tooling, on real processes:
#   fetch Kafka and PyFlink (cached), start a fresh single-node Kafka on 127.0.0.1,
#   create the topics, start flink/smoke_job.py (KafkaSource -> keyed ValueState count ->
#   exactly-once KafkaSink) on a local mini-cluster, feed it and check every count with
#   flink/smoke_client.py (read_committed), then cancel the job and stop Kafka.
# Usage: smoke.sh [--port 19192] [--timeout 300] [--keep]
#   --port     Kafka client port (the controller uses PORT+1)
#   --timeout  seconds allowed after the downloads (default 300); on failure the logs are
#              printed and kept
#   --keep     keep the work folder (logs, Kafka data) even on success
set -euo pipefail
# shellcheck source=SCRIPTDIR/lib.sh
source "$(dirname "$0")/lib.sh"

PORT=19192; TIMEOUT=300; KEEP=0
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    --keep) KEEP=1; shift ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: smoke.sh --help)" ;;
  esac
done

T_ALL=$(now)
WORK="$(mktemp -d "${TMPDIR:-/tmp}/stateflow-engines-smoke.XXXXXX")"
KDIR="$WORK/kafka"
JOB_PID=""
declare -A TIMES=()

show_logs() {
  printf '\n--- %s (last 40 lines) ---\n' "$WORK/job.log" >&2
  tail -n 40 "$WORK/job.log" >&2 2>/dev/null || true
  for f in "$WORK"/flink-logs/*.log; do
    [ -f "$f" ] || continue
    printf '\n--- %s (errors, last 40) ---\n' "$f" >&2
    grep -E ' (ERROR|WARN) |Exception|Caused by' "$f" | grep -v 'Name collision' | tail -n 40 >&2 || true
  done
  printf '\n--- %s (last 30 lines) ---\n' "$KDIR/logs/server.log" >&2
  tail -n 30 "$KDIR/logs/server.log" >&2 2>/dev/null || true
}

stop_job() {
  [ -n "$JOB_PID" ] || return 0
  if kill -0 "$JOB_PID" 2>/dev/null; then
    touch "$WORK/stop"
    for _ in $(seq 100); do kill -0 "$JOB_PID" 2>/dev/null || break; sleep 0.2; done
  fi
  # The job runs in its own process group (python, the mini-cluster JVM, the Python
  # workers): end whatever of that group is still there.
  # The mini-cluster JVM and the Python workers exit shortly after the job's python.
  for _ in $(seq 50); do pgrep -g "$JOB_PID" >/dev/null 2>&1 || break; sleep 0.2; done
  if pgrep -g "$JOB_PID" >/dev/null 2>&1; then
    info "ending the rest of the job's process group $JOB_PID:"
    ps -o pid=,args= -g "$JOB_PID" | cut -c1-120 | sed 's/^/      /' >&2 || true
    kill -TERM -- "-$JOB_PID" 2>/dev/null || true
    for _ in $(seq 50); do pgrep -g "$JOB_PID" >/dev/null 2>&1 || break; sleep 0.2; done
    kill -KILL -- "-$JOB_PID" 2>/dev/null || true
  fi
  JOB_PID=""
}

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  set +e
  stop_job
  "$ENGINES_DIR/kafka/stop.sh" --dir "$KDIR" >/dev/null 2>&1
  if [ "$rc" -ne 0 ]; then
    show_logs
    printf '\nsmoke: 0 passed, 1 failed (logs kept in %s)\n' "$WORK" >&2
  elif [ "$KEEP" = 1 ]; then
    info "work folder kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. Downloads (cached): bounded separately, a cold cache needs a minute or two.
step "fetching Kafka"
t0=$(now); timeout 900 "$ENGINES_DIR/kafka/fetch.sh"; TIMES[kafka_fetch]=$(elapsed "$t0")
step "setting up PyFlink"
t0=$(now); timeout 900 "$ENGINES_DIR/flink/setup.sh"; TIMES[flink_setup]=$(elapsed "$t0")
# shellcheck disable=SC1091
source "$STATEFLOW_CACHE/kafka.env"
# shellcheck disable=SC1091
source "$STATEFLOW_CACHE/flink.env"

DEADLINE=$(( $(date +%s) + TIMEOUT ))
remaining() { echo $(( DEADLINE - $(date +%s) )); }
check_time() { [ "$(remaining)" -gt 0 ] || die "timed out after ${TIMEOUT}s: $1"; }

# 2. Kafka and the topics.
t0=$(now)
BOOTSTRAP="$("$ENGINES_DIR/kafka/start.sh" --port "$PORT" --dir "$KDIR" --fresh --timeout "$(remaining)")"
TIMES[kafka_start]=$(elapsed "$t0")
"$ENGINES_DIR/kafka/create-topic.sh" --bootstrap "$BOOTSTRAP" smoke-in 2
"$ENGINES_DIR/kafka/create-topic.sh" --bootstrap "$BOOTSTRAP" smoke-out 1

# 3. The Flink job, in its own session and process group.
step "starting the PyFlink job (Flink $FLINK_VERSION, connector $FLINK_KAFKA_CONNECTOR)"
mkdir -p "$WORK/flink-logs"
t0=$(now)
# shellcheck disable=SC2016  # $$ and $@ expand in the child shell
FLINK_LOG_DIR="$WORK/flink-logs" setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$WORK/job.pid" \
  "$FLINK_PYTHON" "$ENGINES_DIR/flink/smoke_job.py" --bootstrap "$BOOTSTRAP" \
    --input smoke-in --output smoke-out --jar "$FLINK_KAFKA_JAR" \
    --stop-file "$WORK/stop" --run-seconds "$(remaining)" \
  </dev/null >"$WORK/job.log" 2>&1 &
for _ in $(seq 50); do [ -s "$WORK/job.pid" ] && break; sleep 0.1; done
JOB_PID="$(cat "$WORK/job.pid")"
until grep -q '^JOB_RUNNING' "$WORK/job.log"; do
  kill -0 "$JOB_PID" 2>/dev/null || die "the PyFlink job exited before running"
  check_time "waiting for the PyFlink job to run"
  sleep 0.3
done
TIMES[job_start]=$(elapsed "$t0")
info "job running after ${TIMES[job_start]}s ($(grep '^JOB_RUNNING' "$WORK/job.log"))"

# 4. Feed it and check the counts.
step "producing input and checking the counts"
t0=$(now)
"$FLINK_PYTHON" "$ENGINES_DIR/flink/smoke_client.py" --bootstrap "$BOOTSTRAP" \
  --input smoke-in --output smoke-out --timeout "$(( $(remaining) > 10 ? $(remaining) - 10 : 1 ))" \
  2>&1 | sed 's/^/    /' >&2
TIMES[round_trip]=$(elapsed "$t0")

# 5. Stop everything and make sure nothing is left.
step "cancelling the job and stopping Kafka"
pid="$JOB_PID"
t0=$(now); stop_job; TIMES[job_stop]=$(elapsed "$t0")
grep -q '^JOB_CANCELLED' "$WORK/job.log" || die "the job did not report a clean cancel"
pgrep -g "$pid" >/dev/null 2>&1 && die "processes of the job's group $pid are still running"
"$ENGINES_DIR/kafka/stop.sh" --dir "$KDIR"

step "timings (seconds)"
info "kafka fetch ${TIMES[kafka_fetch]}, flink setup ${TIMES[flink_setup]}, kafka start ${TIMES[kafka_start]},"
info "job start ${TIMES[job_start]}, produce+verify ${TIMES[round_trip]}, job stop ${TIMES[job_stop]}, total $(elapsed "$T_ALL")"
echo "smoke: 1 passed, 0 failed"
