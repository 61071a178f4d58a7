#!/usr/bin/env bash
# Builds Anna and Cloudburst (local mode) from source checkouts into the cache:
#   build.sh [--src DIR]      DIR (or $CLOUDBURST_SRC) holds anna/, cloudburst/, common/:
#                             checkouts of hydro-project/anna 53956c9, /cloudburst 07905ae,
#                             /common 7d4a950 (plain folders or git checkouts).
# Result, all under $STATEFLOW_CACHE/cloudburst/:
#   src/anna, src/cloudburst  copies of the sources with common/ placed in both and the
#                             patches of tools/engines/cloudburst/patches/ applied
#   src/anna/build/           anna-kvs, anna-route, anna-monitor, anna-cli (CMake, Release)
#   venv/                     Python 3.7 with Cloudburst's pins (cloudpickle 0.6.1, pyzmq ...)
#   ../cloudburst.env         CLOUDBURST_HOME, CLOUDBURST_PYTHON, ANNA_HOME, the commits
# Needs Debian's cmake g++ make pkg-config protobuf-compiler libprotobuf-dev libzmq3-dev
# cppzmq-dev libspdlog-dev libyaml-cpp-dev (they replace the downloads of Anna's build) and a
# Python 3.7 (PYTHON37, default: pyenv's 3.7.16). Idempotent: a second run with the same
# sources and patches does nothing. Cold: about 2-3 minutes on 2 cores.
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
HERE="$(cd "$(dirname "$0")" && pwd)"

SRC="${CLOUDBURST_SRC:-}"
while [ $# -gt 0 ]; do
  case "$1" in
    --src) SRC="${2:?--src needs a folder}"; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done
[ -n "$SRC" ] || die "no sources: pass --src DIR or set CLOUDBURST_SRC (a folder with anna/, cloudburst/, common/ checkouts)"
SRC="$(cd "$SRC" && pwd)"

ANNA_COMMIT=53956c9
CLOUDBURST_COMMIT=07905ae
COMMON_COMMIT=7d4a950
PYTHON37="${PYTHON37:-$HOME/.pyenv/versions/3.7.16/bin/python3.7}"
OUT="$STATEFLOW_CACHE/cloudburst"
t_all=$(now)

# 1. The sources: present, and at the pinned commits when they are git checkouts.
for repo in anna cloudburst common; do
  [ -d "$SRC/$repo" ] || die "$SRC/$repo is missing (clone hydro-project/$repo there)"
done
check_commit() {
  local dir="$1" want="$2" have
  [ -d "$dir/.git" ] || [ -f "$dir/.git" ] || { info "$dir is not a git checkout; assuming commit $want"; return 0; }
  have="$(git -C "$dir" rev-parse HEAD)"
  case "$have" in "$want"*) ;; *) die "$dir is at ${have:0:7}, the build needs $want (git -C $dir checkout $want)" ;; esac
}
check_commit "$SRC/anna" "$ANNA_COMMIT"
check_commit "$SRC/cloudburst" "$CLOUDBURST_COMMIT"
check_commit "$SRC/common" "$COMMON_COMMIT"

# 2. The system packages that replace Anna's downloads.
missing=()
for f in /usr/include/spdlog/spdlog.h /usr/include/yaml-cpp/yaml.h /usr/include/zmq.hpp /usr/include/zmq.h \
         /usr/include/google/protobuf/message.h; do
  [ -f "$f" ] || missing+=("$f")
done
for c in cmake g++ make protoc; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
[ ${#missing[@]} -eq 0 ] || die "missing ${missing[*]}; install them with:
  apt-get install -y cmake g++ make pkg-config protobuf-compiler libprotobuf-dev libzmq3-dev cppzmq-dev libspdlog-dev libyaml-cpp-dev"
[ -x "$PYTHON37" ] || die "no Python 3.7 at $PYTHON37 (pyenv install 3.7.16, or set PYTHON37)"

# The stamp: sources' commits plus the patches' contents; a change rebuilds everything.
STAMP="anna=$ANNA_COMMIT cloudburst=$CLOUDBURST_COMMIT common=$COMMON_COMMIT patches=$(cat "$HERE"/patches/*.patch | sha256sum | cut -c1-16)"
if [ -f "$OUT/.complete" ] && [ "$(cat "$OUT/.stamp" 2>/dev/null)" = "$STAMP" ]; then
  step "Anna and Cloudburst already built at $OUT"
else
  rm -rf "$OUT"
  mkdir -p "$OUT/src"

  # 3. Copies of the sources (no .git), common/ placed where the submodule would be, patched.
  step "copying the sources into $OUT/src and applying the patches"
  for repo in anna cloudburst; do
    mkdir -p "$OUT/src/$repo"
    tar -C "$SRC/$repo" --exclude=.git --exclude=./build -cf - . | tar -C "$OUT/src/$repo" -xf -
    rm -rf "$OUT/src/$repo/common"; mkdir -p "$OUT/src/$repo/common"
    tar -C "$SRC/common" --exclude=.git -cf - . | tar -C "$OUT/src/$repo/common" -xf -
  done
  apply() { # apply TREE PATCH
    info "$(basename "$2") -> $(basename "$1")"
    patch -s -p1 -d "$1" <"$2" || die "the patch $2 does not apply to $1"
  }
  apply "$OUT/src/anna" "$HERE/patches/anna-system-deps.patch"
  apply "$OUT/src/anna/common" "$HERE/patches/common-headers.patch"
  apply "$OUT/src/cloudburst" "$HERE/patches/cloudburst-executor-init-args.patch"

  # 4. Anna: only the four programs local mode needs (its tests would download googletest).
  step "building Anna (anna-kvs anna-route anna-monitor anna-cli) with $(nproc) jobs"
  t0=$(now)
  mkdir -p "$OUT/src/anna/build"
  ( cd "$OUT/src/anna/build" &&
    cmake -G "Unix Makefiles" -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER="$(command -v g++)" .. >cmake.log 2>&1 ) \
    || { tail -n 30 "$OUT/src/anna/build/cmake.log" >&2; die "cmake failed (log: $OUT/src/anna/build/cmake.log)"; }
  # make's own progress lines ([ 42%] ...) go through as they come.
  ( cd "$OUT/src/anna/build" && make -j"$(nproc)" anna-kvs anna-route anna-monitor anna-cli 2>&1 | tee make.log | grep --line-buffered -E '^\[ *[0-9]+%\] (Built|Linking)' >&2 ) \
    || true
  for b in target/kvs/anna-kvs target/kvs/anna-route target/kvs/anna-monitor cli/anna-cli; do
    [ -x "$OUT/src/anna/build/$b" ] || { grep -m 20 -E 'error' "$OUT/src/anna/build/make.log" >&2 || true; die "Anna's build did not produce $b (log: $OUT/src/anna/build/make.log)"; }
  done
  info "Anna built in $(elapsed "$t0")s"

  # 5. Python: Anna's client and Cloudburst's protobuf modules, then the venv with the pins.
  step "compiling the protobuf modules of Anna's Python client and of Cloudburst"
  ( cd "$OUT/src/anna/client/python" && bash compile.sh ) >&2
  ( cd "$OUT/src/cloudburst" && bash scripts/build.sh ) >&2

  step "creating $OUT/venv (Python 3.7) with Cloudburst's pins"
  t0=$(now)
  export PIP_CACHE_DIR="$STATEFLOW_CACHE/pip"
  "$PYTHON37" -m venv "$OUT/venv"
  "$OUT/venv/bin/python" -m pip install --quiet --disable-pip-version-check \
    cloudpickle==0.6.1 numpy==1.16.1 pandas==0.25.1 pyarrow==0.14.1 pyzmq==17.1.2 PyYAML==5.1.2 \
    protobuf==3.20.3 requests \
    || die "pip install of Cloudburst's requirements failed (see above)"
  # Anna's client does not pip-install; a .pth file puts it and Cloudburst on the path.
  printf '%s\n%s\n' "$OUT/src/anna/client/python" "$OUT/src/cloudburst" \
    >"$("$OUT/venv/bin/python" -c 'import site; print(site.getsitepackages()[0])')/hydro.pth"
  "$OUT/venv/bin/python" -c 'import anna.client, cloudburst.client.client, cloudburst.server.executor.server' \
    || die "the venv cannot import Anna's client and Cloudburst"
  info "venv ready in $(elapsed "$t0")s ($(size_of "$OUT/venv"))"

  echo "$STAMP" >"$OUT/.stamp"
  touch "$OUT/.complete"
fi

cat >"$STATEFLOW_CACHE/cloudburst.env" <<EOF
CLOUDBURST_HOME=$OUT/src/cloudburst
ANNA_HOME=$OUT/src/anna
CLOUDBURST_PYTHON=$OUT/venv/bin/python
CLOUDBURST_STAMP="$STAMP"
EOF
step "done in $(elapsed "$t_all")s; settings in $STATEFLOW_CACHE/cloudburst.env"
