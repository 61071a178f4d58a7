#!/usr/bin/env bash
# Starts a built Statefun application (`stateflow build app.py --target statefun --out APP`)
# on 127.0.0.1: its function service (APP/service.py with the Python of setup.sh), then
# Statefun 3.3 on a Flink 1.16 mini-cluster in one JVM (the launcher of setup.sh), each in
# its own process group, and waits until the service answers /health and every task of
# the job runs. What `stateflow run --target statefun` does, without the HTTP gateway.
# Usage: start.sh --app APP [--dir DIR] [--rest-port PORT] [--fresh] [--timeout 180]
#   --app        the built application: statefun-app.json, module.yaml, service.py
#   --dir        run folder: conf/, logs/, service.pid, jvm.pid, statefun-run.env
#                (default APP/run)
#   --rest-port  Flink's REST port on 127.0.0.1 (default: a free one)
#   --fresh      start without state (default: restore the newest retained checkpoint)
#   --timeout    seconds to wait for the service, then for the job (default 180)
# Needs the engine (stateflow engine setup statefun) and Kafka at the application's
# bootstrap (stateflow engine start kafka). Idempotent: when the application of DIR already
# runs, prints its address and exits 0. Prints Flink's REST address alone on stdout;
# DIR/statefun-run.env names the topics and addresses. Stop it with stop.sh --app APP.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

APP=""; DIR=""; REST_PORT=""; FRESH=0; TIMEOUT=180
while [ $# -gt 0 ]; do
  case "$1" in
    --app) APP="${2:?--app needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --rest-port) REST_PORT="${2:?--rest-port needs a value}"; shift 2 ;;
    --fresh) FRESH=1; shift ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: start.sh --help)" ;;
  esac
done
[ -n "$APP" ] || die "name the application to start: start.sh --app APP (a folder of: stateflow build app.py --target statefun --out APP)"
[ -d "$APP" ] || die "no application folder at $APP; build one with: stateflow build app.py --target statefun --out $APP"
APP="$(cd "$APP" && pwd)"
for f in statefun-app.json module.yaml service.py; do
  [ -f "$APP/$f" ] || die "$APP is not a built Statefun application (no $f); build it with: stateflow build app.py --target statefun --out $APP"
done
DIR="${DIR:-$APP/run}"
mkdir -p "$DIR/conf" "$DIR/logs"
DIR="$(cd "$DIR" && pwd)"

# Already running: both processes of DIR alive. Half of it (one died): stop the rest first.
if pidfile_alive "$DIR/jvm.pid" >/dev/null && pidfile_alive "$DIR/service.pid" >/dev/null && [ -f "$DIR/statefun-run.env" ]; then
  # shellcheck disable=SC1091
  source "$DIR/statefun-run.env"
  step "Statefun application already running (JVM pid $(cat "$DIR/jvm.pid"), service pid $(cat "$DIR/service.pid"), $DIR)"
  echo "${STATEFUN_REST#http://}"
  exit 0
fi
if pidfile_alive "$DIR/jvm.pid" >/dev/null || pidfile_alive "$DIR/service.pid" >/dev/null; then
  step "stopping what is left of an earlier start in $DIR"
  stop_pidfile "$DIR/jvm.pid" 20
  stop_pidfile "$DIR/service.pid" 10
fi

require_java
[ -f "$STATEFLOW_CACHE/statefun.env" ] || die "Statefun is not set up ($STATEFLOW_CACHE/statefun.env does not exist); run: stateflow engine setup statefun"
# shellcheck disable=SC1091
source "$STATEFLOW_CACHE/statefun.env"
compgen -G "${STATEFUN_LIBS:-/nonexistent}/*.jar" >/dev/null || die "the Statefun jars are missing (no jars in ${STATEFUN_LIBS:-STATEFUN_LIBS, unset}); run: stateflow engine setup statefun"
[ -f "${STATEFUN_JAR:-}" ] || die "the launcher jar is missing (${STATEFUN_JAR:-STATEFUN_JAR, unset}); run: stateflow engine setup statefun"
[ -x "${STATEFUN_PYTHON:-}" ] || die "the function service's Python is missing (${STATEFUN_PYTHON:-STATEFUN_PYTHON, unset}); run: stateflow engine setup statefun"
command -v curl >/dev/null 2>&1 || die "curl not found on PATH (the readiness probes ask the service and Flink's REST API)"
t0=$(now)

# The application's settings, as shell variables (values quoted by Python's shlex).
settings="$("$STATEFUN_PYTHON" - "$APP" <<'PY' 2>&1
import json, os, shlex, sys
app = sys.argv[1]
try:
    with open(os.path.join(app, "statefun-app.json"), encoding="utf-8") as f:
        c = json.load(f)
    t = c["topics"]
    ck = c["checkpoint"]["dir"]
    values = {
        "APP_NAME": c["appName"], "BOOTSTRAP": c["bootstrap"], "PARALLELISM": c["parallelism"],
        "INGRESS": t["ingress"], "EGRESS": t["egress"], "DEAD_LETTER": t["deadLetter"],
        "CREATE_TOPICS": ",".join([t["ingress"], t["egress"], t["deadLetter"]] + [r for r in c["replyTopics"] if r != "*"]),
        "CK_INTERVAL_MS": c["checkpoint"]["intervalMs"], "CK_RETAINED": c["checkpoint"]["retained"],
        "CK_DIR": ck if "://" in ck or os.path.isabs(ck) else os.path.join(app, ck),
        "SERVICE_HOST": c["service"]["host"], "SERVICE_PORT": c["service"]["port"],
    }
except (OSError, ValueError, KeyError, TypeError) as e:
    print("%s/statefun-app.json cannot be read (%s: %s); build the application again" % (app, type(e).__name__, e))
    sys.exit(1)
for k, v in values.items():
    print("%s=%s" % (k, shlex.quote(str(v))))
PY
)" || die "$settings"
eval "$settings"

# Loopback only: the service listens where module.yaml sends Statefun's calls.
case "$SERVICE_HOST" in
  127.*|localhost|::1) ;;
  *) die "the function service would listen on $SERVICE_HOST; this script runs everything on loopback: build with --set serviceHost=127.0.0.1" ;;
esac
port_open "$SERVICE_PORT" && die "port $SERVICE_PORT on 127.0.0.1 (the function service's) is already in use by another process; build with another --service-port"
first="${BOOTSTRAP%%,*}"
(exec 3<>"/dev/tcp/${first%:*}/${first##*:}") 2>/dev/null \
  || die "no Kafka answers at $first (the application's bootstrap); start one with: stateflow engine start kafka --port ${first##*:}"
if [ -n "$REST_PORT" ]; then
  port_open "$REST_PORT" && die "port $REST_PORT on 127.0.0.1 is already in use by another process; pick another with --rest-port"
else
  REST_PORT="$("$STATEFUN_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
fi
REST="127.0.0.1:$REST_PORT"
SERVICE="http://$SERVICE_HOST:$SERVICE_PORT"

fail() {
  for log in service.log jvm.log flink.log; do
    [ -s "$DIR/logs/$log" ] || continue
    printf -- '--- last lines of %s ---\n' "$DIR/logs/$log" >&2
    tail -n 20 "$DIR/logs/$log" >&2 || true
  done
  stop_pidfile "$DIR/jvm.pid" 20
  stop_pidfile "$DIR/service.pid" 10
  exit 1
}

step "starting the function service on $SERVICE ($APP/service.py)"
rm -f "$DIR/statefun-run.env"
(cd "$APP" && PYTHONUNBUFFERED=1 start_detached "$DIR/service.pid" "$DIR/logs/service.log" \
  "$STATEFUN_PYTHON" "$APP/service.py" --host "$SERVICE_HOST" --port "$SERVICE_PORT")
service_ready() { curl -fsS --max-time 2 "$SERVICE/health" >/dev/null 2>&1; }
wait_ready "$DIR/service.pid" "$TIMEOUT" "the function service on $SERVICE" service_ready || fail
info "service answers after $(elapsed "$t0")s"

RESTORE=""
if [ "$FRESH" = 0 ] && [[ "$CK_DIR" != *://* ]] && [ -d "$CK_DIR" ]; then
  RESTORE="$(find "$CK_DIR" -path '*/chk-*/_metadata' -printf '%T@ %h\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-)"
fi
CK_URI="$CK_DIR"; [[ "$CK_DIR" == *://* ]] || CK_URI="file://$CK_DIR"

# The Flink settings of runStatefunApp (@stateflow/backend-statefun): every endpoint on
# loopback, exactly-once checkpoints retained in the application's folder, restarts forever.
prop() { printf '%s=%s\n' "$1" "${2//\\/\\\\}"; }
{
  echo "# Generated by tools/engines/statefun/start.sh for $APP"
  prop statefun.remote.module-name "file://$APP/module.yaml"
  prop statefun.flink-job-name "$APP_NAME"
  prop parallelism.default "$PARALLELISM"
  prop execution.checkpointing.interval "$CK_INTERVAL_MS ms"
  prop execution.checkpointing.mode EXACTLY_ONCE
  # Every request crosses two buffered hops (ingress -> functions -> egress): ship at once.
  prop execution.buffer-timeout "1 ms"
  prop execution.checkpointing.externalized-checkpoint-retention RETAIN_ON_CANCELLATION
  prop state.backend rocksdb
  prop state.backend.incremental true
  prop state.checkpoints.dir "$CK_URI"
  prop state.checkpoints.num-retained "$CK_RETAINED"
  prop rest.address 127.0.0.1
  prop rest.bind-address 127.0.0.1
  prop rest.port "$REST_PORT"
  prop jobmanager.rpc.address 127.0.0.1
  prop jobmanager.bind-host 127.0.0.1
  prop taskmanager.bind-host 127.0.0.1
  prop taskmanager.host 127.0.0.1
  prop restart-strategy fixed-delay
  prop restart-strategy.fixed-delay.attempts 2147483647
  prop restart-strategy.fixed-delay.delay "1 s"
  prop stateflow.bootstrap "$BOOTSTRAP"
  prop stateflow.create-topics "$CREATE_TOPICS"
  [ -z "$RESTORE" ] || prop execution.savepoint.path "$RESTORE"
} >"$DIR/conf/flink.properties"
cat >"$DIR/conf/log4j2.properties" <<PROPS
# Generated by tools/engines/statefun/start.sh: Flink's log in logs/flink.log.
status = warn
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = $DIR/logs/flink.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = %d %p %c{1} - %m%n
rootLogger.level = info
rootLogger.appenderRef.file.ref = FILE
logger.kafka.name = org.apache.kafka
logger.kafka.level = warn
logger.checkpoint.name = org.apache.flink.runtime.checkpoint
logger.checkpoint.level = warn
PROPS

# What Java 17 needs to run Flink 1.16 (JAVA17_FLAGS of @stateflow/backend-statefun).
java17=(--add-exports=java.base/sun.net.util=ALL-UNNAMED --add-exports=java.rmi/sun.rmi.registry=ALL-UNNAMED
  --add-exports=java.security.jgss/sun.security.krb5=ALL-UNNAMED)
for p in java.lang java.net java.io java.nio sun.nio.ch java.lang.reflect java.text java.time java.util \
  java.util.concurrent java.util.concurrent.atomic java.util.concurrent.locks; do
  java17+=("--add-opens=java.base/$p=ALL-UNNAMED")
done
step "starting Statefun ${STATEFUN_VERSION:-} (Flink REST $REST)${RESTORE:+, restoring $RESTORE}"
(cd "$APP" && start_detached "$DIR/jvm.pid" "$DIR/logs/jvm.log" \
  java "${java17[@]}" -Xmx768m -XX:+UseG1GC -Dlog4j.configurationFile="$DIR/conf/log4j2.properties" \
    -Dlog4j2.configurationFile="$DIR/conf/log4j2.properties" -cp "$STATEFUN_LIBS/*:$STATEFUN_JAR" \
    dev.stateflow.statefun.StatefunLocal "$DIR/conf/flink.properties")

# Ready = the job is RUNNING with every task running (and the service still up).
job_running() {
  pidfile_alive "$DIR/service.pid" >/dev/null || { printf 'error: the function service exited\n' >&2; fail; }
  curl -fsS --max-time 2 "http://$REST/jobs/overview" 2>/dev/null | "$STATEFUN_PYTHON" -c '
import json, sys
jobs = json.load(sys.stdin).get("jobs") or [{}]
job = jobs[0]
sys.exit(0 if job.get("state") == "RUNNING" and job["tasks"]["running"] == job["tasks"]["total"] else 1)' 2>/dev/null
}
wait_ready "$DIR/jvm.pid" "$TIMEOUT" "the Statefun job (Flink REST $REST)" job_running || fail
printf 'STATEFUN_REST=%s\nSTATEFUN_SERVICE=%s\nSTATEFUN_BOOTSTRAP=%s\nSTATEFUN_INGRESS=%s\nSTATEFUN_EGRESS=%s\nSTATEFUN_DEAD_LETTER=%s\n' \
  "http://$REST" "$SERVICE/statefun" "$BOOTSTRAP" "$INGRESS" "$EGRESS" "$DEAD_LETTER" >"$DIR/statefun-run.env"
step "Statefun application $APP_NAME ready in $(elapsed "$t0")s: requests to topic $INGRESS on $BOOTSTRAP, replies on $EGRESS (REST $REST, service $SERVICE, $DIR)"
echo "$REST"
