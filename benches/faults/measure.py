#!/usr/bin/env python3
"""The measurement behind BENCHMARKS.md's "Faults: keys, recovery, lines, writes" (run it
with run.sh, which starts moto and the fault-injecting proxy and passes their addresses).

One cluster is seeded with a few services (api, cron, web, worker). For each fault class
(throttle, 500, 503, hang, drop, garbage, 403 ExpiredTokenException, 403
AccessDeniedException):

  keys      The dashboard runs in a pseudo-terminal (120x35, TERM=xterm-256color, config
            and state in a temporary directory, `--cluster C --refresh 2`). Once the
            services are on screen, the fault is injected on ListServices and
            DescribeServices (count -1, matching the cluster) and, once the proxy has
            applied it, keys are written to the terminal: 20 j/k alternately (the
            selected row must move) and 20 ? (the help must open, then close). Response
            time: from the write to the arrival of the output chunk after which the
            emulated screen shows the change. Then the ListServices requests the proxy
            sees for the cluster in 5 s without keys, and in 5 s from the first of 30
            presses of r, 100 ms apart.
  recovery  The time from injecting to the error marker (STALE/NO DATA in the header or
            the error line in the footer, src/ui/mod.rs) first showing; then, with the
            marker on screen, the fault is cleared and the time until the marker is gone
            is measured. Where it does not go away within --recovery-wait, r is pressed
            once and that recovery is timed apart.
  logs      On a cluster, service `web` with one running task and a log group seeded
            afresh for each fault: `ecsdash tail C/web -f --since 1m` (stdout on a pipe)
            and the dashboard's logs pane on the service (services pane, web selected,
            l) run side by side while a writer puts one event every 0.3 s, each with a
            unique id. After 3 s the fault is put on FilterLogEvents (count -1, matching
            the log group) for 8 s, then cleared; the writer goes on 12 s more. Lost and
            repeated ids are counted on the tail's stdout (the pane redraws lines, so it
            is only used for timing); the time from clear to the first line not seen
            before it is timed on the tail's stdout and on the pane's emulated screen.
  writes    On a cluster of its own, `ecsdash scale C/S 3 --yes` (from 1) with the fault
            on UpdateService (count -1, matching the service), once answered by the
            proxy before the request reaches moto and once with "forward": true (moto
            applies the change, the answer is lost). Reported: UpdateService requests
            the proxy saw, the exit code, the audit log's `result`, and whether moto's
            desired count changed.

Standard library + boto3 (moto's dependency) only. The screen is an emulated terminal
(enough of VT100/xterm for what crossterm writes: cursor moves, erases, SGR, wide
characters), fed from the pty's output stream as it arrives.
"""

import argparse
import fcntl
import json
import os
import random
import re
import select
import signal
import struct
import subprocess
import tempfile
import termios
import threading
import time
import unicodedata
import urllib.request

import boto3

REGION = "us-east-1"
ROWS, COLS = 35, 120
SERVICES = ("api", "web", "worker", "cron")
LOG_SERVICE = "web"

FAULTS = [
    ("throttle", {"kind": "throttle"}),
    ("500", {"kind": "error", "status": 500, "type": "InternalFailure",
             "message": "We encountered an internal error. Please try again."}),
    ("503", {"kind": "error", "status": 503, "type": "ServiceUnavailableException",
             "message": "Service Unavailable"}),
    ("hang", {"kind": "hang"}),
    ("drop", {"kind": "drop"}),
    ("garbage", {"kind": "garbage"}),
    ("403 ExpiredToken", {"kind": "error", "status": 403, "type": "ExpiredTokenException",
                          "message": "The security token included in the request is expired"}),
    ("403 AccessDenied", {"kind": "error", "status": 403, "type": "AccessDeniedException",
                          "message": "User: arn:aws:iam::123456789012:user/oncall is not "
                                     "authorized to perform: ACTION"}),
]


# ---------------------------------------------------------------------------------------
# AWS, moto and the proxy


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


class Proxy:
    def __init__(self, url):
        self.url = url

    def inject(self, fault, target, match, **extra):
        body = dict(fault)
        if "ACTION" in body.get("message", ""):
            service = "logs" if target == "FilterLogEvents" else "ecs"
            body["message"] = body["message"].replace("ACTION", f"{service}:{target}")
        body.update({"target": target, "match": match, "count": -1}, **extra)
        return http_json(f"{self.url}/_proxy/inject", body)

    def clear(self, match):
        http_json(f"{self.url}/_proxy/clear", {"match": match})

    def count(self, target, cluster=None, group=None):
        q = f"target={target}"
        if cluster:
            q += f"&cluster={cluster}"
        if group:
            q += f"&group={group}"
        stats = http_json(f"{self.url}/_proxy/stats?{q}") or {}
        return sum(v for k, v in stats.items() if k.endswith(target))

    def faulted(self, target):
        counts = http_json(f"{self.url}/_proxy/faulted") or {}
        return sum(v for k, v in counts.items() if k.endswith(target))


def seed(moto, tag):
    """A cluster with SERVICES; LOG_SERVICE has one running task whose awslogs stream is
    in the group. Returns (cluster, group, stream, task definition ARN)."""
    http_json(
        f"{moto}/moto-api/state-manager/set-transition",
        {"model_name": "ecs::task", "transition": {"progression": "manual", "times": 1000000000}},
    )
    ecs, ec2, logs = client("ecs", moto), client("ec2", moto), client("logs", moto)
    cluster, group = f"faults-{tag}", f"/ecs/faults-{tag}"
    ecs.create_cluster(clusterName=cluster)
    instance = ec2.run_instances(
        ImageId="ami-12345678", MinCount=1, MaxCount=1, InstanceType="m5.large"
    )["Instances"][0]["InstanceId"]
    ecs.register_container_instance(
        cluster=cluster, instanceIdentityDocument=json.dumps({"instanceId": instance})
    )
    td = ecs.register_task_definition(
        family=f"faults-{tag}",
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
    for name in SERVICES:
        ecs.create_service(
            cluster=cluster, serviceName=name, taskDefinition=td,
            desiredCount=1 if name == LOG_SERVICE else 2, launchType="EC2",
        )
    # moto's services start no tasks: RunTask with the group a service's tasks carry.
    task = ecs.run_task(
        cluster=cluster, taskDefinition=td, launchType="EC2", count=1,
        group=f"service:{LOG_SERVICE}",
    )["tasks"][0]["taskArn"].rsplit("/", 1)[1]
    stream = f"ecs/web/{task}"
    logs.create_log_group(logGroupName=group)
    logs.create_log_stream(logGroupName=group, logStreamName=stream)
    now = int(time.time() * 1000)
    logs.put_log_events(
        logGroupName=group, logStreamName=stream,
        logEvents=[{"timestamp": now - 30000 + i, "message": f"seed line {i}"} for i in range(5)],
    )
    return cluster, group, stream, td


# ---------------------------------------------------------------------------------------
# A terminal emulator, enough for crossterm's output


class Screen:
    """Characters and their SGR state on a ROWS x COLS grid."""

    def __init__(self, rows=ROWS, cols=COLS):
        self.rows, self.cols = rows, cols
        self.blank = (" ", ())
        self.grid = [[self.blank] * cols for _ in range(rows)]
        self.y = self.x = 0
        self.sgr = {}
        self.pending = b""

    def style(self):
        return tuple(sorted(self.sgr.items()))

    def feed(self, data):
        data = self.pending + data
        # Keep an incomplete UTF-8 sequence or escape sequence for the next chunk.
        cut = len(data)
        for back in range(1, min(4, len(data)) + 1):
            b = data[-back]
            if b & 0xC0 == 0x80:
                continue  # a continuation byte: look further back for the lead byte
            if b >= 0xC0:
                need = 2 if b < 0xE0 else 3 if b < 0xF0 else 4
                if need > back:
                    cut = len(data) - back
            break
        esc = data.rfind(b"\x1b", max(0, cut - 256), cut)
        if esc >= 0 and not self._complete(data[esc:cut]):
            cut = esc
        self.pending = data[cut:]
        self._run(data[:cut].decode("utf-8", errors="replace"))

    @staticmethod
    def _complete(seq):
        if len(seq) < 2:
            return False
        kind = seq[1:2]
        if kind == b"[":
            return re.match(rb"\x1b\[[0-?]*[ -/]*[@-~]", seq) is not None
        if kind == b"]":
            return b"\x07" in seq or b"\x1b\\" in seq[1:]
        if kind in (b"(", b")"):
            return len(seq) >= 3
        return True

    def _run(self, text):
        i, n = 0, len(text)
        while i < n:
            c = text[i]
            if c == "\x1b":
                if i + 1 >= n:
                    break
                k = text[i + 1]
                if k == "[":
                    m = re.compile(r"\[([0-?]*)([ -/]*)([@-~])").match(text, i + 1)
                    if not m:
                        break
                    self._csi(m.group(1), m.group(3))
                    i = m.end()
                    continue
                if k == "]":
                    end = text.find("\x07", i)
                    st = text.find("\x1b\\", i)
                    ends = [e for e in (end, st) if e >= 0]
                    if not ends:
                        break
                    e = min(ends)
                    i = e + (1 if e == end else 2)
                    continue
                if k in "()":
                    i += 3
                    continue
                i += 2
                continue
            if c == "\r":
                self.x = 0
            elif c == "\n":
                self.y = min(self.y + 1, self.rows - 1)
            elif c == "\b":
                self.x = max(0, self.x - 1)
            elif c >= " ":
                self._put(c)
            i += 1

    def _put(self, c):
        if unicodedata.combining(c):
            return
        w = 2 if unicodedata.east_asian_width(c) in ("W", "F") else 1
        if self.x + w > self.cols:
            self.x = self.cols - w
        if 0 <= self.y < self.rows:
            self.grid[self.y][self.x] = (c, self.style())
            if w == 2 and self.x + 1 < self.cols:
                self.grid[self.y][self.x + 1] = ("", self.style())
        self.x = min(self.x + w, self.cols - 1)

    def _csi(self, params, final):
        private = params.startswith("?")
        nums = [int(p) if p.isdigit() else 0 for p in params.lstrip("?").split(";")] if params else []
        arg = lambda k, d: nums[k] if len(nums) > k and nums[k] else d
        if final in "Hf":
            self.y = min(max(arg(0, 1) - 1, 0), self.rows - 1)
            self.x = min(max(arg(1, 1) - 1, 0), self.cols - 1)
        elif final == "J" and not private:
            mode = arg(0, 0)
            if mode == 2 or mode == 3:
                self.grid = [[self.blank] * self.cols for _ in range(self.rows)]
            elif mode == 0:
                self.grid[self.y][self.x:] = [self.blank] * (self.cols - self.x)
                for r in range(self.y + 1, self.rows):
                    self.grid[r] = [self.blank] * self.cols
            elif mode == 1:
                for r in range(self.y):
                    self.grid[r] = [self.blank] * self.cols
                self.grid[self.y][: self.x + 1] = [self.blank] * (self.x + 1)
        elif final == "K" and not private:
            mode = arg(0, 0)
            row = self.grid[self.y]
            if mode == 0:
                row[self.x:] = [self.blank] * (self.cols - self.x)
            elif mode == 1:
                row[: self.x + 1] = [self.blank] * (self.x + 1)
            else:
                self.grid[self.y] = [self.blank] * self.cols
        elif final == "A":
            self.y = max(0, self.y - arg(0, 1))
        elif final == "B":
            self.y = min(self.rows - 1, self.y + arg(0, 1))
        elif final == "C":
            self.x = min(self.cols - 1, self.x + arg(0, 1))
        elif final == "D":
            self.x = max(0, self.x - arg(0, 1))
        elif final == "G":
            self.x = min(self.cols - 1, arg(0, 1) - 1)
        elif final == "d":
            self.y = min(self.rows - 1, arg(0, 1) - 1)
        elif final == "m" and not private:
            self._sgr(nums or [0])

    def _sgr(self, nums):
        i = 0
        while i < len(nums):
            p = nums[i]
            if p == 0:
                self.sgr = {}
            elif p in (38, 48, 58):
                key = {38: "fg", 48: "bg", 58: "ul"}[p]
                if i + 1 < len(nums) and nums[i + 1] == 5:
                    self.sgr[key] = f"5;{nums[i + 2] if i + 2 < len(nums) else 0}"
                    i += 2
                elif i + 1 < len(nums) and nums[i + 1] == 2:
                    self.sgr[key] = "2;" + ";".join(str(v) for v in nums[i + 2 : i + 5])
                    i += 4
            elif 30 <= p <= 37 or 90 <= p <= 97:
                self.sgr["fg"] = str(p)
            elif p == 39:
                self.sgr.pop("fg", None)
            elif 40 <= p <= 47 or 100 <= p <= 107:
                self.sgr["bg"] = str(p)
            elif p == 49:
                self.sgr.pop("bg", None)
            elif 1 <= p <= 9:
                self.sgr[f"a{p}"] = 1
            elif p == 22:
                self.sgr.pop("a1", None)
                self.sgr.pop("a2", None)
            elif 23 <= p <= 29:
                self.sgr.pop(f"a{p - 20}", None)
            i += 1

    def line(self, r):
        return "".join(c for c, _ in self.grid[r])

    def text(self):
        return "\n".join(self.line(r) for r in range(self.rows))

    def row_bg(self, r, x=2):
        return dict(self.grid[r][x][1]).get("bg")


# ---------------------------------------------------------------------------------------
# The dashboard in a pseudo-terminal


class Dashboard:
    """ecsdash in a pty; its output is fed to a Screen as it arrives. Waiters get the
    arrival time of the chunk after which their condition held."""

    def __init__(self, binary, env, args):
        self.screen = Screen()
        self.cond = threading.Condition()
        self.version = 0
        self.last_stamp = time.monotonic()
        self.master, slave = os.openpty()
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", ROWS, COLS, 0, 0))

        def child_setup():
            os.setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)

        self.proc = subprocess.Popen(
            [binary, *args], stdin=slave, stdout=slave, stderr=slave, env=env,
            preexec_fn=child_setup, close_fds=True,
        )
        os.close(slave)
        self.alive = True
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        while True:
            try:
                r, _, _ = select.select([self.master], [], [], 0.5)
                if not r:
                    if self.proc.poll() is not None:
                        break
                    continue
                data = os.read(self.master, 65536)
            except OSError:
                break
            if not data:
                break
            now = time.monotonic()
            with self.cond:
                self.screen.feed(data)
                self.version += 1
                self.last_stamp = now
                self.cond.notify_all()
        with self.cond:
            self.alive = False
            self.cond.notify_all()

    def press(self, keys):
        t = time.monotonic()
        os.write(self.master, keys.encode())
        return t

    def wait(self, pred, timeout):
        """Blocks until pred(screen) holds; returns the arrival time of the chunk that made
        it hold (or now if it held already), None on timeout."""
        deadline = time.monotonic() + timeout
        with self.cond:
            seen = -1
            while True:
                if self.version != seen:
                    seen = self.version
                    if pred(self.screen):
                        return self.last_stamp if seen > 0 else time.monotonic()
                left = deadline - time.monotonic()
                if left <= 0 or not self.alive:
                    return None
                self.cond.wait(left)

    def snapshot(self, fn):
        with self.cond:
            return fn(self.screen)

    def stop(self):
        if self.proc.poll() is None:
            try:
                os.write(self.master, b"q")
                self.proc.wait(timeout=5)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.send_signal(signal.SIGTERM)
                try:
                    self.proc.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    self.proc.kill()
                    self.proc.wait()
        self.thread.join(timeout=5)
        os.close(self.master)


def env_for(proxy, home):
    env = dict(os.environ)
    for k in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "COLORTERM", "NO_COLOR"):
        env.pop(k, None)
    env.update(
        {
            "AWS_ENDPOINT_URL": proxy,
            "AWS_ACCESS_KEY_ID": "testing",
            "AWS_SECRET_ACCESS_KEY": "testing",
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.path.join(home, "aws-config"),
            "AWS_SHARED_CREDENTIALS_FILE": os.path.join(home, "aws-credentials"),
            "TERM": "xterm-256color",
            "XDG_CONFIG_HOME": home,
            "XDG_STATE_HOME": home,
        }
    )
    return env


# What the dashboard draws when a pane's data could not be fetched (src/ui/mod.rs):
# `STALE 12s` or `NO DATA` in the header's freshness label, and in the footer the error
# (`ListServices: throttled: Rate exceeded`) with `E: error history`.
ERROR_TEXT = re.compile(r"(ListServices|DescribeServices|ListClusters|DescribeClusters): ")


def error_marker(s):
    header = s.line(1)
    footer = s.line(ROWS - 1)
    return (
        "STALE" in header
        or "NO DATA" in header
        or "E: error history" in footer
        or ERROR_TEXT.search(footer) is not None
    )


def services_shown(s):
    body = s.text()
    return all(name in body for name in SERVICES) and "updated" in s.line(1)


def help_open(s):
    return "keys: " in s.text()


def percentile(values, p):
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * p / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def ms(v):
    return None if v is None else round(v * 1000, 1)


# ---------------------------------------------------------------------------------------
# 1 and 2: keys under a fault, then recovery


def selected_row(s):
    """The body row drawn with the selection's background (the one row whose background
    no other body row has), or None."""
    bgs = {}
    for r in range(3, ROWS - 1):
        if s.line(r).strip():
            bgs.setdefault(s.row_bg(r), []).append(r)
    singles = [rows[0] for bg, rows in bgs.items() if bg is not None and len(rows) == 1]
    return singles[0] if len(singles) == 1 else None


def measure_keys(args, proxy, cluster, name, fault, home):
    dash = Dashboard(args.ecsdash, env_for(args.proxy, home),
                     ["--cluster", cluster, "--refresh", "2"])
    result = {"fault": name}
    try:
        if dash.wait(services_shown, 30) is None:
            raise RuntimeError(f"{name}: services never shown:\n{dash.snapshot(Screen.text)}")
        time.sleep(0.5)
        before = proxy.faulted("ListServices") + proxy.faulted("DescribeServices")
        marker = {}
        t_inject = time.monotonic()
        proxy.inject(fault, "ListServices", cluster)
        proxy.inject(fault, "DescribeServices", cluster)
        threading.Thread(
            target=lambda: marker.setdefault("at", dash.wait(error_marker, args.marker_wait)),
            daemon=True,
        ).start()
        # Keys while the fault is being applied: after the next refresh has met it.
        deadline = time.monotonic() + 10
        while proxy.faulted("ListServices") + proxy.faulted("DescribeServices") == before:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the fault was never applied")
            time.sleep(0.05)
        rng = random.Random(7)
        jk, helpk, misses = [], [], 0
        for i in range(args.presses):
            time.sleep(rng.uniform(0.1, 0.3))
            start_row = dash.snapshot(selected_row)
            key = "j" if i % 2 == 0 else "k"
            t = dash.press(key)
            got = dash.wait(lambda s: selected_row(s) not in (None, start_row), 5)
            if got is None:
                misses += 1
            else:
                jk.append(got - t)
        for i in range(args.presses):
            time.sleep(rng.uniform(0.1, 0.3))
            want_open = i % 2 == 0
            t = dash.press("?")
            got = dash.wait(lambda s: help_open(s) == want_open, 5)
            if got is None:
                misses += 1
            else:
                helpk.append(got - t)
        if dash.snapshot(help_open):
            dash.press("?")
            dash.wait(lambda s: not help_open(s), 5)
        result.update(
            {
                "jk_p50_ms": ms(percentile(jk, 50)), "jk_max_ms": ms(max(jk) if jk else None),
                "help_p50_ms": ms(percentile(helpk, 50)),
                "help_max_ms": ms(max(helpk) if helpk else None),
                "keys_without_response": misses,
            }
        )
        # 30 presses of r, 100 ms apart: how many ListServices go out, against as long a
        # window without keys just before.
        time.sleep(0.5)
        before = proxy.count("ListServices", cluster=cluster)
        time.sleep(5.0)
        result["idle_list_services"] = proxy.count("ListServices", cluster=cluster) - before
        before = proxy.count("ListServices", cluster=cluster)
        t0 = time.monotonic()
        for _ in range(30):
            dash.press("r")
            time.sleep(0.1)
        time.sleep(2.0)
        window = time.monotonic() - t0
        result["r_list_services"] = proxy.count("ListServices", cluster=cluster) - before
        result["r_window_s"] = round(window, 1)
        # 2: the marker, then recovery after clearing.
        shown = dash.wait(error_marker, args.marker_wait)
        result["marker_shown"] = shown is not None
        first = marker.get("at")
        result["marker_after_inject_s"] = None if first is None else round(first - t_inject, 2)
        result["marker_text"] = dash.snapshot(
            lambda s: (s.line(1).strip()[-60:] + " | " + s.line(ROWS - 1).strip())[:200]
        )
        t_clear = time.monotonic()
        proxy.clear(cluster)
        got = dash.wait(lambda s: not error_marker(s), args.recovery_wait)
        result["recovery_s"] = None if got is None else round(got - t_clear, 2)
        if got is None:
            result["stuck_text"] = dash.snapshot(
                lambda s: (s.line(1).strip()[-60:] + " | " + s.line(ROWS - 1).strip())[:200]
            )
            t = dash.press("r")
            got = dash.wait(lambda s: not error_marker(s), 15)
            result["recovery_after_r_s"] = None if got is None else round(got - t, 2)
    finally:
        proxy.clear(cluster)
        dash.stop()
    return result


# ---------------------------------------------------------------------------------------
# 3: logs


class Writer:
    """Puts one event every `every` seconds, each with a unique id, until stopped."""

    def __init__(self, moto, group, stream, prefix, every):
        self.logs = client("logs", moto)
        self.group, self.stream, self.prefix, self.every = group, stream, prefix, every
        self.written = []
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        n = 0
        while not self.stopping.is_set():
            ident = f"{self.prefix}{n:04d}"
            now = int(time.time() * 1000)
            self.logs.put_log_events(
                logGroupName=self.group, logStreamName=self.stream,
                logEvents=[{"timestamp": now, "message": f"event {ident} written"}],
            )
            self.written.append((ident, time.monotonic()))
            n += 1
            self.stopping.wait(self.every)

    def stop(self):
        self.stopping.set()
        self.thread.join()


class TailReader:
    def __init__(self, argv, env, pattern):
        self.pattern = pattern
        self.seen = {}
        self.proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        self.stderr = []
        self.t_out = threading.Thread(target=self._out, daemon=True)
        self.t_err = threading.Thread(target=self._err, daemon=True)
        self.t_out.start()
        self.t_err.start()

    def _out(self):
        for line in self.proc.stdout:
            now = time.monotonic()
            for m in self.pattern.finditer(line.decode(errors="replace")):
                self.seen.setdefault(m.group(0), []).append(now)

    def _err(self):
        for line in self.proc.stderr:
            self.stderr.append((time.monotonic(), line.decode(errors="replace").rstrip()))

    def stop(self):
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.t_out.join(timeout=5)
        self.t_err.join(timeout=5)


def open_logs(dash, name):
    """From the services pane: select LOG_SERVICE's row, press l, wait for the pane."""
    if dash.wait(services_shown, 30) is None:
        raise RuntimeError(f"{name}: services never shown:\n{dash.snapshot(Screen.text)}")
    for _ in range(3 * len(SERVICES)):
        row = dash.snapshot(selected_row)
        if row is not None and dash.snapshot(lambda s: s.line(row)[1:].split()[0]) == LOG_SERVICE:
            break
        dash.press("j")
        dash.wait(lambda s: selected_row(s) not in (None, row), 5)
    else:
        raise RuntimeError(f"{name}: cannot select {LOG_SERVICE}:\n{dash.snapshot(Screen.text)}")
    dash.press("l")
    title = f"logs: service {LOG_SERVICE}"
    if dash.wait(lambda s: title in s.line(2) and " lines " in s.line(2), 30) is None:
        raise RuntimeError(f"{name}: logs pane never showed:\n{dash.snapshot(Screen.text)}")


def measure_logs(args, proxy, cluster, group, stream, idx, name, fault, home):
    prefix = f"fx{idx}n"
    pattern = re.compile(rf"{prefix}\d{{4}}")
    env = env_for(args.proxy, home)
    tail = TailReader(
        [args.ecsdash, "tail", f"{cluster}/{LOG_SERVICE}", "-f", "--since", "1m"], env, pattern
    )
    dash = Dashboard(args.ecsdash, env, ["--cluster", cluster, "--refresh", "2"])
    on_screen = {}  # id -> first time on the emulated screen

    def scan(s):
        now = dash.last_stamp
        for m in pattern.finditer(s.text()):
            on_screen.setdefault(m.group(0), now)
        return False

    result = {"fault": name}
    writer = None
    try:
        open_logs(dash, name)
        deadline = time.monotonic() + 20
        while not any("following" in l for _, l in tail.stderr):
            if time.monotonic() > deadline:
                raise RuntimeError(f"{name}: the tail never said it follows: {tail.stderr}")
            time.sleep(0.1)
        watcher = threading.Thread(target=lambda: dash.wait(scan, 10_000), daemon=True)
        watcher.start()
        writer = Writer(args.moto, group, stream, prefix, 0.3)
        time.sleep(args.logs_warmup)
        written_at_inject = len(writer.written)
        proxy.inject(fault, "FilterLogEvents", group)
        time.sleep(args.fault_s)
        pane_during = dash.snapshot(
            lambda s: s.line(2).strip()[:110] + " | " + s.line(ROWS - 1).strip()[:110]
        )
        written_at_clear = len(writer.written) - written_at_inject
        t_clear = time.monotonic()
        proxy.clear(group)
        time.sleep(args.logs_after)
        writer.stop()
        time.sleep(args.grace)
        written = writer.written
        ids = [i for i, _ in written]
        # First line on stdout / on screen after the clear that was not there before it.
        tail_first = min((ts[0] for ts in tail.seen.values() if ts[0] >= t_clear), default=None)
        pane_first = min((t for t in on_screen.values() if t >= t_clear), default=None)
        result.update(
            {
                "written": len(ids),
                "written_during_fault": written_at_clear,
                "lost": sum(1 for i in ids if i not in tail.seen),
                "repeated": sum(len(tail.seen[i]) - 1 for i in ids if i in tail.seen),
                "tail_first_after_clear_s": None if tail_first is None else round(tail_first - t_clear, 2),
                "pane_first_after_clear_s": None if pane_first is None else round(pane_first - t_clear, 2),
                "pane_never_on_screen": sum(1 for i in ids if i not in on_screen),
                "pane_during_fault": pane_during,
                "tail_stderr": [l for _, l in tail.stderr][-6:],
                "lost_ids": [i for i in ids if i not in tail.seen][:20],
            }
        )
    finally:
        if writer and not writer.stopping.is_set():
            writer.stop()
        proxy.clear(group)
        tail.stop()
        dash.stop()
    return result


# ---------------------------------------------------------------------------------------
# 4: writes


def measure_writes(args, proxy, cluster, td, name, fault, forward, home, idx):
    ecs = client("ecs", args.moto)
    # A cluster of its own, so the services pane the other measurements use stays as is.
    cluster = cluster.replace("faults-", "writes-", 1)
    if not ecs.describe_clusters(clusters=[cluster])["clusters"]:
        ecs.create_cluster(clusterName=cluster)
    service = f"scale-{idx}-{'fwd' if forward else 'nofwd'}"
    ecs.create_service(cluster=cluster, serviceName=service, taskDefinition=td,
                       desiredCount=1, launchType="EC2")
    audit = os.path.join(home, "ecsdash", "audit.log")
    lines_before = len(open(audit).read().splitlines()) if os.path.exists(audit) else 0
    # Match the service: the cluster's other services must not be touched.
    match = f'"{service}"'
    extra = {"forward": True} if forward else {}
    before = proxy.count("UpdateService", cluster=cluster)
    proxy.inject(fault, "UpdateService", match, **extra)
    t = time.monotonic()
    try:
        out = subprocess.run(
            [args.ecsdash, "scale", f"{cluster}/{service}", "3", "--yes"],
            capture_output=True, env=env_for(args.proxy, home), timeout=300,
            stdin=subprocess.DEVNULL,
        )
    finally:
        proxy.clear(match)
    took = time.monotonic() - t
    sent = proxy.count("UpdateService", cluster=cluster) - before
    lines = open(audit).read().splitlines() if os.path.exists(audit) else []
    new = [json.loads(l) for l in lines[lines_before:]]
    desired = ecs.describe_services(cluster=cluster, services=[service])["services"][0]["desiredCount"]
    return {
        "fault": name,
        "forward": forward,
        "update_service_requests": sent,
        "exit": out.returncode,
        "audit": ",".join(str(a.get("result")) for a in new) or "(none)",
        "applied": desired == 3,
        "seconds": round(took, 1),
        "stderr": out.stderr.decode(errors="replace").strip().splitlines()[-3:],
    }


# ---------------------------------------------------------------------------------------


def print_tables(report):
    if report["keys"]:
        print_keys(report)
    if report["logs"]:
        print_logs(report)
    if report["writes"]:
        print_writes(report)


def print_keys(report):
    print("\n1. Keys under a fault on ListServices + DescribeServices (--refresh 2), "
          f"{report['presses']} presses each:")
    print("| fault | j/k p50 | j/k max | ? p50 | ? max | no response | ListServices, 30 r in 5 s | ListServices, 5 s idle |")
    print("|---|---|---|---|---|---|---|---|")
    for r in report["keys"]:
        print(f"| {r['fault']} | {r['jk_p50_ms']} ms | {r['jk_max_ms']} ms | {r['help_p50_ms']} ms "
              f"| {r['help_max_ms']} ms | {r['keys_without_response']} "
              f"| {r['r_list_services']} | {r['idle_list_services']} |")
    print("\n2. Recovery: the error marker (STALE / NO DATA, the error line) after injecting, and after clearing:")
    print("| fault | inject -> marker | clear -> marker gone | after r |")
    print("|---|---|---|---|")
    for r in report["keys"]:
        rec = "never (%d s)" % report["recovery_wait"] if r["recovery_s"] is None else f"{r['recovery_s']:.2f} s"
        after = r.get("recovery_after_r_s", "")
        after = "" if after == "" else ("never" if after is None else f"{after:.2f} s")
        shown = r.get("marker_after_inject_s")
        shown = "never" if shown is None else f"{shown:.2f} s"
        print(f"| {r['fault']} | {shown} | {rec} | {after} |")


def print_logs(report):
    print(f"\n3. Logs: fault on FilterLogEvents for {report['fault_s']} s, one event every 0.3 s:")
    print("| fault | written (during fault) | lost (tail) | repeated (tail) | clear -> first new line, tail | clear -> first new line, pane |")
    print("|---|---|---|---|---|---|")
    for r in report["logs"]:
        f = lambda v: "never" if v is None else f"{v:.2f} s"
        print(f"| {r['fault']} | {r['written']} ({r['written_during_fault']}) | {r['lost']} "
              f"| {r['repeated']} | {f(r['tail_first_after_clear_s'])} "
              f"| {f(r['pane_first_after_clear_s'])} |")


def print_writes(report):
    print("\n4. Writes: `ecsdash scale C/S 3 --yes` (1 -> 3), fault on UpdateService (count -1):")
    print("| fault | forward | UpdateService requests | exit | audit result | applied | time |")
    print("|---|---|---|---|---|---|---|")
    for r in report["writes"]:
        print(f"| {r['fault']} | {'yes' if r['forward'] else 'no'} | {r['update_service_requests']} "
              f"| {r['exit']} | {r['audit']} | {'yes' if r['applied'] else 'no'} | {r['seconds']} s |")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--moto", required=True)
    p.add_argument("--proxy", required=True)
    p.add_argument("--ecsdash", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--only", default="keys,logs,writes", help="comma list of keys,logs,writes")
    p.add_argument("--faults", default=",".join(n for n, _ in FAULTS),
                   help="comma list of fault names (default: all)")
    p.add_argument("--presses", type=int, default=20)
    p.add_argument("--marker-wait", type=float, default=40.0)
    p.add_argument("--recovery-wait", type=float, default=30.0)
    p.add_argument("--fault-s", type=float, default=8.0)
    p.add_argument("--logs-warmup", type=float, default=3.0)
    p.add_argument("--logs-after", type=float, default=12.0)
    p.add_argument("--grace", type=float, default=8.0)
    args = p.parse_args()
    only = set(args.only.split(","))
    chosen = [(i, n, f) for i, (n, f) in enumerate(FAULTS) if n in args.faults.split(",")]

    proxy = Proxy(args.proxy)
    home = tempfile.mkdtemp(prefix="ecsdash-faults-")
    with open(os.path.join(home, "aws-config"), "w") as f:
        f.write(f"[default]\nregion = {REGION}\n")
    tag = str(int(time.time()))
    cluster, group, stream, td = seed(args.moto, tag)
    print(f"seeded cluster {cluster}, log group {group}; state in {home}", flush=True)
    report = {"cluster": cluster, "presses": args.presses, "recovery_wait": args.recovery_wait,
              "fault_s": args.fault_s, "keys": [], "logs": [], "writes": []}
    for idx, name, fault in chosen:
        if "keys" in only:
            r = measure_keys(args, proxy, cluster, name, fault, home)
            print(f"keys {name}: {json.dumps(r)}", flush=True)
            report["keys"].append(r)
        if "logs" in only:
            # A cluster and log group of its own per fault: the same history each time.
            l_cluster, l_group, l_stream, _ = seed(args.moto, f"logs{idx}-{tag}")
            r = measure_logs(args, proxy, l_cluster, l_group, l_stream, idx, name, fault, home)
            print(f"logs {name}: {json.dumps(r)}", flush=True)
            report["logs"].append(r)
        if "writes" in only:
            for forward in (False, True):
                r = measure_writes(args, proxy, cluster, td, name, fault, forward, home, idx)
                print(f"writes {name} forward={forward}: {json.dumps(r)}", flush=True)
                report["writes"].append(r)
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print_tables(report)
    print(f"\nReport: {args.out}")


if __name__ == "__main__":
    main()
