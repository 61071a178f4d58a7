#!/usr/bin/env bash
# Starts the local DynamoDB-compatible store (moto's server behind one request lock, see
# packages/backend-lambda/local/dynamodb_store.py) on 127.0.0.1, and waits until it answers.
# Usage: start-store.sh [--port 18000] [--dir DIR] [--timeout 60]
#   --dir  where store.pid and store.log go (default $STATEFLOW_CACHE/run/dynamodb-PORT)
# State is in memory: every start is empty. Idempotent: when the store of DIR already
# runs, prints its endpoint and exits 0. Prints the endpoint alone on stdout:
#   ENDPOINT=$(tools/engines/lambda/start-store.sh --port 18000)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

PORT=18000; DIR=""; TIMEOUT=60
while [ $# -gt 0 ]; do
  case "$1" in
    --port) PORT="${2:?--port needs a value}"; shift 2 ;;
    --dir) DIR="${2:?--dir needs a value}"; shift 2 ;;
    --timeout) TIMEOUT="${2:?--timeout needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (see: start-store.sh --help)" ;;
  esac
done
DIR="${DIR:-$STATEFLOW_CACHE/run/dynamodb-$PORT}"
mkdir -p "$DIR"
ENDPOINT="http://127.0.0.1:$PORT"
PIDFILE="$DIR/store.pid"
# The launcher ships with @stateflow/backend-lambda: next to this folder in the repository,
# else the copy installed in the current project (node resolves it), else LAMBDA_STORE_LAUNCHER.
find_launcher() {
  local repo="$ENGINES_DIR/../../packages/backend-lambda/local/dynamodb_store.py" pkg
  [ -n "${LAMBDA_STORE_LAUNCHER:-}" ] && { printf '%s' "$LAMBDA_STORE_LAUNCHER"; return; }
  [ -f "$repo" ] && { printf '%s' "$repo"; return; }
  pkg="$(node -p "require.resolve('@stateflow/backend-lambda/package.json', { paths: [process.cwd()] })" 2>/dev/null)" \
    || die "the store's launcher ships with @stateflow/backend-lambda, which is not installed here; npm install @stateflow/backend-lambda (or set LAMBDA_STORE_LAUNCHER=/path/to/dynamodb_store.py)"
  printf '%s' "$(dirname "$pkg")/local/dynamodb_store.py"
}
LAUNCHER="$(find_launcher)"

if pid="$(pidfile_alive "$PIDFILE")"; then
  step "store already running (pid $pid)"
  echo "$ENDPOINT"; exit 0
fi
port_open "$PORT" && die "port $PORT on 127.0.0.1 is already in use by another process; pick another with --port"
[ -f "$STATEFLOW_CACHE/lambda.env" ] || bash "$ENGINES_DIR/lambda/setup.sh"
# shellcheck disable=SC1091
source "$STATEFLOW_CACHE/lambda.env"

t0=$(now)
step "starting the DynamoDB-compatible store (moto $MOTO_VERSION) on $ENDPOINT"
start_detached "$PIDFILE" "$DIR/store.log" "$LAMBDA_PYTHON" "$LAUNCHER" --host 127.0.0.1 --port "$PORT"
# Ready when it answers a DynamoDB call (ListTables), not merely when the port opens.
answers() {
  curl -sf -o /dev/null -X POST "$ENDPOINT/" -H 'X-Amz-Target: DynamoDB_20120810.ListTables' \
    -H 'Content-Type: application/x-amz-json-1.0' \
    -H 'Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0' \
    -d '{}'
}
if ! wait_ready "$PIDFILE" "$TIMEOUT" "the store" answers; then
  tail -n 20 "$DIR/store.log" >&2
  stop_pidfile "$PIDFILE" 5
  die "the store did not start on $ENDPOINT (log: $DIR/store.log)"
fi
step "store ready in $(elapsed "$t0")s: $ENDPOINT (pid $(cat "$PIDFILE"), log $DIR/store.log)"
echo "$ENDPOINT"
