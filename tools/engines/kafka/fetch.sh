#!/usr/bin/env bash
# Resolves the Kafka broker (org.apache.kafka:kafka_2.13, newest 4.x that resolves) and
# its command-line tools with all runtime dependencies into the cache:
#   $STATEFLOW_CACHE/kafka/<version>/libs/*.jar   the classpath for start.sh
#   $STATEFLOW_CACHE/kafka.env                    KAFKA_VERSION, KAFKA_LIBS
# Idempotent: once a version is complete, a second run downloads nothing and starts no mvn.
# Usage: fetch.sh [--version X.Y.Z]   (or KAFKA_VERSION=X.Y.Z)
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"

# Tried newest first; the first one that resolves wins.
CANDIDATES=(4.4.0 4.3.1 4.3.0 4.2.2 4.1.2 4.0.2)
WANT="${KAFKA_VERSION:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --version) WANT="${2:?--version needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,8p' "$0"; exit 0 ;;
    *) die "unknown argument '$1' (usage: fetch.sh [--version X.Y.Z])" ;;
  esac
done
[ -n "$WANT" ] && CANDIDATES=("$WANT")

write_env() {
  local version="$1" libs="$STATEFLOW_CACHE/kafka/$1/libs"
  printf 'KAFKA_VERSION=%s\nKAFKA_LIBS=%s\n' "$version" "$libs" >"$STATEFLOW_CACHE/kafka.env"
  info "version:   $version"
  info "classpath: $libs/* ($(find "$libs" -name '*.jar' | wc -l) jars, $(size_of "$libs"))"
  info "env file:  $STATEFLOW_CACHE/kafka.env"
}

mkdir -p "$STATEFLOW_CACHE/kafka"
# Already fetched? Use the newest complete candidate without calling mvn.
for v in "${CANDIDATES[@]}"; do
  if [ -f "$STATEFLOW_CACHE/kafka/$v/.complete" ]; then
    step "Kafka $v already in the cache"
    write_env "$v"
    exit 0
  fi
done

# Resolves one version into $SF_PARTIAL (see cache_once in lib.sh).
resolve_into() {
  sf_mvn -f "$ENGINES_DIR/kafka/pom.xml" -Dkafka.version="$1" \
    dependency:copy-dependencies -DincludeScope=runtime \
    -DoutputDirectory="$SF_PARTIAL/libs" >"$SF_PARTIAL/mvn.log" 2>&1
}

require_java
for v in "${CANDIDATES[@]}"; do
  dir="$STATEFLOW_CACHE/kafka/$v"
  step "resolving Kafka $v with its runtime dependencies"
  t0=$(now)
  if cache_once "$dir" resolve_into "$v"; then
    info "resolved in $(elapsed "$t0")s (Maven repository $SF_M2: $(size_of "$SF_M2"))"
    write_env "$v"
    exit 0
  fi
  info "Kafka $v did not resolve; last mvn lines:"
  tail -n 5 "$dir.partial/mvn.log" | sed 's/^/      /' >&2
done
die "no Kafka version in (${CANDIDATES[*]}) resolved; see the mvn log above"
