#!/usr/bin/env bash
# Faults: key response, recovery, log lines and writes under each fault class.
#
# Not part of CI (about ten minutes); the numbers go to BENCHMARKS.md, section "Faults:
# keys, recovery, lines, writes". Everything stays on loopback:
#
#   moto (local AWS API)  <-  tests/aws_proxy.py (injects the faults, counts requests)
#                         <-  ecsdash (dashboard in a pseudo-terminal, `tail -f`, `scale`)
#
# measure.py seeds one cluster (services api, cron, web, worker; web has a running task
# whose awslogs stream is in a seeded log group) and, per fault class (throttle, 500, 503,
# hang, drop, garbage, 403 ExpiredTokenException, 403 AccessDeniedException), measures:
#
#   1. key response (j/k, ?) with the fault on ListServices + DescribeServices, and the
#      ListServices requests 30 presses of r cause;
#   2. the time from clearing the fault to the error marker leaving the screen;
#   3. log lines lost/repeated by `ecsdash tail -f` and the time to the first new line
#      (tail and logs pane) with the fault on FilterLogEvents for 8 s;
#   4. UpdateService requests, exit code, audit result of `ecsdash scale ... --yes` with
#      the fault on UpdateService, with and without "forward": true.
#
# It prints one table per measurement.
#
# Usage:   bash benches/faults/run.sh [--only keys,logs,writes] [--faults throttle,hang,...]
#              [--presses N] [--fault-s S]        (more: measure.py --help)
# Needs:   python3 (with venv), cargo. Installs moto[server] and cbor2 (for the test
#          layer's CloudWatch) into the repo's .venv as scripts/test.sh pins them. Uses
#          ECSDASH_BIN if set, else the newer of target/release/ecsdash and
#          target/debug/ecsdash (building the debug one if neither exists). Results:
#          target/bench-faults/report.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VERSION="5.2.5"
CBOR2_VERSION="5.9.0"
VENV=".venv"
OUT="target/bench-faults"
mkdir -p "$OUT"

fail() {
    echo "run.sh: $*" >&2
    exit 1
}

[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || fail "cannot create $VENV"
installed="$("$VENV/bin/python" -m pip show moto 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$installed" != "$MOTO_VERSION" ]] || [[ ! -x "$VENV/bin/moto_server" ]]; then
    "$VENV/bin/python" -m pip install --quiet "moto[server]==$MOTO_VERSION" || fail "cannot install moto"
fi
installed="$("$VENV/bin/python" -m pip show cbor2 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$installed" != "$CBOR2_VERSION" ]]; then
    "$VENV/bin/python" -m pip install --quiet "cbor2==$CBOR2_VERSION" || fail "cannot install cbor2"
fi

ECSDASH_BIN="${ECSDASH_BIN:-}"
if [[ -z "$ECSDASH_BIN" ]]; then
    release="target/release/ecsdash" debug="target/debug/ecsdash"
    if [[ -x "$release" && ( ! -x "$debug" || "$release" -nt "$debug" ) ]]; then
        ECSDASH_BIN="$release"
    else
        [[ -x "$debug" ]] || cargo build --quiet --bin ecsdash || fail "cannot build ecsdash"
        ECSDASH_BIN="$debug"
    fi
fi
echo "run.sh: measuring $ECSDASH_BIN" >&2

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

moto_port="$(free_port)"
"$VENV/bin/moto_server" -H 127.0.0.1 -p "$moto_port" >"$OUT/moto.log" 2>&1 &
pids+=("$!")
proxy_port="$(free_port)"
"$VENV/bin/python" tests/aws_proxy.py --port "$proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >"$OUT/proxy.log" 2>&1 &
pids+=("$!")

wait_for() {
    for _ in $(seq 300); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' "$1" \
            2>/dev/null && return 0
        sleep 0.2
    done
    fail "nothing answers at $1"
}
wait_for "http://127.0.0.1:$moto_port/moto-api/"
wait_for "http://127.0.0.1:$proxy_port/_proxy/stats"

# No credentials lookups off the machine, no profile from the environment.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN

"$VENV/bin/python" benches/faults/measure.py \
    --moto "http://127.0.0.1:$moto_port" \
    --proxy "http://127.0.0.1:$proxy_port" \
    --ecsdash "$ECSDASH_BIN" \
    --out "$OUT/report.json" \
    "$@"
