#!/usr/bin/env bash
# Creates a topic (replication factor 1) if it does not exist yet.
# Usage: create-topic.sh NAME [PARTITIONS] [--port 19092 | --bootstrap HOST:PORT]
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

BOOTSTRAP="127.0.0.1:$KAFKA_DEFAULT_PORT"; ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --port) BOOTSTRAP="127.0.0.1:${2:?--port needs a value}"; shift 2 ;;
    --bootstrap) BOOTSTRAP="${2:?--bootstrap needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,3p' "$0"; exit 0 ;;
    -*) die "unknown option '$1' (see: create-topic.sh --help)" ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
if [ "${#ARGS[@]}" -lt 1 ] || [ "${#ARGS[@]}" -gt 2 ]; then die "usage: create-topic.sh NAME [PARTITIONS] [--port PORT]"; fi
NAME="${ARGS[0]}"; PARTITIONS="${ARGS[1]:-1}"
[[ "$PARTITIONS" =~ ^[1-9][0-9]*$ ]] || die "PARTITIONS must be a positive integer, got '$PARTITIONS'"

require_java
kafka_load_env
kafka_java org.apache.kafka.tools.TopicCommand --bootstrap-server "$BOOTSTRAP" --create \
  --if-not-exists --topic "$NAME" --partitions "$PARTITIONS" --replication-factor 1 >/dev/null
step "topic $NAME ready ($PARTITIONS partition(s)) on $BOOTSTRAP"
