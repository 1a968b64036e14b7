#!/usr/bin/env bash
# The estate benchmark: moto seeded with 2,000 services in one cluster and 10,000 tasks in
# another, behind the test layer with ECS's token buckets and 40 ms per answer, and the
# dashboard's loop run headless against it (benches/estate.rs).
# Usage: bash benches/estate.sh [SERVICES] [TASKS]   (after `bash scripts/test.sh` made .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVICES="${1:-2000}"
TASKS="${2:-10000}"
[[ -x .venv/bin/moto_server ]] || { echo "run bash scripts/test.sh once first (it makes .venv)" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
moto_port="$(free_port)"
proxy_port="$(free_port)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
.venv/bin/moto_server -H 127.0.0.1 -p "$moto_port" >target/estate-moto.log 2>&1 &
pids+=("$!")
python3 tests/aws_proxy.py --port "$proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >target/estate-proxy.log 2>&1 &
pids+=("$!")
for _ in $(seq 100); do
    python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
        "http://127.0.0.1:$proxy_port/_proxy/stats" 2>/dev/null && break
    sleep 0.2
done
.venv/bin/python benches/estate/seed.py "http://127.0.0.1:$moto_port" "$SERVICES" "$TASKS" 10
export AWS_EC2_METADATA_DISABLED=true
ECSDASH_ESTATE_PROXY="http://127.0.0.1:$proxy_port" ECSDASH_ESTATE_N_SERVICES="$SERVICES" \
    ECSDASH_ESTATE_N_TASKS="$TASKS" cargo bench --bench estate
