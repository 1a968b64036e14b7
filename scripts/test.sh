#!/usr/bin/env bash
# The one test command: formatting, lints, and every test, including the AWS tests against
# moto (a local AWS API) behind tests/aws_proxy.py (which pages and limits like AWS).
# Extra arguments go to `cargo test`, e.g. `bash scripts/test.sh moto_reads`.
set -euo pipefail
cd "$(dirname "$0")/.."

MOTO_VERSION="5.2.5"
# The test layer (tests/aws_proxy.py) reads and writes CloudWatch's CBOR with cbor2.
CBOR2_VERSION="5.9.0"
VENV=".venv"
LOGS="target/test-logs"
WAIT_SECONDS=60

fail() {
    echo "scripts/test.sh: $*" >&2
    exit 1
}

command -v python3 >/dev/null || fail "python3 is needed to run moto (the local AWS API)"
mkdir -p "$LOGS"

if [[ ! -x "$VENV/bin/python" ]]; then
    echo "creating $VENV" >&2
    python3 -m venv "$VENV" || fail "cannot create $VENV (is python3-venv installed?)"
fi
installed="$("$VENV/bin/python" -m pip show moto 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$installed" != "$MOTO_VERSION" ]] || [[ ! -x "$VENV/bin/moto_server" ]]; then
    echo "installing moto[server]==$MOTO_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet "moto[server]==$MOTO_VERSION" \
        || fail "cannot install moto[server]==$MOTO_VERSION; the AWS tests cannot run"
fi
installed="$("$VENV/bin/python" -m pip show cbor2 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$installed" != "$CBOR2_VERSION" ]]; then
    echo "installing cbor2==$CBOR2_VERSION into $VENV" >&2
    "$VENV/bin/python" -m pip install --quiet "cbor2==$CBOR2_VERSION" \
        || fail "cannot install cbor2==$CBOR2_VERSION; the CloudWatch tests cannot run"
fi

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pids=()
cleanup() {
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${pids[@]}"; do
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

moto_port="$(free_port)"
"$VENV/bin/python" tests/moto_launch.py -H 127.0.0.1 -p "$moto_port" >"$LOGS/moto.log" 2>&1 &
pids+=("$!")
proxy_port="$(free_port)"
"$VENV/bin/python" tests/aws_proxy.py --port "$proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >"$LOGS/aws_proxy.log" 2>&1 &
pids+=("$!")

# Both must answer before any test starts; a bounded wait with the logs on failure.
wait_for() {
    local name="$1" url="$2" log="$3"
    for _ in $(seq $((WAIT_SECONDS * 5))); do
        if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url" 2>/dev/null; then
            return 0
        fi
        sleep 0.2
    done
    tail -n 30 "$log" >&2 || true
    fail "$name did not answer at $url within ${WAIT_SECONDS}s (log: $log)"
}
wait_for moto "http://127.0.0.1:$moto_port/moto-api/" "$LOGS/moto.log"
wait_for aws_proxy "http://127.0.0.1:$proxy_port/_proxy/stats" "$LOGS/aws_proxy.log"

export AWS_ENDPOINT_URL="http://127.0.0.1:$proxy_port"
export ECSDASH_MOTO_URL="http://127.0.0.1:$proxy_port"
export ECSDASH_MOTO_DIRECT="http://127.0.0.1:$moto_port"
export AWS_ACCESS_KEY_ID=testing
export AWS_SECRET_ACCESS_KEY=testing
export AWS_REGION=us-east-1
# With no credentials the SDK would ask the instance metadata address: nothing may leave
# loopback here.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN

# The test layer in front of moto is itself tested (no moto; cbor2 for CloudWatch, whose
# tests fail rather than skip without it under CI=true).
"$VENV/bin/python" -m unittest tests/test_aws_proxy.py
# The one repair made to moto when it is started (tests/moto_launch.py) answers as moto did.
"$VENV/bin/python" -m unittest tests/test_moto_launch.py

cargo fmt --check
cargo clippy --all-targets -- -D warnings
# Benchmarks are built by clippy above but not run here: they belong in BENCHMARKS.md.
cargo test --lib --bins --tests "$@"
