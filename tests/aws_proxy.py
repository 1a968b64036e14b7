#!/usr/bin/env python3
"""An HTTP proxy in front of moto that answers the way AWS does where moto does not.

moto returns every ECS list in one page and accepts describes of any size, so a client
that stops at the first page or sends oversize batches would pass against it. This proxy:

- pages ListClusters, ListServices, ListTasks, ListContainerInstances,
  ListTaskDefinitionFamilies and ListTaskDefinitions itself (at most min(maxResults, 100)
  items per page, 10 by default for ListServices as in ECS, with an opaque nextToken), and
  sorts ListTaskDefinitions by revision when asked to (`sort`), which moto ignores;
- refuses DescribeClusters/Tasks/ContainerInstances of more than 100 items and
  DescribeServices of more than 10, with HTTP 400 InvalidParameterException;
- counts requests per target, region, cluster and log group (GET /_proxy/stats,
  optionally filtered with ?target=&region=&cluster=&group=; POST /_proxy/reset-stats);
- records the body of every API request it receives (GET /_proxy/requests, optionally
  filtered with ?target=&region=&match=, where `match` is a substring of the body): a list
  of {"target", "region", "body"}, the body parsed when it is JSON; the newest 20,000 are
  kept;
- injects faults (POST /_proxy/inject with {"target", "status", "type", "message",
  "count", "delay_ms", "match", "forward"}): the next `count` requests for `target` whose
  body contains `match` wait `delay_ms`, then fail with `status`/`type` if a status is
  given; with `"forward": true` the request first reaches moto and only its answer is
  replaced by the failure (a lost answer: the change happened, the client hears an error).

Everything else passes through untouched. Standard library only.

    python3 tests/aws_proxy.py --port 4567 --upstream http://127.0.0.1:5000
"""

import argparse
import base64
import http.client
import json
import re
import sys
import threading
import time
import urllib.parse
import uuid
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
# List target -> (item key in the answer, default page size when maxResults is absent).
LISTS = {
    "ListClusters": ("clusterArns", 100),
    "ListServices": ("serviceArns", 10),
    "ListTasks": ("taskArns", 100),
    "ListContainerInstances": ("containerInstanceArns", 100),
    "ListTaskDefinitionFamilies": ("families", 100),
    "ListTaskDefinitions": ("taskDefinitionArns", 100),
}
# How many request bodies /_proxy/requests keeps.
RECORDED = 20000
# Describe target -> (item key in the request, most items per call).
DESCRIBES = {
    "DescribeClusters": ("clusters", 100),
    "DescribeServices": ("services", 10),
    "DescribeTasks": ("tasks", 100),
    "DescribeContainerInstances": ("containerInstances", 100),
}
HOP_BY_HOP = {
    "connection", "keep-alive", "proxy-connection", "transfer-encoding", "te",
    "trailer", "upgrade", "content-length", "host", "server", "date",
}
REGION_IN_AUTH = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/")


class State:
    """What all handler threads share, behind one lock."""

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.stats = Counter()  # (target, region, cluster, log group) -> requests
        self.faults = []
        self.requests = deque(maxlen=RECORDED)  # (target, region, body text)

    def count(self, target, region, cluster, group=""):
        with self.lock:
            self.stats[(target, region, cluster, group)] += 1

    def record(self, target, region, text):
        with self.lock:
            self.requests.append((target, region, text))

    def take_fault(self, target, body):
        with self.lock:
            for fault in self.faults:
                if fault["target"] == target and fault.get("match", "") in body:
                    fault["count"] -= 1
                    if fault["count"] <= 0:
                        self.faults.remove(fault)
                    return dict(fault)
        return None


def short_target(target):
    return target.rsplit(".", 1)[-1] if target else ""


def task_definition_order(arn):
    """ECS's order of task definition ARNs: by family name, then by revision number."""
    name = str(arn).rsplit("/", 1)[-1]
    family, _, revision = name.rpartition(":")
    return (family, int(revision) if revision.isdigit() else 0)


def encode_token(offset):
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def decode_token(token):
    offset = json.loads(base64.urlsafe_b64decode(token.encode()))["offset"]
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("bad offset")
    return offset


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    state = None  # set by main()

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    # -- plumbing ------------------------------------------------------------------------

    def read_body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def reply(self, status, body, headers=()):
        try:
            self.send_response(status)
            for name, value in headers:
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout fired): nothing left to tell it

    def reply_json(self, status, value):
        self.reply(status, json.dumps(value).encode(), [("Content-Type", "application/json")])

    def aws_error(self, status, error_type, message):
        body = json.dumps({"__type": error_type, "message": message}).encode()
        self.reply(status, body, [
            ("Content-Type", "application/x-amz-json-1.1"),
            ("x-amzn-ErrorType", error_type),
            ("x-amzn-RequestId", str(uuid.uuid4())),
        ])

    def forward(self, body):
        """Sends the request to moto; returns (status, headers, body)."""
        up = self.state.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        headers["Content-Length"] = str(len(body))
        headers["Host"] = up.netloc
        try:
            conn.request(self.command, self.path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def pass_through(self, body):
        status, headers, data = self.forward(body)
        self.reply(status, data, [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP])

    # -- verbs ---------------------------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_proxy/stats":
            query = dict(urllib.parse.parse_qsl(url.query))
            totals = Counter()
            with self.state.lock:
                for (target, region, cluster, group), n in self.state.stats.items():
                    if all(query.get(k, v) == v for k, v in
                           (("target", target), ("region", region), ("cluster", cluster),
                            ("group", group))):
                        totals[target] += n
            return self.reply_json(200, dict(totals))
        if url.path == "/_proxy/requests":
            query = dict(urllib.parse.parse_qsl(url.query))
            with self.state.lock:
                recorded = list(self.state.requests)
            found = []
            for target, region, text in recorded:
                if query.get("target", target) != target or query.get("region", region) != region:
                    continue
                if query.get("match", "") not in text:
                    continue
                try:
                    body = json.loads(text) if text else None
                except ValueError:
                    body = text
                found.append({"target": target, "region": region, "body": body})
            return self.reply_json(200, found)
        self.pass_through(self.read_body())

    def do_POST(self):
        body = self.read_body()
        if self.path == "/_proxy/reset-stats":
            with self.state.lock:
                self.state.stats.clear()
            return self.reply_json(200, {})
        if self.path == "/_proxy/inject":
            fault = json.loads(body)
            fault["target"] = short_target(fault["target"])
            fault.setdefault("count", 1)
            with self.state.lock:
                self.state.faults.append(fault)
            return self.reply_json(200, {})
        self.handle_api(body)

    def do_PUT(self):
        self.pass_through(self.read_body())

    def do_DELETE(self):
        self.pass_through(self.read_body())

    def do_HEAD(self):
        self.pass_through(self.read_body())

    # -- AWS behaviour -------------------------------------------------------------------

    def handle_api(self, body):
        target = short_target(self.headers.get("X-Amz-Target", ""))
        if not target:
            return self.pass_through(body)  # query protocols (EC2) and the moto API
        text = body.decode("utf-8", "replace")
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = {}
        auth = REGION_IN_AUTH.search(self.headers.get("Authorization", ""))
        cluster = str(request.get("cluster", "")).rsplit("/", 1)[-1]
        group = str(request.get("logGroupName") or request.get("logGroupIdentifier") or "")
        if not group and request.get("logGroupIdentifiers"):  # StartLiveTail: ARNs
            group = str(request["logGroupIdentifiers"][0]).split(":log-group:", 1)[-1]
        region = auth.group(1) if auth else ""
        self.state.count(target, region, cluster, group)
        self.state.record(target, region, text)

        fault = self.state.take_fault(target, text)
        if fault:
            time.sleep(fault.get("delay_ms", 0) / 1000)
            if fault.get("status"):
                if fault.get("forward"):
                    self.forward(body)
                return self.aws_error(fault["status"], fault.get("type", "InternalFailure"),
                                      fault.get("message", "injected by aws_proxy"))

        is_ecs = self.headers.get("X-Amz-Target", "").startswith(ECS_PREFIX)
        if is_ecs and target in DESCRIBES:
            key, most = DESCRIBES[target]
            asked = len(request.get(key) or [])
            if asked > most:
                return self.aws_error(400, "InvalidParameterException",
                                      f"{key} can have at most {most} items (got {asked}).")
        if is_ecs and target in LISTS:
            return self.list_page(target, request, *LISTS[target])
        self.pass_through(body)

    def list_page(self, target, request, key, default_size):
        token = request.pop("nextToken", None)
        size = request.pop("maxResults", None)
        if size is not None and not (isinstance(size, int) and 1 <= size <= 100):
            return self.aws_error(400, "InvalidParameterException",
                                  "maxResults must be between 1 and 100.")
        try:
            offset = decode_token(token) if token else 0
        except (ValueError, KeyError, TypeError):
            return self.aws_error(400, "InvalidParameterException", "Invalid nextToken.")
        status, headers, data = self.forward(json.dumps(request).encode())
        if status != 200:
            return self.reply(status, data,
                              [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP])
        answer = json.loads(data)
        items = answer.get(key) or []
        if target == "ListTaskDefinitions" and request.get("sort") in ("ASC", "DESC"):
            items = sorted(items, key=task_definition_order, reverse=request["sort"] == "DESC")
        end = offset + (size or default_size)
        answer[key] = items[offset:end]
        answer.pop("nextToken", None)
        if end < len(items):
            answer["nextToken"] = encode_token(end)
        keep = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        self.reply(200, json.dumps(answer).encode(), keep)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="moto's URL")
    args = parser.parse_args()
    Handler.state = State(args.upstream)
    server = ThreadingHTTPServer((args.host, args.port), Handler)
    server.daemon_threads = True
    print(f"aws_proxy on http://{args.host}:{args.port} -> {args.upstream}", file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
