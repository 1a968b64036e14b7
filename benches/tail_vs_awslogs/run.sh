#!/usr/bin/env bash
# Live logs, side by side: `ecsdash tail --follow` against `awslogs get --watch`.
#
# Not part of CI (it runs for about 25 minutes); the numbers go to BENCHMARKS.md, section
# "Live logs: ecsdash tail vs awslogs". Everything stays on loopback:
#
#   moto (local AWS API)  <-  proxy A (tests/aws_proxy.py, counts requests)  <-  ecsdash
#                         <-  proxy B (same, counted apart)                  <-  awslogs
#
# What bench.py does with them, once per write pattern (steady, then bursty), each on a
# fresh cluster, service with one task and its awslogs stream: starts both tools following
# the service's log group, and writes events, each with a unique id:
#
#   steady  300 events, one every 300-900 ms (random);
#   bursty  300 events, 3 back to back, then 5-15 s of quiet (random), and again.
#
# Per pattern and tool it prints the event-to-stdout latency (p50/p95/max, from the end of
# PutLogEvents to the line arriving on the tool's stdout), lines missed, lines repeated and
# API requests per second (proxy counts over the tool's run), then ecsdash's figures over
# awslogs' and whether the goal holds (p50 <= 0.6x, p95 <= 1.0x, requests/s <= 2x, nothing
# missed or repeated). Then it times fetching the steady history without following, R times
# per tool (default 5), process start to exit.
#
# Usage:   bash benches/tail_vs_awslogs/run.sh [--pattern steady|bursty|both]
#              [--events N] [--bursty-events N] [--history-runs R] [--seed S]
#          (more knobs: --steady-ms LO-HI, --burst N, --quiet-s LO-HI; see bench.py --help)
# Needs:   python3 (with venv), cargo. Installs into the repo's .venv: moto[server] (as
#          scripts/test.sh pins it), cbor2 (for the test layer's CloudWatch, as
#          scripts/test.sh pins it) and awslogs (pinned below). Builds ecsdash --release
#          unless ECSDASH_BIN names a binary. Results: target/bench-tail/report.json.
set -euo pipefail
cd "$(dirname "$0")/../.."

MOTO_VERSION="5.2.5"
AWSLOGS_VERSION="0.15.0"
CBOR2_VERSION="5.9.0"
VENV=".venv"
OUT="target/bench-tail"
mkdir -p "$OUT"

fail() {
    echo "run.sh: $*" >&2
    exit 1
}

[[ -x "$VENV/bin/python" ]] || python3 -m venv "$VENV" || fail "cannot create $VENV"
version_of() {
    "$VENV/bin/python" -m pip show "$1" 2>/dev/null | sed -n 's/^Version: //p' || true
}
if [[ "$(version_of moto)" != "$MOTO_VERSION" ]]; then
    "$VENV/bin/python" -m pip install --quiet "moto[server]==$MOTO_VERSION" || fail "cannot install moto"
fi
if [[ "$(version_of cbor2)" != "$CBOR2_VERSION" ]]; then
    "$VENV/bin/python" -m pip install --quiet "cbor2==$CBOR2_VERSION" || fail "cannot install cbor2"
fi
if [[ "$(version_of awslogs)" != "$AWSLOGS_VERSION" ]]; then
    "$VENV/bin/python" -m pip install --quiet "awslogs==$AWSLOGS_VERSION" || fail "cannot install awslogs"
fi

ECSDASH_BIN="${ECSDASH_BIN:-}"
if [[ -z "$ECSDASH_BIN" ]]; then
    cargo build --release --quiet --bin ecsdash || fail "cannot build ecsdash"
    ECSDASH_BIN="target/release/ecsdash"
fi

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
ecs_proxy_port="$(free_port)"
"$VENV/bin/python" tests/aws_proxy.py --port "$ecs_proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >"$OUT/proxy-ecsdash.log" 2>&1 &
pids+=("$!")
awslogs_proxy_port="$(free_port)"
"$VENV/bin/python" tests/aws_proxy.py --port "$awslogs_proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >"$OUT/proxy-awslogs.log" 2>&1 &
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
wait_for "http://127.0.0.1:$ecs_proxy_port/_proxy/stats"
wait_for "http://127.0.0.1:$awslogs_proxy_port/_proxy/stats"

# No credentials lookups off the machine, no profile from the environment.
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_DEFAULT_PROFILE AWS_SESSION_TOKEN

"$VENV/bin/python" benches/tail_vs_awslogs/bench.py \
    --moto "http://127.0.0.1:$moto_port" \
    --ecs-proxy "http://127.0.0.1:$ecs_proxy_port" \
    --awslogs-proxy "http://127.0.0.1:$awslogs_proxy_port" \
    --ecsdash "$ECSDASH_BIN" \
    --awslogs "$VENV/bin/awslogs" \
    --out "$OUT/report.json" \
    "$@"
