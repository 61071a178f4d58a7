# Shared helpers for the engine scripts (sourced, not run).
# Everything downloaded lives under $STATEFLOW_CACHE (default ~/.cache/stateflow).

STATEFLOW_CACHE="${STATEFLOW_CACHE:-$HOME/.cache/stateflow}"
export STATEFLOW_CACHE
ENGINES_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# One Maven repository inside the cache: the scripts never read or write ~/.m2.
SF_M2="$STATEFLOW_CACHE/m2"

step() { printf '==> %s\n' "$*" >&2; }
info() { printf '    %s\n' "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# Seconds since the epoch with millisecond precision, for the timings printed.
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# mvn in batch mode, quiet, colourless, against the cache's repository.
sf_mvn() {
  command -v mvn >/dev/null 2>&1 || die "mvn not found on PATH; install Maven 3.8+ (apt-get install maven)"
  mvn -B -q -Dstyle.color=never -Dmaven.repo.local="$SF_M2" "$@"
}

# Size of a file or folder, human readable.
size_of() { du -sh "$1" 2>/dev/null | cut -f1; }

# True when something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

require_java() {
  command -v java >/dev/null 2>&1 || die "java not found on PATH; install a JDK 17 (apt-get install openjdk-17-jdk-headless)"
}

# --- Kafka -----------------------------------------------------------------------

# shellcheck disable=SC2034  # used by the Kafka scripts
KAFKA_DEFAULT_PORT=19092

# Default data folder of the broker listening on port $1.
kafka_default_dir() { printf '%s/run/kafka-%s' "$STATEFLOW_CACHE" "$1"; }

# Loads KAFKA_VERSION and KAFKA_LIBS from the cache (fetching first if needed).
kafka_load_env() {
  if [ ! -f "$STATEFLOW_CACHE/kafka.env" ]; then
    "$ENGINES_DIR/kafka/fetch.sh"
  fi
  # shellcheck disable=SC1091
  source "$STATEFLOW_CACHE/kafka.env"
  [ -d "$KAFKA_LIBS" ] || die "Kafka jars missing at $KAFKA_LIBS; run tools/engines/kafka/fetch.sh"
}

# Runs a Kafka class with the cached classpath: kafka_java MAIN_CLASS ARGS...
kafka_java() {
  local main="$1"; shift
  java -Xmx256m -Dlog4j2.configurationFile="$ENGINES_DIR/kafka/log4j2-tools.properties" \
    -cp "$KAFKA_LIBS/*" "$main" "$@"
}

# The pid in DIR/kafka.pid when that process is alive.
kafka_running_pid() {
  local pidfile="$1/kafka.pid" pid
  [ -f "$pidfile" ] || return 1
  pid="$(cat "$pidfile")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}
