#!/usr/bin/env python3
"""The measurement behind BENCHMARKS.md's "Live logs: ecsdash tail vs awslogs" (run it with
run.sh, which starts moto and the proxies and passes their addresses here).

Follow, once per write pattern (each on a service and log group of its own): both tools
follow the service's log group at once, each through its own counting proxy in front of
one moto. A writer puts N events into the service's task stream, each message naming its
id, one PutLogEvents call per event:

  steady  one event, then a random 300-900 ms pause (--steady-ms), until N;
  bursty  BURST events back to back (--burst, 3), then a random 5-15 s quiet
          (--quiet-s), until N: how errors arrive in an incident.

Every line either tool prints is stamped when it arrives on the harness's pipe. Per tool:
latency from the end of the PutLogEvents call to the line on stdout (p50/p95/max), lines
missed, lines repeated, and API requests per second (proxy counts over the time the tool
ran); per pattern, ecsdash's figures over awslogs' and whether the issue's goal holds
(p50 at most 0.6x, p95 at most 1.0x, requests/s at most 2x, nothing missed or repeated).

History: with the first pattern's N events in its stream, each tool fetches the window
once, not following, R times; wall time per run (process start to exit) and the lines
printed.

Standard library + boto3 (moto's dependency) only.
"""

import argparse
import json
import os
import random
import re
import signal
import statistics
import subprocess
import threading
import time
import urllib.request

import boto3

REGION = "us-east-1"
EVENT_ID = re.compile(rb"evt-(\d{5})")
PATTERNS = ("steady", "bursty")
FILTER = "FilterLogEvents"  # the proxy counts by the short target
# The goal, ecsdash over awslogs in the same run.
GOAL = {"p50_ms": 0.6, "p95_ms": 1.0, "requests_per_second": 2.0}


def client(service, endpoint):
    return boto3.client(
        service,
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def http_json(url, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, method="GET" if body is None else "POST")
    req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        raw = resp.read()
    return json.loads(raw) if raw.strip() else None


def seed(moto, tag):
    """A cluster, an instance, a service with one running task whose awslogs stream
    exists: what `ecsdash tail CLUSTER/SERVICE` resolves. Returns (cluster, service,
    group, stream)."""
    # moto moves tasks towards STOPPED at every describe unless told otherwise.
    http_json(
        f"{moto}/moto-api/state-manager/set-transition",
        {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000000}},
    )
    ecs, ec2, logs = client("ecs", moto), client("ec2", moto), client("logs", moto)
    cluster, service, group = f"bench-{tag}", f"web-{tag}", f"/ecs/bench-{tag}"
    ecs.create_cluster(clusterName=cluster)
    instance = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="m5.large"
    )["Instances"][0]["InstanceId"]
    ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=json.dumps({"instanceId": instance})
    )
    td = ecs.register_task_definition(
        family=f"bench-{tag}",
        containerDefinitions=[
            {
                "name": "web",
                "image": "nginx:1.27",
                "cpu": 8,
                "memory": 16,
                "logConfiguration": {
                    "logDriver": "awslogs",
                    "options": {
                        "awslogs-group": group,
                        "awslogs-region": REGION,
                        "awslogs-stream-prefix": "ecs",
                    },
                },
            }
        ],
    )["taskDefinition"]["taskDefinitionArn"]
    ecs.create_service(
        cluster=cluster, serviceName=service, taskDefinition=td, desiredCount=0, launchType="EC2"
    )
    # moto's services start no tasks: RunTask with the group a service's tasks carry.
    task = ecs.run_task(
        cluster=cluster, taskDefinition=td, launchType="EC2", count=1, group=f"service:{service}"
    )["tasks"][0]["taskArn"].rsplit("/", 1)[1]
    stream = f"ecs/web/{task}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    return cluster, service, group, stream


class Reader:
    """Reads a tool's stdout in a thread, stamping each line with its arrival time."""

    def __init__(self, name, argv, env):
        self.name = name
        self.argv = argv
        self.seen = {}  # id -> [arrival times]
        self.lines = 0
        self.proc = subprocess.Popen(
            argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env
        )
        self.started = time.time()
        self.stderr = b""
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()
        self.err_thread = threading.Thread(target=self._read_err, daemon=True)
        self.err_thread.start()

    def _read(self):
        for line in self.proc.stdout:
            now = time.time()
            self.lines += 1
            m = EVENT_ID.search(line)
            if m:
                self.seen.setdefault(int(m.group(1)), []).append(now)

    def _read_err(self):
        self.stderr = self.proc.stderr.read()

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stopped = time.time()
        self.thread.join(timeout=5)
        self.err_thread.join(timeout=5)


def span(text):
    """"LO-HI" -> (LO, HI) as floats."""
    lo, _, hi = text.partition("-")
    lo, hi = float(lo), float(hi or lo)
    if not 0 <= lo <= hi:
        raise argparse.ArgumentTypeError(f"not LO-HI: {text}")
    return lo, hi


def pause_before(args, pattern, i, rng):
    """How long the writer waits before event i (seconds)."""
    if pattern == "steady":
        return rng.uniform(*args.steady_ms) / 1000
    # bursty: a quiet spell before every burst, nothing between a burst's events.
    return rng.uniform(*args.quiet_s) if i % args.burst == 0 else 0.0


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def request_counts(proxy):
    http_json(f"{proxy}/_proxy/reset-stats", {})


def stats(proxy):
    return http_json(f"{proxy}/_proxy/stats") or {}


def env_for(proxy):
    env = dict(os.environ)
    env.update(
        {
            "AWS_ENDPOINT_URL": proxy,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.pop("AWS_PROFILE", None)
    return env


def follow(args, pattern, cluster, service, group, stream):
    moto_logs = client("logs", args.moto)
    tools = {
        "ecsdash": (
            args.ecs_proxy,
            [args.ecsdash, "tail", f"{cluster}/{service}", "--follow", "--utc", "--since", "1m"],
        ),
        "awslogs": (
            args.awslogs_proxy,
            [args.awslogs, "get", group, "ALL", "--watch", "--aws-endpoint-url", args.awslogs_proxy],
        ),
    }
    for proxy, _ in tools.values():
        request_counts(proxy)
    readers = {name: Reader(name, argv, env_for(proxy)) for name, (proxy, argv) in tools.items()}
    time.sleep(args.warmup)
    rng = random.Random(args.seed)
    written = {}
    for i in range(args.events):
        time.sleep(pause_before(args, pattern, i, rng))
        now_ms = int(time.time() * 1000)
        moto_logs.put_log_events(
            logGroupName=group,
            logStreamName=stream,
            logEvents=[{"timestamp": now_ms, "message": f"evt-{i:05d} written_ms={now_ms}"}],
        )
        written[i] = time.time()
    time.sleep(args.grace)
    results = {}
    for name, reader in readers.items():
        reader.stop()
        proxy = tools[name][0]
        counts = stats(proxy)
        total = sum(counts.values())
        ran = reader.stopped - reader.started
        latencies = [
            reader.seen[i][0] - written[i] for i in written if i in reader.seen
        ]
        results[name] = {
            "command": " ".join(tools[name][1]),
            "lines": reader.lines,
            "missed": sum(1 for i in written if i not in reader.seen),
            "repeated": sum(len(t) - 1 for t in reader.seen.values()),
            "p50_ms": round(percentile(latencies, 50) * 1000),
            "p95_ms": round(percentile(latencies, 95) * 1000),
            "max_ms": round(max(latencies) * 1000) if latencies else None,
            "requests": total,
            "requests_by_target": counts,
            "seconds": round(ran, 1),
            "requests_per_second": round(total / ran, 2),
            "filter_per_second": round(counts.get(FILTER, 0) / ran, 2),
            "stderr": reader.stderr.decode(errors="replace")[-500:],
            # Per event id, the first arrival (None: missed).
            "latencies_ms": [
                round((reader.seen[i][0] - written[i]) * 1000) if i in reader.seen else None
                for i in sorted(written)
            ],
        }
    return results


def history(args, cluster, service, group, start_iso):
    runs = {
        "ecsdash": (
            args.ecs_proxy,
            [args.ecsdash, "tail", f"{cluster}/{service}", "--utc", "--since", start_iso],
        ),
        "awslogs": (
            args.awslogs_proxy,
            [args.awslogs, "get", group, "ALL", "-s", start_iso, "--aws-endpoint-url", args.awslogs_proxy],
        ),
    }
    results = {}
    for name, (proxy, argv) in runs.items():
        times, lines = [], []
        for _ in range(args.history_runs):
            began = time.perf_counter()
            out = subprocess.run(argv, capture_output=True, env=env_for(proxy), timeout=300)
            times.append(time.perf_counter() - began)
            if out.returncode != 0:
                raise SystemExit(f"{name} failed: {out.stderr.decode(errors='replace')}")
            lines.append(len(EVENT_ID.findall(out.stdout)))
        results[name] = {
            "command": " ".join(argv),
            "median_s": round(statistics.median(times), 3),
            "min_s": round(min(times), 3),
            "max_s": round(max(times), 3),
            "events_printed": sorted(set(lines)),
        }
    return results


def compare(follow_result):
    """ecsdash over awslogs for the goal's figures, and whether each part of it holds."""
    ours, theirs = follow_result["ecsdash"], follow_result["awslogs"]
    ratios = {
        k: round(ours[k] / theirs[k], 2) if theirs[k] else None
        for k in ("p50_ms", "p95_ms", "max_ms", "requests_per_second", "filter_per_second")
    }
    met = {k: ratios[k] is not None and ratios[k] <= limit for k, limit in GOAL.items()}
    met["none_missed_or_repeated"] = ours["missed"] == 0 and ours["repeated"] == 0
    return {"ratios": ratios, "met": met, "all_met": all(met.values())}


def print_tables(report):
    for pattern, run in report["follow"].items():
        print(f"\nFollow, {pattern}, {report['events'][pattern]} events:")
        print("| | p50 | p95 | max | missed | repeated | requests/s (all) | FilterLogEvents/s |")
        print("|---|---|---|---|---|---|---|---|")
        for tool in ("ecsdash", "awslogs"):
            r = run[tool]
            print(
                f"| {tool} | {r['p50_ms']} ms | {r['p95_ms']} ms | {r['max_ms']} ms "
                f"| {r['missed']} | {r['repeated']} | {r['requests_per_second']:.2f} "
                f"| {r['filter_per_second']:.2f} |"
            )
        c, yes = run["vs_awslogs"], {True: "met", False: "MISSED"}
        x = {k: "n/a" if v is None else f"{v:.2f}x" for k, v in c["ratios"].items()}
        print(
            f"| ecsdash / awslogs | {x['p50_ms']} | {x['p95_ms']} | {x['max_ms']} | | "
            f"| {x['requests_per_second']} | {x['filter_per_second']} |"
        )
        m = c["met"]
        print(
            f"goal: p50 <= 0.6x {yes[m['p50_ms']]}; p95 <= 1.0x {yes[m['p95_ms']]}; "
            f"requests/s <= 2x {yes[m['requests_per_second']]}; "
            f"none missed or repeated {yes[m['none_missed_or_repeated']]}"
        )
    print(f"\nHistory, {report['history_events']} events, {report['history_runs']} runs each:")
    print("| | median | min | max | events printed |")
    print("|---|---|---|---|---|")
    for tool, h in report["history"].items():
        printed = ", ".join(str(n) for n in h["events_printed"])
        print(
            f"| {tool} | {h['median_s']:.3f} s | {h['min_s']:.3f} s | {h['max_s']:.3f} s "
            f"| {printed} |"
        )


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moto", required=True)
    p.add_argument("--ecs-proxy", required=True)
    p.add_argument("--awslogs-proxy", required=True)
    p.add_argument("--ecsdash", required=True)
    p.add_argument("--awslogs", required=True)
    p.add_argument(
        "--pattern",
        choices=PATTERNS + ("both",),
        default="both",
        help="how the writer spaces events (default: both, steady then bursty)",
    )
    p.add_argument("--events", type=int, default=300, help="events per steady run")
    p.add_argument("--bursty-events", type=int, default=300, help="events per bursty run")
    p.add_argument("--steady-ms", type=span, default=(300, 900), metavar="LO-HI")
    p.add_argument("--burst", type=int, default=3, help="events per burst")
    p.add_argument("--quiet-s", type=span, default=(5, 15), metavar="LO-HI")
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--grace", type=float, default=10.0)
    p.add_argument("--history-runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    args = p.parse_args()
    if args.burst < 1:
        p.error("--burst must be at least 1")

    patterns = PATTERNS if args.pattern == "both" else (args.pattern,)
    counts = {"steady": args.events, "bursty": args.bursty_events}
    report = {"events": {}, "follow": {}}
    first = None
    for pattern in patterns:
        tag = f"{int(time.time())}-{pattern}"
        cluster, service, group, stream = seed(args.moto, tag)
        start_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
        first = first or (cluster, service, group, start_iso)
        print(f"{pattern}: following {counts[pattern]} events", flush=True)
        run_args = argparse.Namespace(**{**vars(args), "events": counts[pattern]})
        result = follow(run_args, pattern, cluster, service, group, stream)
        result["vs_awslogs"] = compare(result)
        report["events"][pattern] = counts[pattern]
        report["follow"][pattern] = result
        print(f"{pattern}: done, details in {args.out}", flush=True)
    report["history_events"] = counts[patterns[0]]
    report["history_runs"] = args.history_runs
    report["history"] = history(args, *first)
    report["all_met"] = all(r["vs_awslogs"]["all_met"] for r in report["follow"].values())
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print_tables(report)
    print(f"\nReport: {args.out}")


if __name__ == "__main__":
    main()
