# Shared helpers for the engine scripts (sourced, not run).
# Everything downloaded lives under $STATEFLOW_CACHE (default ${XDG_CACHE_HOME:-~/.cache}/stateflow,
# the same rule as cacheDir() of harness.mjs).

if [ -z "${STATEFLOW_CACHE:-}" ]; then
  case "${XDG_CACHE_HOME:-}" in
    /*) STATEFLOW_CACHE="$XDG_CACHE_HOME/stateflow" ;;
    *) STATEFLOW_CACHE="$HOME/.cache/stateflow" ;;
  esac
fi
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

# --- Generic engine helpers (every engine's scripts use these; see README.md) ----------

# Fills a cache folder once: cache_once DIR CMD... runs CMD with $SF_PARTIAL set to
# DIR.partial (a fresh folder to fill), then renames it to DIR and marks it complete.
# Returns at once when DIR is complete; an interrupted run leaves only DIR.partial.
cache_once() {
  local dir="$1"; shift
  [ -f "$dir/.complete" ] && return 0
  rm -rf "$dir.partial"; mkdir -p "$dir.partial"
  SF_PARTIAL="$dir.partial" "$@" || { local rc=$?; info "filling $dir failed (partial files kept in $dir.partial)"; return "$rc"; }
  rm -rf "$dir"; mv "$dir.partial" "$dir"; touch "$dir/.complete"
}

# Starts CMD in its own session (so the caller's Ctrl-C does not reach it, and its whole
# process group can be stopped) with output to LOG, and writes its pid (also its process
# group id) to PIDFILE: start_detached PIDFILE LOG CMD...
start_detached() {
  local pidfile="$1" log="$2"; shift 2
  rm -f "$pidfile"
  # The child writes its own pid before becoming CMD, so the pid file names CMD itself.
  # shellcheck disable=SC2016  # $$ and $@ expand in the child shell
  setsid bash -c 'echo $$ >"$1"; shift; exec "$@"' _ "$pidfile" "$@" </dev/null >"$log" 2>&1 &
  for _ in $(seq 50); do [ -s "$pidfile" ] && return 0; sleep 0.1; done
  die "the process of $pidfile did not start"
}

# The pid in PIDFILE when that process is alive.
pidfile_alive() {
  local pid
  [ -f "$1" ] || return 1
  pid="$(cat "$1")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  printf '%s' "$pid"
}

# Waits until PROBE... succeeds: wait_ready PIDFILE TIMEOUT_SECONDS WHAT PROBE...
# Fails (status 1, message on stderr) when the process exits or the time runs out.
wait_ready() {
  local pidfile="$1" timeout="$2" what="$3"; shift 3
  local deadline=$(( $(date +%s) + timeout ))
  until "$@"; do
    pidfile_alive "$pidfile" >/dev/null || { printf 'error: %s exited during start-up\n' "$what" >&2; return 1; }
    [ "$(date +%s)" -lt "$deadline" ] || { printf 'error: %s not ready within %ss\n' "$what" "$timeout" >&2; return 1; }
    sleep 0.2
  done
}

# Stops the process group of PIDFILE: SIGTERM, then SIGKILL after TIMEOUT seconds;
# removes PIDFILE. Nothing running is not an error: stop_pidfile PIDFILE [TIMEOUT]
stop_pidfile() {
  local pidfile="$1" timeout="${2:-30}" pid
  if pid="$(pidfile_alive "$pidfile")"; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local deadline=$(( $(date +%s) + timeout ))
    while kill -0 "$pid" 2>/dev/null; do
      if [ "$(date +%s)" -ge "$deadline" ]; then
        info "still running after ${timeout}s; sending SIGKILL"
        kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
        sleep 0.5
        break
      fi
      sleep 0.2
    done
  fi
  rm -f "$pidfile"
}

# --- Python virtualenvs and Go commands built into the cache ----------------------------

# Makes VENV offline from a folder of wheels filled once: venv_from_wheels NAME VENV WHEELS REQ...
# (NAME for messages; $PYTHON makes the venv). `pip wheel` also builds the few source-only
# dependencies, so a later install, or one after the venv is deleted, downloads nothing.
# The caller checks the result (its own imports) afterwards.
venv_from_wheels() {
  local name="$1" venv="$2" wheels="$3" t0; shift 3
  if [ ! -f "$wheels/.complete" ]; then
    step "downloading wheels for $* (Python $("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')) into $wheels"
    t0=$(now)
    [ -x "$venv/bin/python" ] || "$PYTHON" -m venv "$venv"
    _pip_wheel_into_partial() { "$venv/bin/python" -m pip wheel --quiet --disable-pip-version-check -w "$SF_PARTIAL" "$@"; }
    cache_once "$wheels" _pip_wheel_into_partial "$@" || die "downloading the $name wheels failed (see the pip output above)"
    local found=("$wheels"/*.whl)
    info "${#found[@]} wheels, $(size_of "$wheels"), in $(elapsed "$t0")s"
  fi
  step "creating $venv (offline, from the cached wheels)"
  t0=$(now)
  rm -rf "$venv"
  "$PYTHON" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-index --find-links "$wheels" "$@" \
    || die "installing $name from $wheels failed; delete that folder and run again"
  info "installed in $(elapsed "$t0")s ($(size_of "$venv"))"
}

# Builds a Go command into BIN in the background while the caller goes on (go install; the
# module and build caches in $STATEFLOW_CACHE/go): go_install_background NAME BIN EXE VERSION
# MODULE/PATH@VERSION. Sets GO_PID (empty when EXE is there and BIN/.version says VERSION);
# wait_for_go_install NAME BIN waits for it and fails with the end of its log.
go_install_background() {
  local name="$1" bin="$2" exe="$3" version="$4" target="$5"
  GO_PID=""
  if [ -x "$exe" ] && [ "$(cat "$bin/.version" 2>/dev/null)" = "$version" ]; then
    step "$name $version already at $exe"
    return 0
  fi
  command -v go >/dev/null 2>&1 || die "go not found on PATH; install Go 1.22+ (apt-get install golang-go) to build $name"
  step "building $name ($version) with go install"
  mkdir -p "$bin"
  ( t0=$(now)
    GOPATH="$STATEFLOW_CACHE/go" GOBIN="$bin" GOFLAGS=-modcacherw CGO_ENABLED=0 \
      go install "$target" >"$bin/go-install.log" 2>&1 || exit 1
    echo "$version" >"$bin/.version"
    info "$name built in $(elapsed "$t0")s ($(size_of "$exe"))" ) &
  GO_PID=$!
  # shellcheck disable=SC2064  # the pid is fixed now
  trap "kill $GO_PID 2>/dev/null; true" EXIT
}
wait_for_go_install() {
  [ -n "${GO_PID:-}" ] || return 0
  wait "$GO_PID" || { tail -n 20 "$2/go-install.log" >&2; die "go install of $1 failed (log above: $2/go-install.log)"; }
  GO_PID=""
  trap - EXIT
}

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
    bash "$ENGINES_DIR/kafka/fetch.sh"
  fi
  # shellcheck disable=SC1091
  source "$STATEFLOW_CACHE/kafka.env"
  [ -d "$KAFKA_LIBS" ] || die "Kafka jars missing at $KAFKA_LIBS; run: stateflow engine setup kafka"
}

# Runs a Kafka class with the cached classpath: kafka_java MAIN_CLASS ARGS...
kafka_java() {
  local main="$1"; shift
  java -Xmx256m -Dlog4j2.configurationFile="$ENGINES_DIR/kafka/log4j2-tools.properties" \
    -cp "$KAFKA_LIBS/*" "$main" "$@"
}

# The pid in DIR/kafka.pid when that process is alive.
kafka_running_pid() { pidfile_alive "$1/kafka.pid"; }
