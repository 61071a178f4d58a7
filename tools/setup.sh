#!/usr/bin/env bash
# Sets up a fresh machine for StateFlow development: pnpm, the npm dependencies,
# a Python virtualenv (.venv) for the kernel tests, and a first build.
# Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

export TURBO_TELEMETRY_DISABLED=1
# Native builds must use the installed Node headers instead of downloading them.
export npm_config_nodedir="${npm_config_nodedir:-/usr}"

step() { printf '\n==> %s\n' "$*"; }

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  step "installing pnpm $PNPM_VERSION"
  npm i -g -E "pnpm@$PNPM_VERSION" --no-fund --no-audit
fi

step "installing npm dependencies"
if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi

PYTHON="${STATEFLOW_PYTHON_BOOTSTRAP:-$(command -v python3 || true)}"
if [ -z "$PYTHON" ]; then
  echo "error: python3 not found on PATH; install Python 3.9+ (only the kernel tests and the subprocess host need it)" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  step "creating the Python virtualenv .venv"
  "$PYTHON" -m venv .venv
fi
if ! .venv/bin/python -c 'import pytest' >/dev/null 2>&1; then
  step "installing Python test dependencies into .venv"
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -r tools/requirements-dev.txt
fi

# The docs' browser check (apps/docs/test/browser-check.mjs) drives Debian's Chromium.
# On CI (root, Debian) install it when missing; elsewhere the check skips without it.
if [ "${CI:-}" = "true" ] && [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  step "installing Chromium (Debian's chromium package) for the docs' browser check"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
fi

step "building all packages"
pnpm turbo run build --output-logs=errors-only
step "setup done"
