#!/usr/bin/env bash
# How long ecsdash takes from exec to its first frame, and to the first frame showing the
# first pane's data, over N runs in a pseudo-terminal (util-linux `script`).
#
#   bash benches/startup.sh [RUNS] [-- extra ecsdash args]
#
# Default: 20 runs of `ecsdash --demo` (release build). With ECSDASH_MOTO_URL set (as
# scripts/test.sh sets it), add `-- --region us-east-1` and AWS_ENDPOINT_URL to measure
# against moto through the real SDK instead.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-20}
shift || true
[ "${1:-}" = "--" ] && shift
args=("$@")
[ ${#args[@]} -eq 0 ] && args=(--demo)
cargo build --release --quiet
bin=target/release/ecsdash
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export XDG_CONFIG_HOME=$tmp XDG_STATE_HOME=$tmp TERM=xterm-256color
for i in $(seq "$runs"); do
  script -qec "stty cols 120 rows 40; $bin ${args[*]} --measure-startup 2>$tmp/err.$i" /dev/null >/dev/null
  cat "$tmp/err.$i"
done | python3 -c '
import re, statistics, sys
first, data = [], []
for line in sys.stdin:
    m = re.search(r"first frame: ([\d.]+) ms\s+first frame with data: ([\d.]+) ms", line)
    if m:
        first.append(float(m.group(1))); data.append(float(m.group(2)))
if not first:
    sys.exit("no measurement came back")
def show(name, xs):
    xs = sorted(xs)
    print(f"{name}: median {statistics.median(xs):.1f} ms, min {xs[0]:.1f} ms, max {xs[-1]:.1f} ms ({len(xs)} runs)")
show("first frame", first)
show("first frame with data", data)
'
