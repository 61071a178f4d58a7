#!/usr/bin/env bash
# Prepares Flink Stateful Functions for the engine tests and `stateflow run --target statefun`,
# all inside the cache:
#   $STATEFLOW_CACHE/statefun/<v>/libs/          the Statefun 3.3.0 + Flink 1.16.2 classpath (Maven)
#   $STATEFLOW_CACHE/statefun/<v>/stateflow-statefun-<hash>.jar
#                                                the local launcher (no /opt needed) and the
#                                                io.stateflow.kafka.v1/ingress kind, compiled
#                                                from tools/engines/statefun/java with javac
#   $STATEFLOW_CACHE/statefun-venv/              Python with apache-flink-statefun (the SDK the
#                                                generated function service uses) and aiohttp
#   $STATEFLOW_CACHE/statefun.env                STATEFUN_VERSION, STATEFUN_LIBS, STATEFUN_JAR, STATEFUN_PYTHON
# Idempotent: a second run downloads and compiles nothing.
# PYTHON picks the interpreter of the venv. The SDK needs protobuf < 4, whose last release
# (3.20.3) has a C++ build for Python 3.7-3.10 only: on 3.11+ it runs in pure Python, which
# costs about 2 ms more per Statefun call. Default: python3.10, else python3.9, else python3.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
case "${1:-}" in -h|--help) sed -n '2,13p' "$0"; exit 0 ;; "") ;; *) die "setup.sh takes no arguments (see --help)" ;; esac

STATEFUN_VERSION=3.3.0
if [ -z "${PYTHON:-}" ]; then
  # pyenv's shims answer only for the selected versions: look in its folder too.
  pyenv_pythons=()
  if command -v pyenv >/dev/null 2>&1; then
    for v in "$(pyenv root)"/versions/3.10.*/bin/python3 "$(pyenv root)"/versions/3.9.*/bin/python3; do [ -x "$v" ] && pyenv_pythons+=("$v"); done
  fi
  for candidate in python3.10 python3.9 "${pyenv_pythons[@]}" python3; do
    if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import sys' >/dev/null 2>&1; then PYTHON="$candidate"; break; fi
  done
fi
PYTHON="${PYTHON:-python3}"
HERE="$ENGINES_DIR/statefun"
DIR="$STATEFLOW_CACHE/statefun/$STATEFUN_VERSION"
VENV="$STATEFLOW_CACHE/statefun-venv"
export PIP_CACHE_DIR="$STATEFLOW_CACHE/pip"
REQS=("apache-flink-statefun==$STATEFUN_VERSION" "protobuf==3.20.3" "aiohttp>=3.9,<4")
t_all=$(now)
require_java
command -v javac >/dev/null 2>&1 || die "javac not found; install a JDK 17 (apt-get install openjdk-17-jdk-headless)"

# 1. The runtime's jars. Statefun's distribution brings log4j 1 and its SLF4J binding: left
#    out, so Flink logs through log4j2 alone.
resolve_into() {
  sf_mvn -f "$HERE/pom.xml" dependency:copy-dependencies -DincludeScope=runtime \
    -DexcludeArtifactIds=slf4j-log4j12,log4j -DoutputDirectory="$SF_PARTIAL/libs" >"$SF_PARTIAL/mvn.log" 2>&1
}
if [ -f "$DIR/.complete" ]; then
  step "Statefun $STATEFUN_VERSION jars already in the cache"
else
  step "resolving Statefun $STATEFUN_VERSION (Flink 1.16.2) with its runtime dependencies (about 300 MB)"
  t0=$(now)
  cache_once "$DIR" resolve_into || { tail -n 20 "$DIR.partial/mvn.log" >&2; die "resolving the Statefun jars failed (see above)"; }
  info "resolved in $(elapsed "$t0")s"
fi
LIBS="$DIR/libs"

# 2. Our launcher and ingress kind, compiled once per version of their sources.
hash="$(cat "$HERE"/java/dev/stateflow/statefun/*.java | sha256sum | cut -c1-12)"
JAR="$DIR/stateflow-statefun-$hash.jar"
if [ -f "$JAR" ]; then
  step "launcher jar up to date ($JAR)"
else
  step "compiling the launcher and the io.stateflow.kafka.v1/ingress kind"
  tmp="$(mktemp -d)"
  javac -nowarn -d "$tmp/classes" -cp "$LIBS/*" "$HERE"/java/dev/stateflow/statefun/*.java
  mkdir -p "$tmp/classes/META-INF/services"
  echo dev.stateflow.statefun.StateflowIngressModule >"$tmp/classes/META-INF/services/org.apache.flink.statefun.extensions.ExtensionModule"
  # Older builds stay (a few KB each): another checkout may be running one of them.
  jar --create --file "$JAR.partial" -C "$tmp/classes" . && mv "$JAR.partial" "$JAR"
  rm -rf "$tmp"
fi

# 3. The Python of the function service.
want_python="$("$PYTHON" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$STATEFUN_VERSION" "$want_python" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
assert version("apache-flink-statefun") == sys.argv[1]
assert "%d.%d" % sys.version_info[:2] == sys.argv[2]
import statefun, aiohttp  # noqa: F401
PY
}
if venv_ok; then
  step "Statefun Python SDK venv ready at $VENV"
else
  step "creating $VENV (Python $want_python) with ${REQS[*]}"
  t0=$(now)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQS[@]}" \
    || die "installing the Statefun Python SDK failed (see the pip output above)"
  venv_ok || die "the new venv at $VENV cannot import statefun and aiohttp; delete it and run again"
  impl="$("$VENV/bin/python" -c 'from google.protobuf.internal import api_implementation as a; print(a.Type())')"
  info "installed in $(elapsed "$t0")s ($(size_of "$VENV"), protobuf implementation: $impl)"
fi

printf 'STATEFUN_VERSION=%s\nSTATEFUN_LIBS=%s\nSTATEFUN_JAR=%s\nSTATEFUN_PYTHON=%s\n' \
  "$STATEFUN_VERSION" "$LIBS" "$JAR" "$VENV/bin/python" >"$STATEFLOW_CACHE/statefun.env"
step "Statefun ready in $(elapsed "$t_all")s: $STATEFLOW_CACHE/statefun.env ($(find "$LIBS" -name '*.jar' | wc -l) jars, $(size_of "$LIBS"))"
