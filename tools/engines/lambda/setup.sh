#!/usr/bin/env bash
# Prepares the local AWS Lambda stand-in for the engine tests, all inside the cache:
#   $STATEFLOW_CACHE/lambda/bin/aws-lambda-rie   the runtime interface emulator (go install)
#   $STATEFLOW_CACHE/go/                          Go's module and build caches for it
#   $STATEFLOW_CACHE/lambda-venv/                 virtualenv: awslambdaric (the Python runtime
#                                                 interface client), boto3 (what the handler
#                                                 uses), moto[server] (the DynamoDB-compatible
#                                                 store) and cfn-lint (checks the templates)
#   $STATEFLOW_CACHE/lambda.env                   LAMBDA_RIE, LAMBDA_PYTHON, LAMBDA_VENV, versions
# Idempotent: a second run downloads nothing and returns in well under a second.
# Versions: RIE_VERSION (default: the module version pinned below), AWSLAMBDARIC_VERSION
# (4.2.2), MOTO_VERSION (5.2.5), CFN_LINT_VERSION (1.58.0). PYTHON picks the interpreter
# (default python3; 3.9+).
set -euo pipefail
# shellcheck source=SCRIPTDIR/../lib.sh
source "$(dirname "$0")/../lib.sh"
case "${1:-}" in -h|--help) sed -n '2,14p' "$0"; exit 0 ;; "") ;; *) die "setup.sh takes no arguments (see --help)" ;; esac

# The emulator has no tagged releases as a Go module: pin the pseudo-version seen here.
RIE_VERSION="${RIE_VERSION:-v0.0.0-20261030222936-bef5c4ba774d}"
AWSLAMBDARIC_VERSION="${AWSLAMBDARIC_VERSION:-4.2.2}"
MOTO_VERSION="${MOTO_VERSION:-5.2.5}"
CFN_LINT_VERSION="${CFN_LINT_VERSION:-1.58.0}"
PYTHON="${PYTHON:-python3}"
BIN="$STATEFLOW_CACHE/lambda/bin"
RIE="$BIN/aws-lambda-rie"
VENV="$STATEFLOW_CACHE/lambda-venv"
export PIP_CACHE_DIR="$STATEFLOW_CACHE/pip"
REQS=("awslambdaric==$AWSLAMBDARIC_VERSION" "moto[server]==$MOTO_VERSION" "cfn-lint==$CFN_LINT_VERSION" boto3)
t_all=$(now)

# 1. The emulator, built from its Go module into the cache, in the background while
#    the venv installs (each takes minutes cold, mostly waiting on downloads).
go_install_background "the Lambda runtime interface emulator" "$BIN" "$RIE" "$RIE_VERSION" \
  "github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$RIE_VERSION"
wait_for_go() { wait_for_go_install "the Lambda runtime interface emulator" "$BIN"; }

# 2. The virtualenv.
venv_ok() {
  [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "$AWSLAMBDARIC_VERSION" "$MOTO_VERSION" "$CFN_LINT_VERSION" <<'PY' 2>/dev/null
import sys
from importlib.metadata import version
assert version("awslambdaric") == sys.argv[1]
assert version("moto") == sys.argv[2]
assert version("cfn-lint") == sys.argv[3]
import awslambdaric, werkzeug  # noqa: F401  (boto3 and moto: checked by version above)
assert version("boto3")
PY
}
if venv_ok; then
  step "Lambda venv ready at $VENV"
else
  command -v "$PYTHON" >/dev/null 2>&1 || die "$PYTHON not found; install Python 3.9+ or set PYTHON=/path/to/python3"
  step "creating $VENV with ${REQS[*]}"
  t0=$(now)
  rm -rf "$VENV"
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${REQS[@]}" \
    || { wait_for_go; die "installing ${REQS[*]} failed (see the pip output above)"; }
  venv_ok || { wait_for_go; die "the new venv at $VENV cannot import awslambdaric, boto3 and moto; delete it and run again"; }
  info "installed in $(elapsed "$t0")s ($(size_of "$VENV"))"
fi

wait_for_go
cat >"$STATEFLOW_CACHE/lambda.env" <<ENV
LAMBDA_RIE=$RIE
LAMBDA_RIE_VERSION=$RIE_VERSION
LAMBDA_VENV=$VENV
LAMBDA_PYTHON=$VENV/bin/python
AWSLAMBDARIC_VERSION=$AWSLAMBDARIC_VERSION
MOTO_VERSION=$MOTO_VERSION
CFN_LINT=$VENV/bin/cfn-lint
ENV
step "Lambda stand-in ready in $(elapsed "$t_all")s"
info "emulator: $RIE"
info "python:   $VENV/bin/python"
info "env file: $STATEFLOW_CACHE/lambda.env"
