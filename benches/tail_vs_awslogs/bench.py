#!/usr/bin/env python3
"""The measurement behind BENCHMARKS.md's "Live logs: ecsdash tail vs awslogs" (run it with
run.sh, which starts moto and the proxies and passes their addresses here).

Follow: both tools follow the same service's log group at once, each through its own
counting proxy in front of one moto. A writer puts N events into the service's task
stream one at a time, at random intervals, each message naming its id; every line either
tool prints is stamped when it arrives on the harness's pipe. Per tool: latency from the
end of the PutLogEvents call to the line on stdout (p50/p95/max), lines missed, lines
repeated, and API requests per second (proxy counts over the time the tool ran).

History: with those N events in the stream, each tool fetches the window once, not
following, R times; wall time per run (process start to exit) and the lines printed.

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


def follow(args, cluster, service, group, stream):
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
        time.sleep(rng.uniform(0.05, 1.5))
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
            "stderr": reader.stderr.decode(errors="replace")[-500:],
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


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moto", required=True)
    p.add_argument("--ecs-proxy", required=True)
    p.add_argument("--awslogs-proxy", required=True)
    p.add_argument("--ecsdash", required=True)
    p.add_argument("--awslogs", required=True)
    p.add_argument("--events", type=int, default=300)
    p.add_argument("--warmup", type=float, default=5.0)
    p.add_argument("--grace", type=float, default=10.0)
    p.add_argument("--history-runs", type=int, default=5)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--out", required=True)
    args = p.parse_args()

    tag = f"{int(time.time())}"
    cluster, service, group, stream = seed(args.moto, tag)
    start_iso = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() - 60))
    report = {
        "events": args.events,
        "follow": follow(args, cluster, service, group, stream),
        "history": history(args, cluster, service, group, start_iso),
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
