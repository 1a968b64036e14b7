#!/usr/bin/env bash
# The estate benchmark: moto seeded with 2,000 services in one cluster and 10,000 tasks in
# another and 1,000 container instances in a third, behind the test layer with ECS's token buckets and 40 ms per answer, and the
# dashboard's loop run headless against it (benches/estate.rs).
# Usage: bash benches/estate.sh [SERVICES] [TASKS] [INSTANCES]   (after `bash scripts/test.sh` made .venv)
set -euo pipefail
cd "$(dirname "$0")/.."
SERVICES="${1:-2000}"
TASKS="${2:-10000}"
INSTANCES="${3:-1000}"
[[ -x .venv/bin/moto_server ]] && .venv/bin/python -c 'import cbor2' 2>/dev/null \
    || { echo "run bash scripts/test.sh once first (it makes .venv with moto and cbor2)" >&2; exit 1; }
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
moto_port="$(free_port)"
proxy_port="$(free_port)"
pids=()
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
.venv/bin/python tests/moto_launch.py -H 127.0.0.1 -p "$moto_port" >target/estate-moto.log 2>&1 &
pids+=("$!")
.venv/bin/python tests/aws_proxy.py --port "$proxy_port" --upstream "http://127.0.0.1:$moto_port" \
    >target/estate-proxy.log 2>&1 &
pids+=("$!")
# Both must answer before seeding.
for url in "http://127.0.0.1:$moto_port/moto-api/" "http://127.0.0.1:$proxy_port/_proxy/stats"; do
    for _ in $(seq 150); do
        python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)' \
            "$url" 2>/dev/null && break
        sleep 0.2
    done
done
.venv/bin/python benches/estate/seed.py "http://127.0.0.1:$moto_port" "$SERVICES" "$TASKS" "$INSTANCES"
export AWS_EC2_METADATA_DISABLED=true
export ECSDASH_ESTATE_PROXY="http://127.0.0.1:$proxy_port" ECSDASH_ESTATE_N_SERVICES="$SERVICES" \
    ECSDASH_ESTATE_N_TASKS="$TASKS" ECSDASH_ESTATE_N_INSTANCES="$INSTANCES"
# ESTATE_RUN="heaptrack target/release/deps/estate-HASH --bench" runs the harness some other
# way (under a profiler, say) instead of `cargo bench`.
if [[ -n "${ESTATE_RUN:-}" ]]; then
    $ESTATE_RUN
else
    cargo bench --bench estate
fi
