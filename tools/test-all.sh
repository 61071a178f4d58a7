#!/usr/bin/env bash
# `pnpm test:all`, the whole test suite (run `bash tools/setup.sh` first on a fresh
# machine): sets up the real engines (Kafka, PyFlink, the Lambda emulator with moto; downloads cached under
# ${STATEFLOW_CACHE:-~/.cache/stateflow}), then runs every check and test, engine tests included.
# STATEFLOW_ENGINE_TESTS=1 also turns on tests/registry (a local verdaccio, started by the
# suite itself: every package published and installed in clean projects).
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 npm_config_nodedir="${npm_config_nodedir:-/usr}"

printf '\n==> setting up the engines (Kafka, PyFlink, Statefun, Lambda, Beam)\n'
# The same code as a user's `stateflow engine setup` (the CLI is built first); a new engine
# adds its name to this line (tools/engines/<engine>/engine.json, see tools/engines/README.md).
pnpm turbo run build --filter=@stateflow/cli --output-logs=errors-only
node packages/cli/dist/bin.js engine setup kafka flink statefun lambda beam
# Cloudburst builds from source checkouts that no registry carries: only when
# CLOUDBURST_SRC names them (else its engine tests skip with a line saying so).
if [ -n "${CLOUDBURST_SRC:-}" ]; then bash tools/engines/cloudburst/build.sh --src "$CLOUDBURST_SRC"; else echo "    Cloudburst: not built now (set CLOUDBURST_SRC to a folder with anna/, cloudburst/, common/ checkouts to build it); its engine tests run if an earlier build is in the cache, else they skip"; fi

export STATEFLOW_ENGINE_TESTS=1
export STATEFLOW_PYTHON="$PWD/.venv/bin/python"
export PATH="$PWD/.venv/bin:$PATH"
# The engine suites run after everything else, two at a time: beside the unit tests'
# worker pools and each other's JVMs, 2 cores are not enough for their time limits.
ENGINE_SUITES=(@stateflow/flink-tests @stateflow/statefun-tests @stateflow/beam-tests @stateflow/cloudburst-tests @stateflow/registry-tests)
status=0
step() { local t0=$SECONDS; "$@" || status=1; printf '==> %s: %s s\n' "$*" "$((SECONDS - t0))"; }

printf '\n==> running every check and test (the engine suites last)\n'
step pnpm lint
step pnpm test:tools
step pnpm turbo run build typecheck --continue
step pnpm turbo run test --continue "${ENGINE_SUITES[@]/#/--filter=!}"
step pnpm lint:types
step pnpm api:check
step pnpm pack:check
step pnpm release:check
printf '\n==> the engine suites (%s), two at a time\n' "${ENGINE_SUITES[*]}"
step pnpm turbo run test --continue --concurrency=2 "${ENGINE_SUITES[@]/#/--filter=}"
exit "$status"
