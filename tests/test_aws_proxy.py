"""Tests of tests/aws_proxy.py itself: fault injection, the Live Tail stand-in, the
emulation of ECS and CloudWatch rate limits and latency with its request timeline, the ECS
Exec and Session Manager stand-in (tests/proxy_exec.py), and the translation of
CloudWatch's rpc-v2-cbor protocol to moto's JSON protocol (tests/proxy_cloudwatch.py).

No moto: a small fake upstream stands in for it. The standard library, and cbor2 for the
CloudWatch tests (skipped without it, but failed when CI=true); run with the python of
.venv, where scripts/test.sh installs it:

    .venv/bin/python -m unittest tests/test_aws_proxy.py -v
"""

import http.client
import base64
import gzip
import json
import os
import re
import socket
import struct
import sys
import threading
import time
import unittest
import urllib.parse
import uuid
import zlib
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_proxy  # noqa: E402
import proxy_cloudwatch  # noqa: E402

try:
    import cbor2
except ImportError:
    cbor2 = None

LOGS = "Logs_20140328."
ECS = "AmazonEC2ContainerServiceV20141113."
ACCOUNT = "123456789012"


def auth(region="us-east-1", service="logs"):
    return (f"AWS4-HMAC-SHA256 Credential=testing/20260101/{region}/{service}/aws4_request, "
            "SignedHeaders=host, Signature=x")


def arn(group, region="eu-west-1"):
    return f"arn:aws:logs:{region}:{ACCOUNT}:log-group:{group}"


def now_ms():
    return int(time.time() * 1000)


class FakeUpstream:
    """Answers what the proxy asks of moto: FilterLogEvents from `events` (two per page),
    XML for query-protocol Actions (`xml[Action]` = (status, body) when set, else
    <Reached/>), CloudWatch's JSON protocol as moto answers it (`cloudwatch[operation]` =
    (status, JSON body, headers) when set, else 200 {}), a minimal ECS for RunTask, DescribeTasks and the services (see ecs()),
    {"reached": target} for any other JSON target."""

    PAGE = 2

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (target or Action, headers, parsed body)
        self.groups = set()
        self.events = []  # {"group", "logStreamName", "timestamp", "message", "eventId"}
        self.task_arns = []  # what ListTasks answers, all at once as moto does
        self.tasks = {}  # task ARN -> task, as moto's DescribeTasks gives it
        self.xml = {}  # query Action -> (status, XML body) it is answered
        self.cloudwatch = {}  # CloudWatch operation -> (status, JSON body, headers)
        upstream = self

        class H(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                data = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                target = self.headers.get("X-Amz-Target", "")
                if target:
                    body = json.loads(data or b"{}")
                else:
                    body = dict(urllib.parse.parse_qsl(data.decode("utf-8", "replace")))
                    target = body.get("Action", "")
                with upstream.lock:
                    upstream.requests.append((target, dict(self.headers), body))
                if target == LOGS + "FilterLogEvents":
                    return self.filter_log_events(body)
                if target.startswith(ECS) and target[len(ECS):] in FakeUpstream.ECS_FAKED:
                    region = self.headers.get("Authorization", "").split("/")[2]
                    status, answer = upstream.ecs(target[len(ECS):], body, region)
                    return self.send(status, json.dumps(answer).encode(),
                                     "application/x-amz-json-1.1")
                if target == ECS + "ListTasks":
                    with upstream.lock:
                        arns = list(upstream.task_arns)
                    return self.send(200, json.dumps({"taskArns": arns}).encode(),
                                     "application/x-amz-json-1.1")
                if target.startswith(CW_TARGET):
                    with upstream.lock:
                        status, answer, extra = upstream.cloudwatch.get(
                            target[len(CW_TARGET):], (200, b"{}", {}))
                    # moto's Content-Type for CloudWatch's JSON protocol is "text".
                    return self.send(status, answer, "text", extra)
                if not self.headers.get("X-Amz-Target"):
                    with upstream.lock:
                        status, xml = upstream.xml.get(target, (200, b"<Reached/>"))
                    return self.send(status, xml, "text/xml")
                self.send(200, json.dumps({"reached": target}).encode(),
                          "application/x-amz-json-1.1")

            def filter_log_events(self, body):
                with upstream.lock:
                    if body["logGroupName"] not in upstream.groups:
                        return self.send(400, json.dumps({
                            "__type": "ResourceNotFoundException",
                            "message": "The specified log group does not exist."}).encode(),
                            "application/x-amz-json-1.1")
                    found = [
                        {k: e[k] for k in ("logStreamName", "timestamp", "message",
                                           "eventId")} | {"ingestionTime": e["timestamp"] + 1}
                        for e in upstream.events
                        if e["group"] == body["logGroupName"]
                        and e["timestamp"] >= body.get("startTime", 0)
                        and (not body.get("logStreamNames")
                             or e["logStreamName"] in body["logStreamNames"])]
                offset = int(body.get("nextToken") or 0)
                size = body.get("limit") or upstream.PAGE
                answer = {"events": found[offset:offset + size], "searchedLogStreams": []}
                if offset + size < len(found):
                    answer["nextToken"] = str(offset + size)
                self.send(200, json.dumps(answer).encode(), "application/x-amz-json-1.1")

            def send(self, status, data, content_type, extra=None):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                for name, value in (extra or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def put(self, group, stream, message, timestamp=None):
        with self.lock:
            self.events.append({"group": group, "logStreamName": stream, "message": message,
                                "timestamp": now_ms() if timestamp is None else timestamp,
                                "eventId": str(len(self.events) + 1)})

    ECS_FAKED = {"RunTask", "DescribeTasks", "CreateService", "UpdateService",
                 "DescribeServices"}

    def make_task(self, region, cluster, group, status="RUNNING"):
        """A task as moto makes it: containers "app" and "sidecar", no runtimeId, no
        managedAgents, no enableExecuteCommand."""
        task_id, prefix = uuid.uuid4().hex, f"arn:aws:ecs:{region}:{ACCOUNT}"
        arn = f"{prefix}:task/{cluster}/{task_id}"
        task = {"taskArn": arn, "clusterArn": f"{prefix}:cluster/{cluster}",
                "lastStatus": status, "group": group,
                "containers": [{"name": name, "lastStatus": status, "containerArn":
                                f"{prefix}:container/{cluster}/{task_id}/{name}"}
                               for name in ("app", "sidecar")]}
        with self.lock:
            self.tasks[arn] = task
        return task

    def ecs(self, op, body, region):
        """(status, answer) of a minimal ECS; cluster "missing" does not exist."""
        cluster = (body.get("cluster") or "default").rsplit("/", 1)[-1]
        cluster_arn = f"arn:aws:ecs:{region}:{ACCOUNT}:cluster/{cluster}"
        if cluster == "missing":
            return 400, {"__type": "ClusterNotFoundException", "message": "Cluster not found."}
        if op == "RunTask":
            tasks = [self.make_task(region, cluster, body.get("group", "family:app"))
                     for _ in range(body.get("count", 1))]
            return 200, {"tasks": tasks, "failures": []}
        if op == "DescribeTasks":
            wanted = {t.rsplit("/", 1)[-1] for t in body.get("tasks") or []}
            with self.lock:
                return 200, {"tasks": [t for arn, t in self.tasks.items()
                                       if t["clusterArn"] == cluster_arn
                                       and arn.rsplit("/", 1)[-1] in wanted],
                             "failures": []}
        if op == "DescribeServices":
            return 200, {"services": [{"serviceName": name.rsplit("/", 1)[-1],
                                       "clusterArn": cluster_arn}
                                      for name in body.get("services") or []]}
        name = str(body.get("serviceName") or body.get("service") or "").rsplit("/", 1)[-1]
        return 200, {"service": {"serviceName": name, "clusterArn": cluster_arn}}

    def reached(self, target):
        with self.lock:
            return [body for t, _, body in self.requests if t.endswith(target)]

    def reached_headers(self, target):
        with self.lock:
            return [headers for t, headers, _ in self.requests if t.endswith(target)]

    def reset(self):
        with self.lock:
            self.requests.clear()
            self.xml.clear()
            self.cloudwatch.clear()
            self.events.clear()
            self.groups.clear()
            self.tasks.clear()


def decode_frame(data):
    """(headers, payload) of one event-stream message, checking its lengths and CRCs."""
    total, headers_len = struct.unpack(">II", data[:8])
    assert total == len(data), f"total length {total} != {len(data)}"
    (prelude_crc,) = struct.unpack(">I", data[8:12])
    assert prelude_crc == zlib.crc32(data[:8]), "bad prelude CRC"
    (message_crc,) = struct.unpack(">I", data[-4:])
    assert message_crc == zlib.crc32(data[:-4]), "bad message CRC"
    raw, headers, i = data[12:12 + headers_len], {}, 0
    while i < len(raw):
        n = raw[i]
        name = raw[i + 1:i + 1 + n].decode()
        assert raw[i + 1 + n] == 7, "string header expected"
        (length,) = struct.unpack(">H", raw[i + 2 + n:i + 4 + n])
        headers[name] = raw[i + 4 + n:i + 4 + n + length].decode()
        i += 4 + n + length
    return headers, data[12 + headers_len:-4]


class Stream:
    """A raw HTTP/1.1 StartLiveTail exchange, read chunk by chunk (one frame each)."""

    def __init__(self, port, body, region="eu-west-1", timeout=5):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        data = json.dumps(body).encode()
        self.sock.sendall(
            b"POST / HTTP/1.1\r\nHost: streams.example\r\n"
            + f"X-Amz-Target: {LOGS}StartLiveTail\r\nAuthorization: {auth(region)}\r\n".encode()
            + b"Content-Type: application/x-amz-json-1.1\r\n"
            + f"Content-Length: {len(data)}\r\n\r\n".encode() + data)
        self.file = self.sock.makefile("rb")
        self.status = int(self.file.readline().split()[1])
        self.headers = {}
        while (line := self.file.readline().strip()):
            name, _, value = line.decode().partition(":")
            self.headers[name.strip().lower()] = value.strip()

    def body(self):
        return self.file.read(int(self.headers["content-length"]))

    def chunk(self):
        """The next chunk's bytes (b"" for the final chunk); EOFError when the connection
        closes before a whole chunk."""
        size_line = self.file.readline()
        if not size_line.endswith(b"\r\n"):
            raise EOFError("connection closed mid-stream")
        size = int(size_line, 16)
        data = self.file.read(size + 2)
        if len(data) != size + 2 or not data.endswith(b"\r\n"):
            raise EOFError("connection closed inside a chunk")
        return data[:-2]

    def frame(self):
        """(arrival time, headers, payload parsed when JSON) of the next frame, or None at
        the end of the body."""
        data = self.chunk()
        if not data:
            return None
        headers, payload = decode_frame(data)
        if headers.get(":content-type") == "application/json":
            payload = json.loads(payload)
        return time.monotonic(), headers, payload

    def close(self):
        self.file.close()
        self.sock.close()


class ProxyTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.upstream = FakeUpstream()
        cls.server = aws_proxy.make_server(cls.upstream.url)
        cls.server.RequestHandlerClass.log_message = lambda *args: None
        cls.port = cls.server.server_address[1]
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()

    @classmethod
    def tearDownClass(cls):
        cls.control("/_proxy/clear", {})
        cls.server.shutdown()
        cls.server.server_close()
        cls.upstream.server.shutdown()
        cls.upstream.server.server_close()

    def setUp(self):
        self.control("/_proxy/clear", {})
        self.control("/_proxy/reset-stats", {})
        self.control("/_proxy/livetail", {"mode": "moto"})
        self.control("/_proxy/livetail/clear", {})
        self.control("/_proxy/limits", {})
        self.upstream.reset()

    # -- helpers ---------------------------------------------------------------------

    @classmethod
    def control(cls, path, body=None, expect=200):
        conn = http.client.HTTPConnection("127.0.0.1", cls.port, timeout=5)
        try:
            if body is None:
                conn.request("GET", path)
            else:
                conn.request("POST", path, body=json.dumps(body),
                             headers={"Content-Type": "application/json"})
            resp = conn.getresponse()
            data = resp.read()
            assert resp.status == expect, (resp.status, data)
            return json.loads(data)
        finally:
            conn.close()

    def inject(self, **fault):
        return self.control("/_proxy/inject", fault)

    def api(self, target, body=None, timeout=5, region="us-east-1"):
        """(status, headers, body bytes) of one JSON API call through the proxy."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", "/", body=json.dumps(body or {}), headers={
                "X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1",
                "Authorization": auth(region)})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def query(self, action):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", "/", body=f"Action={action}&Version=2016-11-15",
                         headers={"Content-Type": "application/x-www-form-urlencoded",
                                  "Authorization": auth(service="ec2")})
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def start_tail(self, body, **config):
        self.control("/_proxy/livetail", dict(mode="standin", **config))
        stream = Stream(self.port, body)
        self.addCleanup(stream.close)
        return stream

    def session(self, group):
        sessions = self.control("/_proxy/livetail/sessions?group=" + group)
        self.assertEqual(len(sessions), 1, sessions)
        return sessions[0]

    def wait_ended(self, group, timeout=2):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            session = self.session(group)
            if session["ended"]:
                return session
            time.sleep(0.02)
        self.fail(f"session of {group} did not end")


class FaultTest(ProxyTest):
    def test_error_answers_aws_json_then_count_1_is_spent(self):
        self.assertIn("id", self.inject(target=ECS + "ListClusters", status=503,
                                        type="ServiceUnavailableException", message="down"))
        status, headers, body = self.api(ECS + "ListClusters")
        self.assertEqual(status, 503)
        self.assertEqual(json.loads(body),
                         {"__type": "ServiceUnavailableException", "message": "down"})
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.1")
        self.assertEqual(headers["x-amzn-ErrorType"], "ServiceUnavailableException")
        self.assertTrue(headers["x-amzn-RequestId"])
        self.assertEqual(self.upstream.reached("ListClusters"), [])
        status, _, _ = self.api(ECS + "ListClusters")
        self.assertEqual(status, 200)
        self.assertEqual(len(self.upstream.reached("ListClusters")), 1)
        self.assertEqual(self.control("/_proxy/faults"), [])

    def test_throttle(self):
        self.inject(target="DescribeLogGroups", kind="throttle")
        status, headers, body = self.api(LOGS + "DescribeLogGroups")
        self.assertEqual((status, json.loads(body)),
                         (400, {"__type": "ThrottlingException", "message": "Rate exceeded"}))
        self.assertEqual(headers["x-amzn-ErrorType"], "ThrottlingException")

    def test_count_n_then_passes(self):
        self.inject(target="ListServices", kind="throttle", count=2)
        statuses = [self.api(ECS + "ListServices")[0] for _ in range(3)]
        self.assertEqual(statuses, [400, 400, 200])

    def test_count_minus_one_and_null_last_until_cleared(self):
        self.inject(target="ListTasks", kind="throttle", count=-1)
        self.inject(target="ListServices", kind="throttle", count=None)
        for _ in range(4):
            self.assertEqual(self.api(ECS + "ListTasks")[0], 400)
            self.assertEqual(self.api(ECS + "ListServices")[0], 400)
        faults = self.control("/_proxy/faults")
        self.assertEqual(sorted(f["target"] for f in faults), ["ListServices", "ListTasks"])
        self.assertTrue(all(f["count"] == -1 and f["kind"] == "throttle" for f in faults))
        self.control("/_proxy/clear", {"target": ECS + "ListTasks"})
        self.assertEqual(self.api(ECS + "ListTasks")[0], 200)
        self.assertEqual(self.api(ECS + "ListServices")[0], 400)
        self.control("/_proxy/clear", {})
        self.assertEqual(self.api(ECS + "ListServices")[0], 200)
        self.assertEqual(self.control("/_proxy/faults"), [])

    def test_clear_by_match_leaves_other_tests_faults(self):
        self.inject(target="DescribeServices", kind="throttle", match="mine", count=-1)
        self.inject(target="DescribeServices", kind="throttle", match="theirs", count=-1)
        self.control("/_proxy/clear", {"target": "DescribeServices", "match": "mine"})
        self.assertEqual(self.api(ECS + "DescribeServices", {"cluster": "mine"})[0], 200)
        self.assertEqual(self.api(ECS + "DescribeServices", {"cluster": "theirs"})[0], 400)

    def test_match_limits_the_fault(self):
        self.inject(target="DescribeServices", kind="throttle", match="alpha", count=-1)
        self.assertEqual(self.api(ECS + "DescribeServices", {"cluster": "beta"})[0], 200)
        self.assertEqual(self.api(ECS + "DescribeServices", {"cluster": "alpha"})[0], 400)

    def test_delay_only_still_reaches_upstream(self):
        self.inject(target="DescribeClusters", delay_ms=300)
        started = time.monotonic()
        status, _, _ = self.api(ECS + "DescribeClusters")
        self.assertEqual(status, 200)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)
        self.assertEqual(len(self.upstream.reached("DescribeClusters")), 1)

    def test_hang_times_out_the_client_and_does_not_block_others(self):
        self.inject(target="DescribeTasks", kind="hang")
        started = time.monotonic()
        with self.assertRaises(socket.timeout):
            self.api(ECS + "DescribeTasks", timeout=0.4)
        self.assertLess(time.monotonic() - started, 2)
        self.assertEqual(self.api(ECS + "ListClusters")[0], 200)  # not blocked
        self.assertEqual(self.upstream.reached("DescribeTasks"), [])

    def test_clear_releases_a_hanging_request_without_an_answer(self):
        self.inject(target="DescribeTasks", kind="hang", count=-1)
        outcome = {}

        def call():
            try:
                outcome["answer"] = self.api(ECS + "DescribeTasks", timeout=10)
            except Exception as e:  # noqa: BLE001 -- what the client saw is the point
                outcome["error"] = e
            outcome["at"] = time.monotonic()

        thread = threading.Thread(target=call)
        thread.start()
        time.sleep(0.3)
        self.assertTrue(thread.is_alive(), "the hang answered too early")
        cleared = time.monotonic()
        self.control("/_proxy/clear", {"target": "DescribeTasks"})
        thread.join(3)
        self.assertFalse(thread.is_alive())
        self.assertIsInstance(outcome.get("error"), http.client.RemoteDisconnected, outcome)
        self.assertLess(outcome["at"] - cleared, 1)
        self.assertEqual(self.control("/_proxy/faults"), [])

    def test_hang_ms_ends_in_a_closed_connection(self):
        self.inject(target="DescribeTasks", kind="hang", hang_ms=300)
        started = time.monotonic()
        with self.assertRaises(http.client.RemoteDisconnected):
            self.api(ECS + "DescribeTasks", timeout=5)
        self.assertGreaterEqual(time.monotonic() - started, 0.3)

    def test_drop_closes_without_a_status_line(self):
        self.inject(target="ListClusters", kind="drop", count=2)
        with self.assertRaises(http.client.RemoteDisconnected):
            self.api(ECS + "ListClusters")
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: " + ECS.encode()
                         + b"ListClusters\r\nContent-Length: 2\r\n\r\n{}")
            self.assertEqual(sock.recv(100), b"")
        self.assertEqual(self.upstream.reached("ListClusters"), [])

    def test_garbage_is_200_and_not_json(self):
        self.inject(target="ListClusters", kind="garbage")
        status, headers, body = self.api(ECS + "ListClusters")
        self.assertEqual(status, 200)
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.1")
        self.assertEqual(body, aws_proxy.GARBAGE)
        with self.assertRaises(ValueError):
            json.loads(body)

    def test_forward_reaches_upstream_then_fails(self):
        self.inject(target="UpdateService", status=500, type="ServerException",
                    forward=True)
        self.inject(target="CreateService", kind="drop", forward=True)
        status, _, body = self.api(ECS + "UpdateService", {"service": "web"})
        self.assertEqual((status, json.loads(body)["__type"]), (500, "ServerException"))
        self.assertEqual(self.upstream.reached("UpdateService"), [{"service": "web"}])
        with self.assertRaises(http.client.RemoteDisconnected):
            self.api(ECS + "CreateService", {"service": "api"})
        self.assertEqual(self.upstream.reached("CreateService"), [{"service": "api"}])

    def test_star_faults_every_target_including_query_actions(self):
        self.inject(target="*", kind="throttle", count=-1)
        self.assertEqual(self.api(ECS + "ListClusters")[0], 400)
        self.assertEqual(self.api(LOGS + "FilterLogEvents")[0], 400)
        status, _, body = self.query("DescribeSubnets")
        self.assertEqual(status, 400)
        self.assertIn(b"<Code>ThrottlingException</Code>", body)
        self.assertEqual(self.upstream.requests, [])
        self.control("/_proxy/clear", {"target": "*"})
        self.assertEqual(self.api(ECS + "ListClusters")[0], 200)
        self.assertEqual(self.query("DescribeSubnets")[0], 200)

    def test_query_actions_are_recorded_with_their_form_body(self):
        self.query("DescribeSubnets")
        recorded = self.control("/_proxy/requests?target=DescribeSubnets&match=Version=")
        self.assertEqual(len(recorded), 1, recorded)
        self.assertEqual(recorded[0]["body"], "Action=DescribeSubnets&Version=2016-11-15")
        self.assertEqual(self.control("/_proxy/requests?target=DescribeSubnets&match=nope"), [])

    def test_faulted_counts_per_target_and_reset(self):
        self.inject(target="ListClusters", kind="throttle", count=2)
        self.inject(target="DescribeTasks", kind="garbage")
        for _ in range(3):
            self.api(ECS + "ListClusters")
        self.api(ECS + "DescribeTasks")
        self.api(ECS + "DescribeTasks")
        self.assertEqual(self.control("/_proxy/faulted"),
                         {"ListClusters": 2, "DescribeTasks": 1})
        self.assertEqual(self.control("/_proxy/stats"), {"ListClusters": 3, "DescribeTasks": 2})
        self.control("/_proxy/reset-stats", {})
        self.assertEqual(self.control("/_proxy/faulted"), {})
        self.assertEqual(self.control("/_proxy/stats"), {})

    def test_bad_fault_is_refused(self):
        self.control("/_proxy/inject", {"target": "ListClusters", "kind": "explode"},
                     expect=400)
        self.assertEqual(self.control("/_proxy/faults"), [])


class LiveTailTest(ProxyTest):
    def test_moto_mode_passes_through(self):
        status, _, body = self.api(LOGS + "StartLiveTail", {"logGroupIdentifiers": [arn("m")]})
        self.assertEqual((status, json.loads(body)), (200, {"reached": LOGS + "StartLiveTail"}))

    def test_frames_session_start_updates_and_new_events_once(self):
        group = "app-frames"
        self.upstream.groups.add(group)
        self.upstream.put(group, "web/1", "before the session", now_ms() - 60000)
        ident = arn(group) + ":*"
        stream = self.start_tail({"logGroupIdentifiers": [ident]}, update_ms=100)
        self.assertEqual(stream.status, 200)
        self.assertEqual(stream.headers["content-type"], "application/vnd.amazon.eventstream")
        self.assertEqual(stream.headers["transfer-encoding"], "chunked")
        self.assertNotIn("content-length", stream.headers)

        _, headers, payload = stream.frame()
        self.assertEqual(headers, {":message-type": "event", ":event-type": "initial-response"})
        self.assertEqual(payload, b"")
        _, headers, start = stream.frame()
        self.assertEqual(headers, {":message-type": "event", ":event-type": "sessionStart",
                                   ":content-type": "application/json"})
        self.assertEqual(start["logGroupIdentifiers"], [ident])
        self.assertTrue(start["requestId"] and start["sessionId"])
        self.assertEqual(stream.headers["x-amzn-requestid"], start["requestId"])

        for i in range(5):  # more than a page of FilterLogEvents
            self.upstream.put(group, f"web/{i % 2}", f"line {i}")
        times, results = [], []
        for _ in range(6):
            at, headers, update = stream.frame()
            self.assertEqual(headers[":event-type"], "sessionUpdate")
            self.assertEqual(update["sessionMetadata"], {"sampled": False})
            times.append(at)
            results += update["sessionResults"]
            if len(times) == 3:
                self.upstream.put(group, "web/9", "later")
        self.assertEqual([r["message"] for r in results],
                         [f"line {i}" for i in range(5)] + ["later"])
        first = results[0]
        self.assertEqual(set(first), {"logStreamName", "logGroupIdentifier", "message",
                                      "timestamp", "ingestionTime"})
        self.assertEqual((first["logGroupIdentifier"], first["logStreamName"]), (ident, "web/0"))
        self.assertEqual(first["ingestionTime"], first["timestamp"] + 1)
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertTrue(all(0.05 < g < 0.25 for g in gaps), gaps)
        self.assertAlmostEqual(sum(gaps) / len(gaps), 0.1, delta=0.03)

        asked = self.upstream.reached("FilterLogEvents")
        self.assertTrue(all(a["logGroupName"] == group for a in asked))
        self.assertTrue(all(a["startTime"] >= now_ms() - 5000 for a in asked))
        self.assertTrue(any("nextToken" in a for a in asked), "pages were not followed")
        regions = {h["Authorization"].split("/")[2] for t, h, _ in self.upstream.requests}
        self.assertEqual(regions, {"eu-west-1"})
        session = self.session(group)
        self.assertEqual((session["events"], session["ended"]), (6, None))
        self.assertGreaterEqual(session["updates"], 6)
        self.assertEqual(self.control("/_proxy/stats"), {"StartLiveTail": 1})
        recorded = self.control("/_proxy/requests?target=StartLiveTail&match=app-frames")
        self.assertEqual(recorded[0]["body"], {"logGroupIdentifiers": [ident]})

    def test_stream_names_are_passed_and_prefixes_filtered(self):
        group = "app-prefix"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)],
                                  "logStreamNamePrefixes": ["web/"]}, update_ms=100)
        stream.frame(), stream.frame()
        self.upstream.put(group, "web/1", "kept")
        self.upstream.put(group, "worker/1", "filtered out")
        messages = [r["message"] for _ in range(3) for r in stream.frame()[2]["sessionResults"]]
        self.assertEqual(messages, ["kept"])

        named = "app-names"
        self.upstream.groups.add(named)
        stream = self.start_tail({"logGroupIdentifiers": [arn(named)],
                                  "logStreamNames": ["a", "b"]}, update_ms=100)
        stream.frame(), stream.frame(), stream.frame()
        asked = [a for a in self.upstream.reached("FilterLogEvents")
                 if a["logGroupName"] == named]
        self.assertTrue(asked and all(a["logStreamNames"] == ["a", "b"] for a in asked))

    def test_sample_max_samples_and_drops_the_rest(self):
        group = "app-sample"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]},
                                 update_ms=100, sample_max=3, initial_response=False)
        _, headers, _ = stream.frame()
        self.assertEqual(headers[":event-type"], "sessionStart")  # no initial-response
        for i in range(5):
            self.upstream.put(group, "s", f"burst {i}")
        updates = [stream.frame()[2] for _ in range(4)]
        sampled = [u for u in updates if u["sessionMetadata"]["sampled"]]
        self.assertEqual(len(sampled), 1)
        self.assertEqual([r["message"] for r in sampled[0]["sessionResults"]],
                         ["burst 0", "burst 1", "burst 2"])
        sent = [r["message"] for u in updates for r in u["sessionResults"]]
        self.assertEqual(sent, ["burst 0", "burst 1", "burst 2"])  # the rest never come
        self.assertEqual(self.session(group)["dropped"], 2)

    def test_end_after_ms_sends_session_timeout_and_ends(self):
        group = "app-end"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]},
                                 update_ms=100, end_after_ms=350)
        started = time.monotonic()
        frames = []
        while (frame := stream.frame()) is not None:
            frames.append(frame)
        self.assertAlmostEqual(time.monotonic() - started, 0.35, delta=0.15)
        kinds = [h.get(":event-type") or h[":exception-type"] for _, h, _ in frames]
        self.assertEqual(kinds, ["initial-response", "sessionStart"] + ["sessionUpdate"] * 3
                         + ["SessionTimeoutException"])
        _, headers, payload = frames[-1]
        self.assertEqual(headers, {":message-type": "exception",
                                   ":exception-type": "SessionTimeoutException",
                                   ":content-type": "application/json"})
        self.assertEqual(payload, {"message": "Session timed out"})
        self.assertEqual(self.wait_ended(group)["ended"], "SessionTimeoutException")

    def test_error_after_ms_sends_the_exception_and_ends(self):
        group = "app-error"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]}, update_ms=100,
                                 error_after_ms=150, error_type="ServiceUnavailableException",
                                 end_after_ms=5000)
        frames = []
        while (frame := stream.frame()) is not None:
            frames.append(frame)
        _, headers, payload = frames[-1]
        self.assertEqual(headers[":message-type"], "exception")
        self.assertEqual(headers[":exception-type"], "ServiceUnavailableException")
        self.assertEqual(payload["__type"], "ServiceUnavailableException")
        self.assertIn("message", payload)
        self.assertEqual(len(frames), 4)  # initial-response, start, one update, the error
        self.assertEqual(self.wait_ended(group)["ended"], "error: ServiceUnavailableException")

    def test_drop_after_ms_closes_mid_stream(self):
        group = "app-drop"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]},
                                 update_ms=100, drop_after_ms=250)
        with self.assertRaises(EOFError):
            for _ in range(20):
                self.assertIsNotNone(stream.frame())  # never a proper end
        self.assertEqual(self.wait_ended(group)["ended"], "dropped")

    def test_refuse_answers_an_aws_error(self):
        group = "app-refuse"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]},
                                 refuse="LimitExceededException")
        self.assertEqual(stream.status, 400)
        self.assertEqual(stream.headers["x-amzn-errortype"], "LimitExceededException")
        self.assertEqual(json.loads(stream.body())["__type"], "LimitExceededException")
        self.assertEqual(self.session(group)["ended"], "refused: LimitExceededException")
        self.assertEqual(self.control("/_proxy/stats"), {"StartLiveTail": 1})

    def test_missing_group_fails_like_aws(self):
        stream = self.start_tail({"logGroupIdentifiers": [arn("app-missing")]})
        self.assertEqual(stream.status, 400)
        self.assertEqual(json.loads(stream.body())["__type"], "ResourceNotFoundException")

    def test_client_closing_ends_the_session(self):
        group = "app-close"
        self.upstream.groups.add(group)
        stream = self.start_tail({"logGroupIdentifiers": [arn(group)]}, update_ms=50)
        stream.frame(), stream.frame()
        stream.sock.shutdown(socket.SHUT_RDWR)
        stream.close()
        self.assertEqual(self.wait_ended(group)["ended"], "client closed")

    def test_faults_apply_to_start_live_tail(self):
        self.inject(target=LOGS + "StartLiveTail", kind="throttle")
        stream = self.start_tail({"logGroupIdentifiers": [arn("app-faulted")]})
        self.assertEqual(stream.status, 400)
        self.assertEqual(json.loads(stream.body())["__type"], "ThrottlingException")
        self.assertEqual(self.control("/_proxy/livetail/sessions?group=app-faulted"), [])


class ScopedLiveTailTest(ProxyTest):
    """Live Tail configs scoped to log groups, so parallel tests do not meet each other's."""

    def kind_of(self, group):
        """What a StartLiveTail call on `group` gets: "moto" (passed on), "stream" (the
        stand-in's event stream) or the error type of a refusal."""
        self.upstream.groups.add(group)
        stream = Stream(self.port, {"logGroupIdentifiers": [arn(group)]})
        self.addCleanup(stream.close)
        if stream.status != 200:
            return json.loads(stream.body())["__type"]
        if stream.headers.get("content-type") != "application/vnd.amazon.eventstream":
            self.assertEqual(json.loads(stream.body()), {"reached": LOGS + "StartLiveTail"})
            return "moto"
        stream.frame(), stream.frame()  # initial-response, sessionStart
        return "stream"

    def test_scoped_configs_apply_to_their_groups_first_match_wins(self):
        first = self.control("/_proxy/livetail", {"mode": "standin", "match": "-a-",
                                                  "update_ms": 100})
        self.assertEqual((first["match"], first["mode"], first["sample_max"]),
                         ("-a-", "standin", 500))
        self.control("/_proxy/livetail", {"mode": "standin", "match": "refused",
                                          "refuse": "LimitExceededException"})
        self.assertEqual(self.kind_of("g-plain"), "moto", "the global config")
        self.assertEqual(self.kind_of("g-refused"), "LimitExceededException")
        self.assertEqual(self.kind_of("g-a-refused"), "stream", "the first match wins")
        self.assertEqual(self.session("g-a-refused")["match"], "-a-")
        self.assertEqual(self.session("g-refused")["match"], "refused")

        # The global config changes only what no scoped config matches.
        self.control("/_proxy/livetail", {"mode": "standin", "refuse": "AccessDeniedException"})
        self.assertEqual(self.kind_of("g-plain2"), "AccessDeniedException")
        self.assertIsNone(self.session("g-plain2")["match"])
        self.assertEqual(self.kind_of("g-a-2"), "stream")
        shown = self.control("/_proxy/livetail")
        self.assertEqual((shown["mode"], shown["refuse"]), ("standin", "AccessDeniedException"))
        self.assertEqual([c["match"] for c in shown["scoped"]], ["-a-", "refused"])
        self.assertEqual(self.control("/_proxy/livetail?group=x-a-refused")["match"], "-a-")
        self.assertNotIn("match", self.control("/_proxy/livetail?group=other"))

        # Posting the same match again replaces that config where it stands.
        self.control("/_proxy/livetail", {"mode": "standin", "match": "-a-",
                                          "refuse": "ThrottlingException"})
        self.assertEqual(self.kind_of("g-a-refused2"), "ThrottlingException")
        self.assertEqual([c["match"] for c in self.control("/_proxy/livetail")["scoped"]],
                         ["-a-", "refused"])
        # A scoped moto config keeps its groups on moto whatever the global one says.
        self.control("/_proxy/livetail", {"mode": "moto", "match": "on-moto"})
        self.assertEqual(self.kind_of("g-on-moto"), "moto")

        self.control("/_proxy/livetail/clear", {"match": "-a-"})
        self.assertEqual(self.kind_of("g-a-refused3"), "LimitExceededException")
        self.control("/_proxy/livetail/clear", {})
        self.assertEqual(self.control("/_proxy/livetail")["scoped"], [])
        self.assertEqual(self.kind_of("g-a-refused4"), "AccessDeniedException")

    def test_a_scoped_session_runs_on_its_own_config(self):
        group = "app-scoped-end"
        self.upstream.groups.add(group)
        self.control("/_proxy/livetail", {"mode": "standin", "match": group,
                                          "update_ms": 100, "end_after_ms": 250})
        self.control("/_proxy/livetail", {"mode": "standin", "update_ms": 5000})
        stream = Stream(self.port, {"logGroupIdentifiers": [arn(group) + ":*"]})
        self.addCleanup(stream.close)
        frames = []
        while (frame := stream.frame()) is not None:
            frames.append(frame)
        kinds = [h.get(":event-type") or h[":exception-type"] for _, h, _ in frames]
        self.assertEqual(kinds, ["initial-response", "sessionStart"] + ["sessionUpdate"] * 2
                         + ["SessionTimeoutException"])
        self.assertEqual(self.wait_ended(group)["ended"], "SessionTimeoutException")

    def test_bad_scoped_configs_are_refused(self):
        self.control("/_proxy/livetail", {"mode": "standin", "match": ""}, expect=400)
        self.control("/_proxy/livetail", {"mode": "standin", "match": 7}, expect=400)
        self.control("/_proxy/livetail", {"mode": "later", "match": "x"}, expect=400)
        self.assertEqual(self.control("/_proxy/livetail")["scoped"], [])


class TokenBucketTest(unittest.TestCase):
    """The bucket arithmetic on a clock of our own: exact, whatever the machine's load."""

    def test_burst_then_the_sustained_rate(self):
        bucket = aws_proxy.TokenBucket(5, 2, now=10.0)
        self.assertEqual([bucket.take(10.0) for _ in range(6)], [True] * 5 + [False])
        self.assertFalse(bucket.take(10.4))  # 0.8 of a token
        self.assertTrue(bucket.take(10.5))  # 1.0: taken
        self.assertFalse(bucket.take(10.5))
        self.assertEqual([bucket.take(11.5) for _ in range(3)], [True, True, False])
        self.assertEqual([bucket.take(100.0) for _ in range(6)], [True] * 5 + [False],
                         "refills up to the burst, no further")

    def test_zero_rate_never_refills(self):
        bucket = aws_proxy.TokenBucket(1, 0, now=0.0)
        self.assertEqual([bucket.take(0.0), bucket.take(1000.0)], [True, False])


class RateLimitTest(ProxyTest):
    def throttled(self, answer):
        """Whether an answer is AWS's throttle; any other answer must be a plain 200."""
        status, headers, body = answer
        if status == 400:
            self.assertEqual(json.loads(body),
                             {"__type": "ThrottlingException", "message": "Rate exceeded"})
            self.assertEqual(headers["x-amzn-ErrorType"], "ThrottlingException")
            return True
        self.assertEqual(status, 200, body)
        return False

    def limit(self, **config):
        return self.control("/_proxy/limits", config)

    def test_off_by_default(self):
        shown = self.control("/_proxy/limits")
        self.assertEqual((shown["buckets"], shown["latency_ms"]), (False, 0))
        self.assertEqual(shown["rates"]["service_read"], [100, 20])
        self.assertEqual(shown["rates"]["task_definition_register"], [20, 1])
        self.assertEqual(set(shown["throttled"]), set(aws_proxy.RATE_LIMITS))
        for i in range(150):  # past the service_read burst of 100
            target = "DescribeServices" if i % 2 else "ListServices"
            self.assertFalse(self.throttled(self.api(ECS + target)))
        self.assertEqual(self.control("/_proxy/stats"),
                         {"DescribeServices": 75, "ListServices": 75})

    def test_burst_then_throttled_then_refilled(self):
        started = time.monotonic()
        shown = self.limit(buckets=True, rates={"service_read": [5, 2]})
        self.assertEqual(shown["rates"]["service_read"], [5, 2])
        self.assertEqual(shown["rates"]["cluster_read"], [50, 20])
        passed = 0
        for _ in range(50):  # until the first throttle
            if self.throttled(self.api(ECS + "DescribeServices", {"cluster": "c"})):
                break
            passed += 1
        else:
            self.fail("never throttled")
        # 5 at once, then 2 a second: the 6th is throttled unless the machine took 0.5 s.
        self.assertGreaterEqual(passed, 5)
        self.assertLessEqual(passed, 5 + (time.monotonic() - started) * 2)
        self.assertEqual(len(self.upstream.reached("DescribeServices")), passed,
                         "a throttled request does not reach moto")
        time.sleep(0.6)  # 1.2 tokens more
        self.assertFalse(self.throttled(self.api(ECS + "ListServices")))
        self.assertEqual(self.control("/_proxy/limits")["throttled"]["service_read"], 1)
        self.assertEqual(self.control("/_proxy/stats"),
                         {"DescribeServices": passed + 1, "ListServices": 1})

    def test_buckets_are_exact_under_concurrent_requests(self):
        self.limit(buckets=True, rates={"cluster_resource_read": [25, 0]})
        answers, lock = [], threading.Lock()

        def calls():
            for _ in range(10):
                answer = self.api(ECS + "DescribeTasks")
                with lock:
                    answers.append(answer[0])

        threads = [threading.Thread(target=calls) for _ in range(6)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        self.assertEqual((answers.count(200), answers.count(400)), (25, 35))
        self.assertEqual(self.control("/_proxy/limits")["throttled"]["cluster_resource_read"],
                         35)
        self.assertEqual(len(self.upstream.reached("DescribeTasks")), 25)

    def test_categories_regions_and_other_services_are_independent(self):
        self.limit(buckets=True, rates={"service_read": [2, 0]})
        answers = [self.throttled(self.api(ECS + "ListServices")) for _ in range(3)]
        self.assertEqual(answers, [False, False, True])
        self.assertTrue(self.throttled(self.api(ECS + "DescribeServices")))
        for target in ("ListTasks", "DescribeClusters", "DescribeTaskDefinition",
                       "ListTagsForResource"):  # the last is in no category
            self.assertFalse(self.throttled(self.api(ECS + target)), target)
        self.assertFalse(self.throttled(self.api(ECS + "ListServices", region="eu-west-1")))
        self.assertFalse(self.throttled(self.api(LOGS + "DescribeServices")), "not ECS")
        throttled = self.control("/_proxy/limits")["throttled"]
        self.assertEqual(throttled, dict({c: 0 for c in aws_proxy.RATE_LIMITS},
                                         service_read=2))

    def test_default_rates_apply_per_category(self):
        started = time.monotonic()
        self.limit(buckets=True)
        passed = 0
        while not self.throttled(self.api(ECS + "RegisterTaskDefinition")):
            passed += 1
            self.assertLess(passed, 100, "never throttled")
        # Burst 20, then 1 a second.
        self.assertGreaterEqual(passed, 20)
        self.assertLessEqual(passed, 20 + (time.monotonic() - started))
        self.assertFalse(self.throttled(self.api(ECS + "DescribeServices")))

    def test_latency_delays_every_answer_throttled_too(self):
        self.limit(latency_ms=150, buckets=True, rates={"cluster_read": [0, 0]})
        for call in (lambda: self.api(ECS + "ListServices"),
                     lambda: self.api(ECS + "ListClusters"),  # throttled
                     lambda: self.query("DescribeSubnets")):
            started = time.monotonic()
            status = call()[0]
            self.assertGreaterEqual(time.monotonic() - started, 0.15, status)
        self.assertEqual(self.control("/_proxy/limits")["throttled"]["cluster_read"], 1)

    def test_timeline_records_targets_times_and_throttles(self):
        self.limit(buckets=True, rates={"cluster_read": [1, 0]})
        first = self.control("/_proxy/timeline")
        self.assertEqual(first["requests"], [])
        self.api(ECS + "ListClusters", region="eu-west-1")
        self.api(ECS + "ListClusters", region="eu-west-1")  # throttled
        self.query("DescribeSubnets")
        middle = self.control("/_proxy/timeline")["now"]
        time.sleep(0.01)
        self.api(ECS + "ListTasks")
        timeline = self.control("/_proxy/timeline")
        requests = timeline["requests"]
        self.assertEqual([(r["target"], r["region"], r["throttled"]) for r in requests],
                         [("ListClusters", "eu-west-1", False),
                          ("ListClusters", "eu-west-1", True),
                          ("DescribeSubnets", "us-east-1", False),
                          ("ListTasks", "us-east-1", False)])
        times = [r["t"] for r in requests]
        self.assertEqual(times, sorted(times))
        self.assertTrue(first["now"] <= times[0] and times[-1] <= timeline["now"])
        self.assertTrue(times[2] <= middle < times[3])
        later = self.control(f"/_proxy/timeline?since={middle}")["requests"]
        self.assertEqual([r["target"] for r in later], ["ListTasks"])
        for target in ("ListClusters", ECS + "ListClusters"):
            found = self.control("/_proxy/timeline?target=" + target)["requests"]
            self.assertEqual([r["throttled"] for r in found], [False, True])
        self.control("/_proxy/timeline?since=soon", expect=400)

    def test_reset_stats_clears_the_timeline_and_refills(self):
        self.limit(buckets=True, rates={"service_read": [2, 0]})
        answers = [self.throttled(self.api(ECS + "ListServices")) for _ in range(3)]
        self.assertEqual(answers, [False, False, True])
        self.control("/_proxy/reset-stats", {})
        self.assertEqual(self.control("/_proxy/timeline")["requests"], [])
        self.assertEqual(self.control("/_proxy/limits")["throttled"]["service_read"], 0)
        answers = [self.throttled(self.api(ECS + "ListServices")) for _ in range(3)]
        self.assertEqual(answers, [False, False, True])
        self.assertEqual(len(self.control("/_proxy/timeline")["requests"]), 3)

    def test_turning_limits_off_ends_throttling(self):
        for off in ({}, {"buckets": False, "latency_ms": 0}):
            self.limit(buckets=True, latency_ms=1, rates={"service_read": [0, 0]})
            self.assertTrue(self.throttled(self.api(ECS + "ListServices")))
            shown = self.control("/_proxy/limits", off)
            self.assertEqual((shown["buckets"], shown["latency_ms"]), (False, 0))
            self.assertEqual(shown["rates"]["service_read"], [100, 20], "overrides go too")
            self.assertFalse(self.throttled(self.api(ECS + "ListServices")))
        # What GET shows may be posted back as it is.
        self.limit(buckets=True, rates={"run_stop": [3, 1]})
        shown = self.control("/_proxy/limits")
        self.assertEqual(self.control("/_proxy/limits", shown), shown)

    def test_bad_limits_are_refused(self):
        self.limit(buckets=True, rates={"service_read": [5, 2]})
        for bad in ({"buckets": "yes"}, {"latency_ms": -1}, {"latency_ms": "100"},
                    {"rates": {"describe": [1, 1]}}, {"rates": {"service_read": [1]}},
                    {"rates": {"service_read": [1, -1]}}, {"rates": []}, {"bucket": True}):
            self.control("/_proxy/limits", bad, expect=400)
        shown = self.control("/_proxy/limits")
        self.assertEqual((shown["buckets"], shown["rates"]["service_read"]), (True, [5, 2]))



class SnapshotTest(ProxyTest):
    def test_a_paging_sequence_reads_upstream_once_from_its_first_page(self):
        self.upstream.task_arns = [f"arn:task/{i:03d}" for i in range(250)]
        seen, token, pages = [], None, 0
        while True:
            body = {"cluster": "c", "maxResults": 100}
            if token:
                body["nextToken"] = token
            status, _, data = self.api(ECS + "ListTasks", body)
            self.assertEqual(status, 200)
            answer = json.loads(data)
            if pages == 0:
                # The list changes under the pages being read: they stay one snapshot.
                self.upstream.task_arns = ["arn:task/new"]
            seen.extend(answer["taskArns"])
            pages += 1
            token = answer.get("nextToken")
            if not token:
                break
        self.assertEqual(pages, 3)
        self.assertEqual(seen, [f"arn:task/{i:03d}" for i in range(250)])
        self.assertEqual(len(self.upstream.reached("ListTasks")), 1)
        # A new sequence reads upstream again.
        status, _, data = self.api(ECS + "ListTasks", {"cluster": "c"})
        self.assertEqual(json.loads(data)["taskArns"], ["arn:task/new"])
        self.assertEqual(len(self.upstream.reached("ListTasks")), 2)

    def test_a_token_of_an_unknown_snapshot_reads_upstream_again(self):
        self.upstream.task_arns = [f"arn:task/{i:03d}" for i in range(150)]
        token = base64.urlsafe_b64encode(
            json.dumps({"offset": 100, "snapshot": 999999}).encode()).decode()
        status, _, data = self.api(ECS + "ListTasks", {"cluster": "c", "nextToken": token})
        self.assertEqual(status, 200)
        self.assertEqual(len(json.loads(data)["taskArns"]), 50)
        status, _, _ = self.api(ECS + "ListTasks", {"cluster": "c", "nextToken": "%%%"})
        self.assertEqual(status, 400)


SSM = "AmazonSSM."
NOT_ENABLED = ("The execute command failed because execute command was not enabled when the "
               "task was run or the execute command agent isn't running. Wait and try again "
               "or run a new task with execute command enabled and try again.")
PORT_FORWARDING = {"AWS-StartPortForwardingSession": {"portNumber": ["80"],
                                                      "localPortNumber": ["8080"]},
                   "AWS-StartPortForwardingSessionToRemoteHost": {
                       "host": ["db.internal"], "portNumber": ["5432"],
                       "localPortNumber": ["15432"]},
                   "AWS-StartInteractiveCommand": {"command": ["/bin/sh"]}}


class ExecTest(ProxyTest):
    """ECS Exec and Session Manager: ExecuteCommand, StartSession, TerminateSession, and
    what moto's task and service answers gain."""

    def setUp(self):
        super().setUp()
        self.control("/_proxy/exec/clear", {})

    def call(self, target, body, expect=200):
        """The parsed answer of one API call, its status checked."""
        status, _, data = self.api(target, body)
        self.assertEqual(status, expect, data)
        return json.loads(data)

    def run_task(self, **body):
        return self.call(ECS + "RunTask", dict({"cluster": "c1"}, **body))["tasks"][0]

    def describe(self, task, cluster="c1"):
        answer = self.call(ECS + "DescribeTasks", {"cluster": cluster, "tasks": [task["taskArn"]]})
        self.assertEqual(len(answer["tasks"]), 1, answer)
        return answer["tasks"][0]

    def execute(self, of, expect=200, **body):
        request = dict({"cluster": "c1", "task": of["taskArn"], "container": "app",
                        "command": "/bin/sh", "interactive": True}, **body)
        return self.call(ECS + "ExecuteCommand", request, expect)

    def refused(self, target, body, error_type, message=None):
        answer = self.call(target, body, expect=400)
        self.assertEqual(answer["__type"], error_type, answer)
        if message is not None:
            self.assertEqual(answer["message"], message)

    def target_of(self, task, container="app"):
        described = self.describe(task)
        runtime = next(c["runtimeId"] for c in described["containers"]
                       if c["name"] == container)
        return f"ecs:c1_{aws_proxy.proxy_exec.name_of(task['taskArn'])}_{runtime}"

    def sessions(self, task=None):
        query = f"?task={task['taskArn']}" if task else ""
        return self.control("/_proxy/exec" + query)["sessions"]

    def test_execute_command_answers_as_aws_with_fresh_sessions(self):
        task = self.run_task(enableExecuteCommand=True)
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        first = self.execute(task)
        second = self.execute(task, task=task_id, command="ls -l")  # an id works too
        self.assertEqual(set(first), {"clusterArn", "containerArn", "containerName",
                                      "interactive", "session", "taskArn"})
        self.assertEqual((first["clusterArn"], first["taskArn"], first["containerName"],
                          first["interactive"]),
                         (task["clusterArn"], task["taskArn"], "app", True))
        self.assertEqual(first["containerArn"], task["containers"][0]["containerArn"])
        ids = [first["session"]["sessionId"], second["session"]["sessionId"]]
        self.assertNotEqual(ids[0], ids[1])
        for answer, session_id in zip((first, second), ids):
            self.assertRegex(session_id, r"^ecs-execute-command-[0-9a-f]+$")
            self.assertEqual(set(answer["session"]), {"sessionId", "streamUrl", "tokenValue"})
            self.assertTrue(answer["session"]["streamUrl"].startswith(
                f"wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/{session_id}"
                "?role=publish_subscribe&cell-number="), answer)
            self.assertTrue(answer["session"]["tokenValue"])
        self.assertEqual(self.upstream.reached("ExecuteCommand"), [])
        sessions = self.sessions(task)
        self.assertEqual([(s["kind"], s["sessionId"], s["task"], s["container"], s["command"])
                          for s in sessions],
                         [("ExecuteCommand", ids[0], task_id, "app", "/bin/sh"),
                          ("ExecuteCommand", ids[1], task_id, "app", "ls -l")])
        self.assertEqual(sessions[0]["cluster"], "c1")

    def test_unknown_task_container_or_cluster_is_refused(self):
        task = self.run_task(enableExecuteCommand=True)
        missing = dict(task, taskArn=task["taskArn"].rsplit("/", 1)[0] + "/" + "0" * 32)
        refuse = ECS + "ExecuteCommand"
        self.assertEqual(self.execute(missing, expect=400),
                         {"__type": "InvalidParameterException",
                          "message": "The specified task was not found."})
        body = {"cluster": "c1", "task": task["taskArn"], "command": "sh", "interactive": True}
        self.refused(refuse, body, "InvalidParameterException")  # two containers, none named
        self.refused(refuse, dict(body, container="ghost"), "InvalidParameterException")
        self.refused(refuse, dict(body, container="app", interactive=False),
                     "InvalidParameterException")
        self.refused(refuse, dict(body, container="app", cluster="missing"),
                     "ClusterNotFoundException")
        self.assertEqual(self.sessions(), [])

    def test_exec_disabled_or_agent_not_running_is_refused_with_awss_message(self):
        disabled = self.run_task()
        self.assertEqual(self.execute(disabled, expect=400),
                         {"__type": "InvalidParameterException", "message": NOT_ENABLED})
        agent_stopped = self.run_task(enableExecuteCommand=True)
        self.control("/_proxy/exec", {"task": agent_stopped["taskArn"], "agent": "STOPPED"})
        self.assertEqual(self.execute(agent_stopped, expect=400)["message"], NOT_ENABLED)
        stopped = self.run_task(enableExecuteCommand=True)
        self.upstream.tasks[stopped["taskArn"]]["lastStatus"] = "STOPPED"
        self.assertEqual(self.execute(stopped, expect=400)["message"], NOT_ENABLED)
        self.assertEqual(self.sessions(), [])
        # An override enables exec on the task that was run without it.
        self.control("/_proxy/exec", {"task": disabled["taskArn"],
                                      "enable_execute_command": True})
        self.assertIn("session", self.execute(disabled))

    def test_start_session_for_each_document(self):
        task = self.run_task(enableExecuteCommand=True)
        target = self.target_of(task)
        ids = set()
        for document, parameters in PORT_FORWARDING.items():
            answer = self.call(SSM + "StartSession", {
                "Target": target, "DocumentName": document, "Parameters": parameters,
                "Reason": "debug"})
            self.assertEqual(set(answer), {"SessionId", "StreamUrl", "TokenValue"})
            self.assertRegex(answer["SessionId"], r"^testing-[0-9a-f]+$")
            self.assertTrue(answer["StreamUrl"].startswith(
                "wss://ssmmessages.us-east-1.amazonaws.com/v1/data-channel/"
                + answer["SessionId"] + "?"), answer)
            self.assertTrue(answer["TokenValue"])
            ids.add(answer["SessionId"])
        self.assertEqual(len(ids), 3)
        self.assertEqual(self.upstream.reached("StartSession"), [])
        sessions = self.sessions(task)
        self.assertEqual([(s["kind"], s["target"], s["document"], s["parameters"],
                           s["container"], s["reason"]) for s in sessions],
                         [("StartSession", target, d, p, "app", "debug")
                          for d, p in PORT_FORWARDING.items()])
        # TerminateSession answers the id and marks the session.
        one = sessions[0]["sessionId"]
        self.assertEqual(self.call(SSM + "TerminateSession", {"SessionId": one}),
                         {"SessionId": one})
        self.assertEqual([s["terminated"] for s in self.sessions(task)], [True, False, False])

    def test_start_session_refuses_bad_documents_targets_and_unconnected_ones(self):
        task = self.run_task(enableExecuteCommand=True)
        target = self.target_of(task)
        forward = "AWS-StartPortForwardingSession"
        self.refused(SSM + "StartSession", {"Target": target, "DocumentName": "AWS-RunShell"},
                     "InvalidDocument")
        self.refused(SSM + "StartSession", {"Target": target}, "InvalidDocument")
        for bad in ("i-0123456789abcdef0", "ecs:c1_only", task["taskArn"], ""):
            self.refused(SSM + "StartSession", {"Target": bad, "DocumentName": forward},
                         "InvalidTarget")
        wrong_runtime = target.rsplit("-", 1)[0] + "-0000000000"
        self.refused(SSM + "StartSession", {"Target": wrong_runtime, "DocumentName": forward},
                     "TargetNotConnected", f"{wrong_runtime} is not connected.")
        self.control("/_proxy/exec", {"task": task["taskArn"], "agent": "STOPPED"})
        self.refused(SSM + "StartSession", {"Target": target, "DocumentName": forward},
                     "TargetNotConnected")
        self.assertEqual(self.sessions(), [])

    def test_describe_tasks_adds_runtime_ids_agents_and_the_exec_setting(self):
        enabled = self.run_task(enableExecuteCommand=True)
        task_id = enabled["taskArn"].rsplit("/", 1)[-1]
        first, again = self.describe(enabled), self.describe(enabled)
        runtimes = [c["runtimeId"] for c in first["containers"]]
        self.assertEqual(runtimes, [c["runtimeId"] for c in again["containers"]])  # stable
        self.assertEqual(len(set(runtimes)), 2)
        for runtime in runtimes:
            self.assertRegex(runtime, rf"^{task_id}-\d{{10}}$")
        self.assertTrue(first["enableExecuteCommand"])
        self.assertEqual([c["managedAgents"] for c in first["containers"]],
                         [[{"name": "ExecuteCommandAgent", "lastStatus": "RUNNING"}]] * 2)
        # RunTask's own answer is completed the same way.
        self.assertEqual([c["runtimeId"] for c in enabled["containers"]], runtimes)
        disabled = self.describe(self.run_task())
        self.assertFalse(disabled["enableExecuteCommand"])
        self.assertTrue(all("runtimeId" in c and "managedAgents" not in c
                            for c in disabled["containers"]))
        for status, agent in (("PENDING", "PENDING"), ("STOPPED", "STOPPED")):
            self.upstream.tasks[enabled["taskArn"]]["lastStatus"] = status
            described = self.describe(enabled)
            self.assertEqual(described["containers"][0]["managedAgents"][0]["lastStatus"],
                             agent)

    def test_tasks_inherit_their_services_setting_at_run_time(self):
        created = self.call(ECS + "CreateService", {"cluster": "c1", "serviceName": "web",
                                                    "enableExecuteCommand": True})
        self.assertTrue(created["service"]["enableExecuteCommand"])
        early = self.run_task(group="service:web")
        other = self.run_task(group="service:api")  # a service the proxy never saw
        updated = self.call(ECS + "UpdateService", {"cluster": "c1", "service": "web",
                                                    "enableExecuteCommand": False})
        self.assertFalse(updated["service"]["enableExecuteCommand"])
        late = self.run_task(group="service:web")
        own = self.run_task(group="service:web", enableExecuteCommand=True)
        self.assertEqual([self.describe(t)["enableExecuteCommand"]
                          for t in (early, other, late, own)], [True, False, False, True])
        # UpdateService without the field leaves it; DescribeServices shows it.
        self.call(ECS + "UpdateService", {"cluster": "c1", "service": "web",
                                          "desiredCount": 2})
        described = self.call(ECS + "DescribeServices", {"cluster": "c1",
                                                         "services": ["web", "api"]})
        self.assertEqual([s["enableExecuteCommand"] for s in described["services"]],
                         [False, False])
        # A task the proxy never saw run: its service's setting when first described.
        self.call(ECS + "UpdateService", {"cluster": "c1", "service": "web",
                                          "enableExecuteCommand": True})
        unseen = self.upstream.make_task("us-east-1", "c1", "service:web")
        self.assertTrue(self.describe(unseen)["enableExecuteCommand"])
        # Services are per cluster.
        elsewhere = self.call(ECS + "RunTask", {"cluster": "c2", "group": "service:web"})
        self.assertFalse(self.describe(elsewhere["tasks"][0], "c2")["enableExecuteCommand"])

    def test_overrides_shape_the_answers_and_are_shown_and_cleared(self):
        task = self.run_task()
        task_id = task["taskArn"].rsplit("/", 1)[-1]
        self.assertEqual(self.control("/_proxy/exec", {
            "task": task["taskArn"], "enable_execute_command": True, "agent": "PENDING"}),
            {"task": task_id, "enable_execute_command": True, "agent": "PENDING"})
        described = self.describe(task)
        self.assertTrue(described["enableExecuteCommand"])
        self.assertEqual(described["containers"][0]["managedAgents"][0]["lastStatus"],
                         "PENDING")
        self.assertEqual(self.control("/_proxy/exec")["overrides"],
                         {task_id: {"enable_execute_command": True, "agent": "PENDING"}})
        self.control("/_proxy/exec", {"task": task_id, "agent": None})  # back to the default
        self.assertEqual(self.describe(task)["containers"][0]["managedAgents"][0]["lastStatus"],
                         "RUNNING")
        self.control("/_proxy/exec/clear", {"task": task_id})
        self.assertEqual(self.control("/_proxy/exec")["overrides"], {})
        self.assertFalse(self.describe(task)["enableExecuteCommand"])
        for bad in ({"task": task_id, "agent": "BROKEN"}, {"enable_execute_command": True},
                    {"task": task_id, "enable_execute_command": "yes"},
                    {"task": task_id, "colour": "red"}):
            self.control("/_proxy/exec", bad, expect=400)
        self.assertEqual(self.control("/_proxy/exec")["overrides"], {})

    def test_exec_calls_are_counted_recorded_and_faulted(self):
        task = self.run_task(enableExecuteCommand=True)
        target = self.target_of(task)
        self.control("/_proxy/reset-stats", {})
        self.execute(task)
        self.call(SSM + "StartSession", {"Target": target,
                                         "DocumentName": "AWS-StartPortForwardingSession"})
        self.assertEqual(self.control("/_proxy/stats"),
                         {"ExecuteCommand": 1, "StartSession": 1})
        self.assertEqual(self.control("/_proxy/stats?target=ExecuteCommand&cluster=c1"),
                         {"ExecuteCommand": 1})
        recorded = self.control("/_proxy/requests?target=ExecuteCommand")
        self.assertEqual([r["body"]["task"] for r in recorded], [task["taskArn"]])
        self.assertEqual(len(self.sessions(task)), 2)
        self.control("/_proxy/reset-stats", {})
        self.assertEqual((self.control("/_proxy/stats"), self.sessions()), ({}, []))
        self.inject(target=ECS + "ExecuteCommand", status=400, type="AccessDeniedException",
                    message="not allowed")
        self.inject(target="StartSession", status=400, type="AccessDeniedException")
        self.assertEqual(self.execute(task, expect=400),
                         {"__type": "AccessDeniedException", "message": "not allowed"})
        self.refused(SSM + "StartSession", {"Target": target,
                                            "DocumentName": "AWS-StartPortForwardingSession"},
                     "AccessDeniedException")
        self.assertEqual(self.control("/_proxy/faulted"),
                         {"ExecuteCommand": 1, "StartSession": 1})
        self.assertEqual(self.sessions(), [])
        self.assertIn("session", self.execute(task))  # the fault's count is spent


# -- CloudWatch: rpc-v2-cbor in front of moto's JSON protocol -------------------------------

CW_PATH = "/service/GraniteServiceVersion20100801/operation/"
CW_TARGET = "GraniteServiceVersion20100801."  # X-Amz-Target of CloudWatch's JSON protocol


def cbor_head(major, n):
    if n < 24:
        return bytes([major << 5 | n])
    for extra, size in ((24, 1), (25, 2), (26, 4), (27, 8)):
        if n < 1 << (8 * size):
            return bytes([major << 5 | extra]) + n.to_bytes(size, "big")
    raise ValueError(n)


def sdk_cbor(value):
    """CBOR as aws-smithy-cbor writes a request: structures as indefinite-length maps
    (begin_map ... end), lists with their length, timestamps as tag 1 of an f64, doubles
    as f64, integers in their shortest form."""
    if isinstance(value, dict):
        return (b"\xbf" + b"".join(sdk_cbor(k) + sdk_cbor(v) for k, v in value.items())
                + b"\xff")
    if isinstance(value, list):
        return cbor_head(4, len(value)) + b"".join(sdk_cbor(v) for v in value)
    if isinstance(value, str):
        data = value.encode()
        return cbor_head(3, len(data)) + data
    if isinstance(value, bool):
        return b"\xf5" if value else b"\xf4"
    if isinstance(value, int):
        return cbor_head(0, value) if value >= 0 else cbor_head(1, -1 - value)
    if isinstance(value, float):
        return b"\xfb" + struct.pack(">d", value)
    if isinstance(value, datetime):
        return b"\xc1\xfb" + struct.pack(">d", value.timestamp())
    raise TypeError(value)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


def moto_json(answer, request_id):
    """(JSON body, headers) of one of moto's JSON answers."""
    return json.dumps(answer).encode(), {"x-amzn-requestid": request_id}


def get_metric_data_json(results, request_id="req-gmd"):
    """moto's GetMetricData answer (its exact JSON form) for [(id, label, [(epoch,
    value)])]: timestamps as epoch seconds (integers on whole seconds), values floats."""
    return moto_json({"MetricDataResults": [
        {"Id": query_id, "Label": label, "Timestamps": [t for t, _ in points],
         "Values": [v for _, v in points], "StatusCode": "Complete"}
        for query_id, label, points in results]}, request_id)


def metric_alarm_json(name, state, description=None, dimensions=(), threshold=80.5):
    """One MetricAlarm as moto 5.2.5 writes it in JSON (timestamps epoch floats)."""
    alarm = {"AlarmName": name,
             "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:{name}"}
    if description:
        alarm["AlarmDescription"] = description
    return dict(alarm, **{
        "AlarmConfigurationUpdatedTimestamp": utc(2026, 12, 4, 4, 49, 10, 157185).timestamp(),
        "ActionsEnabled": True, "OKActions": [],
        "AlarmActions": [f"arn:aws:sns:us-east-1:{ACCOUNT}:t"],
        "InsufficientDataActions": [], "StateValue": state, "StateReason": "test",
        "StateUpdatedTimestamp": utc(2026, 12, 4, 4, 49, 11).timestamp(),
        "MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Statistic": "Average",
        "Dimensions": [{"Name": n, "Value": v} for n, v in dimensions], "Period": 60,
        "EvaluationPeriods": 3, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold", "Metrics": []})


def describe_alarms_json(metric_alarms, composite_alarms=()):
    return moto_json({"CompositeAlarms": list(composite_alarms),
                      "MetricAlarms": list(metric_alarms)}, "req-da")


def write_json(action):
    return moto_json({}, "req-" + action)


def error_json(code, shape, message, kind="Sender", query_error=True):
    """moto's JSON error: {"__type": "GraniteServiceVersion20100801#SHAPE", "message",
    "Message"}, headers X-Amzn-Errortype and x-amzn-query-error CODE;KIND."""
    error_type = "GraniteServiceVersion20100801#" + shape
    headers = {"X-Amzn-Errortype": error_type, "x-amzn-requestid": "req-err"}
    if query_error:
        headers["x-amzn-query-error"] = f"{code};{kind}"
    return json.dumps({"__type": error_type, "message": message,
                       "Message": message}).encode(), headers


def require_cbor2(test):
    """Skips a CloudWatch test without cbor2, or fails it when CI=true."""
    if cbor2 is None:
        message = ("cbor2 is not installed for this python: run the tests with .venv/bin/python "
                   f"(scripts/test.sh installs {proxy_cloudwatch.CBOR2_PIN} there)")
        if os.environ.get("CI") == "true":
            test.fail(message)
        test.skipTest(message)


class CloudWatchTest(ProxyTest):
    """CloudWatch's rpc-v2-cbor calls, translated to moto's JSON protocol and back."""

    def setUp(self):
        require_cbor2(self)
        super().setUp()

    def cw(self, op, body=None, region="us-east-1", data=None, headers=None, timeout=5):
        """(status, headers, body bytes) of one rpc-v2-cbor call as the SDK makes it."""
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=timeout)
        try:
            conn.request("POST", CW_PATH + op,
                         body=sdk_cbor(body or {}) if data is None else data,
                         headers=dict({"smithy-protocol": "rpc-v2-cbor",
                                       "Content-Type": "application/cbor",
                                       "Accept": "application/cbor",
                                       "x-amzn-query-mode": "true",
                                       "Authorization": auth(region, "monitoring")},
                                      **(headers or {})))
            resp = conn.getresponse()
            return resp.status, resp.headers, resp.read()
        finally:
            conn.close()

    def cw_ok(self, op, body=None, **kwargs):
        """The decoded answer of a call that must succeed (None when it has no body)."""
        status, headers, data = self.cw(op, body, **kwargs)
        self.assertEqual(status, 200, data)
        self.assertEqual(headers["smithy-protocol"], "rpc-v2-cbor")
        if not data:
            return None
        self.assertEqual(headers["Content-Type"], "application/cbor")
        return cbor2.loads(data)

    def cw_error(self, answer, status):
        """(query code;type header, __type, message) of an rpc-v2-cbor error answer."""
        got, headers, data = answer
        self.assertEqual(got, status, data)
        self.assertEqual(headers["smithy-protocol"], "rpc-v2-cbor")
        self.assertEqual(headers["Content-Type"], "application/cbor")
        body = cbor2.loads(data)
        self.assertEqual(set(body), {"__type", "message"}, body)
        return headers["x-amzn-query-error"], body["__type"], body["message"]

    def moto_answers(self, op, answer, status=200):
        """moto answers `op` with `answer`, (JSON body, headers), and `status`."""
        body, headers = answer
        with self.upstream.lock:
            self.upstream.cloudwatch[op] = (status, body, headers)

    def query(self, start=None, end=None, **extra):
        """A GetMetricData request for one service's CPU, as the product makes it."""
        now = datetime.now(timezone.utc)
        return dict({
            "MetricDataQueries": [{
                "Id": "cpu",
                "MetricStat": {
                    "Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                               "Dimensions": [{"Name": "ClusterName", "Value": "c1"},
                                              {"Name": "ServiceName", "Value": "web"}]},
                    "Period": 60, "Stat": "Average"},
                "ReturnData": True}],
            "StartTime": start or now - timedelta(hours=1),
            "EndTime": end or now}, **extra)


class CloudWatchTranslationTest(CloudWatchTest):
    def test_get_metric_data_request_becomes_moto_json(self):
        self.moto_answers("GetMetricData", get_metric_data_json([]))
        start = datetime.now(timezone.utc).replace(microsecond=250000) - timedelta(minutes=30)
        end = start + timedelta(minutes=20, seconds=7)
        request = self.query(start, end, ScanBy="TimestampAscending", MaxDatapoints=1000,
                             NextToken="tok", LabelOptions={"Timezone": "+0130"})
        request["MetricDataQueries"].append({"Id": "double", "Expression": "cpu*2",
                                             "Label": "2x", "ReturnData": False,
                                             "Period": 300})
        self.cw_ok("GetMetricData", request)
        [body] = self.upstream.reached("GetMetricData")
        self.assertEqual(body, {
            "MetricDataQueries": [
                {"Id": "cpu",
                 "MetricStat": {
                     "Metric": {"Namespace": "AWS/ECS", "MetricName": "CPUUtilization",
                                "Dimensions": [{"Name": "ClusterName", "Value": "c1"},
                                               {"Name": "ServiceName", "Value": "web"}]},
                     "Period": 60, "Stat": "Average"},
                 "ReturnData": True},
                {"Id": "double", "Expression": "cpu*2", "Label": "2x", "ReturnData": False,
                 "Period": 300}],
            # StartTime rounded down to the minute, as AWS does for the last 15 days;
            # timestamps as epoch seconds (botocore's form), to the millisecond.
            "StartTime": int(start.replace(second=0, microsecond=0).timestamp()),
            "EndTime": int(end.timestamp()) + 0.25,
            "ScanBy": "TimestampAscending", "MaxDatapoints": 1000, "NextToken": "tok",
            "LabelOptions": {"Timezone": "+0130"}})
        self.assertIs(type(body["StartTime"]), int)
        [headers] = self.upstream.reached_headers("GetMetricData")
        self.assertEqual(headers["Content-Type"], "application/x-amz-json-1.0")
        self.assertEqual(headers["X-Amz-Target"], "GraniteServiceVersion20100801.GetMetricData")
        self.assertEqual(headers["Authorization"], auth("us-east-1", "monitoring"))

    def test_start_time_is_rounded_as_aws_rounds_it(self):
        now = utc(2026, 6, 30, 12, 0, 0)
        for start, rounded in ((utc(2026, 6, 29, 10, 32, 34, 900000), utc(2026, 6, 29, 10, 32)),
                               (utc(2026, 6, 1, 10, 37, 34), utc(2026, 6, 1, 10, 35)),
                               (utc(2026, 3, 1, 10, 37, 34), utc(2026, 3, 1, 10, 0))):
            self.assertEqual(proxy_cloudwatch.round_start(start, now), rounded)

    def test_moto_timestamps_are_read_as_epoch_numbers_or_iso_strings(self):
        tag = proxy_cloudwatch.epoch_tag
        self.assertEqual(tag(1796359750.157185), cbor2.CBORTag(1, 1796359750.157))
        self.assertEqual(tag(1796359751.0), cbor2.CBORTag(1, 1796359751))
        self.assertIs(type(tag(1796359751.0).value), int)
        self.assertEqual(tag("2026-12-04T04:49:10.157185Z"), tag(1796359750.157185))
        self.assertEqual(proxy_cloudwatch.moto_json(
            {"T": utc(2026, 12, 4, 4, 49, 10, 157185), "N": None, "B": b"\x01"}),
            {"T": 1796359750.157, "B": "AQ=="})

    def test_get_metric_data_answer_becomes_cbor_of_the_models_shapes(self):
        self.moto_answers("GetMetricData", get_metric_data_json([
            ("cpu", "CPUUtilization Average",
             [(int(utc(2026, 12, 4, 4, 45).timestamp()), 20.0),
              (utc(2026, 12, 4, 4, 44, 0, 125000).timestamp(), 10.5)]),
            ("mem", "mem", [])], request_id="moto-req-1"))
        status, headers, data = self.cw("GetMetricData", self.query())
        self.assertEqual(status, 200, data)
        self.assertEqual(headers["smithy-protocol"], "rpc-v2-cbor")
        self.assertEqual(headers["Content-Type"], "application/cbor")
        self.assertEqual(headers["x-amzn-RequestId"], "moto-req-1")
        answer = cbor2.loads(data)
        self.assertEqual(answer, {"MetricDataResults": [
            {"Id": "cpu", "Label": "CPUUtilization Average",
             "Timestamps": [utc(2026, 12, 4, 4, 45), utc(2026, 12, 4, 4, 44, 0, 125000)],
             "Values": [20.0, 10.5], "StatusCode": "Complete"},
            {"Id": "mem", "Label": "mem", "Timestamps": [], "Values": [],
             "StatusCode": "Complete"}]})
        # The SDK reads doubles with f64() (no integers) and timestamps as tag 1 of an
        # integer or a float: 20.0 must stay a float, whole seconds may be an integer.
        self.assertTrue(all(type(v) is float for v in answer["MetricDataResults"][0]["Values"]))
        self.assertIn(b"\xc1\x1a" + struct.pack(">I", int(utc(2026, 12, 4, 4, 45).timestamp())),
                      data)
        self.assertIn(b"\xc1\xfb" + struct.pack(">d", utc(2026, 12, 4, 4, 44, 0, 125000)
                                                .timestamp()), data)
        self.assertIn(b"\xfb" + struct.pack(">d", 20.0), data)

    def test_writes_become_moto_json_and_answer_empty(self):
        at = utc(2026, 12, 4, 4, 44, 3, 500000)
        dims = [{"Name": "ClusterName", "Value": "c1"}, {"Name": "ServiceName", "Value": "web"}]
        for action in ("PutMetricData", "PutMetricAlarm", "SetAlarmState"):
            self.moto_answers(action, write_json(action))
        sent = {}
        for op, body in (
                ("PutMetricData", {"Namespace": "AWS/ECS", "MetricData": [
                    {"MetricName": "CPUUtilization", "Dimensions": dims, "Timestamp": at,
                     "Value": 10.5, "Unit": "Percent", "StorageResolution": 60},
                    {"MetricName": "CPUUtilization", "Values": [1.0, 2.5], "Counts": [3.0, 1.0],
                     "StatisticValues": {"SampleCount": 2.0, "Sum": 3.0, "Minimum": 1.0,
                                         "Maximum": 2.0}}],
                    "EntityMetricData": [{"Entity": {"KeyAttributes": {"Type": "Service",
                                                                       "Name": "web"}}}]}),
                ("PutMetricAlarm", {"AlarmName": "web-cpu-high", "AlarmDescription": "CPU high",
                                    "ActionsEnabled": False, "AlarmActions": ["arn:a", "arn:b"],
                                    "MetricName": "CPUUtilization", "Namespace": "AWS/ECS",
                                    "Statistic": "Average", "Dimensions": dims, "Period": 60,
                                    "EvaluationPeriods": 3, "Threshold": 80.0,
                                    "ComparisonOperator": "GreaterThanThreshold",
                                    "Tags": [{"Key": "team", "Value": "ops"}]}),
                ("SetAlarmState", {"AlarmName": "web-cpu-high", "StateValue": "ALARM",
                                   "StateReason": "test", "StateReasonData": "{}"})):
            sent[op] = body
            status, headers, data = self.cw(op, body)
            self.assertEqual((status, data), (200, b""), op)
            self.assertEqual(headers["smithy-protocol"], "rpc-v2-cbor")
            self.assertIsNone(headers["Content-Type"], "no output: no body, no Content-Type")
            self.assertEqual(headers["x-amzn-RequestId"], "req-" + op)
        # moto gets the request as botocore sends it: the same members, the timestamp as
        # epoch seconds.
        metric = dict(sent["PutMetricData"]["MetricData"][0], Timestamp=at.timestamp())
        self.assertEqual(self.upstream.reached("PutMetricData"), [dict(
            sent["PutMetricData"],
            MetricData=[metric, sent["PutMetricData"]["MetricData"][1]])])
        self.assertEqual(metric["Timestamp"], int(at.timestamp()) + 0.5)
        self.assertEqual(self.upstream.reached("PutMetricAlarm"), [sent["PutMetricAlarm"]])
        self.assertEqual(self.upstream.reached("SetAlarmState"), [sent["SetAlarmState"]])
        for op in sent:
            [headers] = self.upstream.reached_headers(op)
            self.assertEqual(headers["X-Amz-Target"], CW_TARGET + op)

    def test_gzipped_requests_are_read(self):
        """PutMetricData bodies of 10 KiB and more come gzipped (request compression)."""
        self.moto_answers("PutMetricData", write_json("PutMetricData"))
        body = {"Namespace": "N", "MetricData": [{"MetricName": f"m{i}", "Value": float(i)}
                                                 for i in range(600)]}
        data = gzip.compress(sdk_cbor(body))
        self.assertEqual(self.cw_ok("PutMetricData", data=data,
                                    headers={"Content-Encoding": "gzip"}), None)
        [sent] = self.upstream.reached("PutMetricData")
        self.assertEqual(len(sent["MetricData"]), 600)
        self.assertEqual(sent["MetricData"][599], {"MetricName": "m599", "Value": 599.0})

    def test_describe_alarms_answer_is_typed_filtered_and_paged_as_in_aws(self):
        self.moto_answers("DescribeAlarms", describe_alarms_json([
            metric_alarm_json("web-cpu-high", "ALARM", "CPU high",
                             [("ClusterName", "c1"), ("ServiceName", "web")])
            , metric_alarm_json("web-mem", "OK", threshold=80)  # an integer: still a double
            , metric_alarm_json("api-cpu", "ALARM")],
            [{"AlarmName": "web-all", "AlarmRule": "ALARM(web-cpu-high)",
              "StateValue": "ALARM", "ActionsEnabled": False}]))
        answer = self.cw_ok("DescribeAlarms", {"StateValue": "ALARM"})
        self.assertEqual([a["AlarmName"] for a in answer["MetricAlarms"]],
                         ["api-cpu", "web-cpu-high"], "in name order, only metric alarms")
        self.assertEqual(answer["CompositeAlarms"], [])
        self.assertNotIn("NextToken", answer)
        alarm = answer["MetricAlarms"][1]
        self.assertEqual(alarm, {
            "AlarmName": "web-cpu-high",
            "AlarmArn": f"arn:aws:cloudwatch:us-east-1:{ACCOUNT}:alarm:web-cpu-high",
            "AlarmDescription": "CPU high",
            "AlarmConfigurationUpdatedTimestamp": utc(2026, 12, 4, 4, 49, 10, 157000),
            "ActionsEnabled": True, "OKActions": [],
            "AlarmActions": [f"arn:aws:sns:us-east-1:{ACCOUNT}:t"],
            "InsufficientDataActions": [], "StateValue": "ALARM", "StateReason": "test",
            "StateUpdatedTimestamp": utc(2026, 12, 4, 4, 49, 11),
            "MetricName": "CPUUtilization", "Namespace": "AWS/ECS", "Statistic": "Average",
            "Dimensions": [{"Name": "ClusterName", "Value": "c1"},
                           {"Name": "ServiceName", "Value": "web"}],
            "Period": 60, "EvaluationPeriods": 3, "Threshold": 80.5,
            "ComparisonOperator": "GreaterThanThreshold", "Metrics": []})
        self.assertIs(type(alarm["Period"]), int)
        self.assertIs(type(answer["MetricAlarms"][0]["Threshold"]), float)
        self.assertEqual([type(a["Threshold"]) for a in answer["MetricAlarms"]], [float, float])
        # moto applies only the first filter it finds (AlarmNamePrefix before StateValue).
        answer = self.cw_ok("DescribeAlarms", {"StateValue": "ALARM", "AlarmNamePrefix": "web"})
        self.assertEqual([a["AlarmName"] for a in answer["MetricAlarms"]], ["web-cpu-high"])
        answer = self.cw_ok("DescribeAlarms", {"AlarmNames": ["web-mem", "api-cpu", "nope"]})
        self.assertEqual([a["AlarmName"] for a in answer["MetricAlarms"]], ["api-cpu", "web-mem"])
        answer = self.cw_ok("DescribeAlarms", {"AlarmTypes": ["CompositeAlarm", "MetricAlarm"],
                                               "StateValue": "ALARM"})
        self.assertEqual([a["AlarmName"] for a in answer["CompositeAlarms"]], ["web-all"])
        self.assertIs(answer["CompositeAlarms"][0]["ActionsEnabled"], False)
        self.assertEqual(len(answer["MetricAlarms"]), 2)
        # MaxRecords pages, NextToken goes on where the page ended.
        names, token, pages = [], None, 0
        while True:
            request = {"MaxRecords": 2, "AlarmTypes": ["MetricAlarm", "CompositeAlarm"]}
            if token:
                request["NextToken"] = token
            page = self.cw_ok("DescribeAlarms", request)
            pages += 1
            names += [a["AlarmName"] for a in page["MetricAlarms"] + page["CompositeAlarms"]]
            token = page.get("NextToken")
            if not token:
                break
        self.assertEqual((pages, names), (2, ["api-cpu", "web-all", "web-cpu-high", "web-mem"]))
        code, _, _ = self.cw_error(self.cw("DescribeAlarms", {"NextToken": "garbage!"}), 400)
        self.assertEqual(code, "InvalidNextToken;Sender")
        code, _, _ = self.cw_error(self.cw("DescribeAlarms", {"MaxRecords": 101}), 400)
        self.assertEqual(code, "ValidationError;Sender")
        self.assertEqual(len(self.upstream.reached("DescribeAlarms")), 6, "refusals stay here")

    def test_moto_errors_become_rpc_v2_cbor_errors(self):
        self.moto_answers("SetAlarmState", error_json("ResourceNotFound", "ResourceNotFound",
                                                      "No alarm."), 404)
        code, error_type, message = self.cw_error(
            self.cw("SetAlarmState", {"AlarmName": "nope", "StateValue": "ALARM",
                                      "StateReason": "x"}), 404)
        self.assertEqual((code, error_type, message),
                         ("ResourceNotFound;Sender", "com.amazonaws.cloudwatch#ResourceNotFound",
                          "No alarm."))
        self.moto_answers("GetMetricData", error_json(
            "ValidationError", "ValidationException",
            "The parameter EndTime must be greater than StartTime."), 400)
        status, headers, _ = answer = self.cw("GetMetricData", self.query())
        self.assertEqual(self.cw_error(answer, 400), (
            "ValidationError;Sender", "com.amazonaws.cloudwatch#ValidationException",
            "The parameter EndTime must be greater than StartTime."))
        self.assertEqual(headers["x-amzn-RequestId"], "req-err")
        self.moto_answers("PutMetricData", error_json("InternalServiceError",
                                                      "InternalServiceFault", "boom",
                                                      "Receiver"), 500)
        self.assertEqual(self.cw_error(self.cw("PutMetricData", {"Namespace": "N"}), 500), (
            "InternalServiceError;Receiver", "com.amazonaws.cloudwatch#InternalServiceFault",
            "boom"))
        # moto's own failure (a Python exception: an HTML page) is still an AWS error.
        # Without x-amzn-query-error the code comes from __type's shape name.
        self.moto_answers("DescribeAlarms", error_json(
            "ValidationError", "ValidationException", "bad", query_error=False), 400)
        self.assertEqual(self.cw_error(self.cw("DescribeAlarms"), 400), (
            "ValidationError;Sender", "com.amazonaws.cloudwatch#ValidationException", "bad"))
        self.moto_answers("GetMetricData", (b"<!doctype html><title>500 Internal Server Error"
                                            b"</title>", {}), 500)
        code, _, message = self.cw_error(self.cw("GetMetricData", self.query()), 500)
        self.assertEqual(code, "InternalServiceError;Receiver")
        self.assertIn("moto answered HTTP 500 without an AWS error", message)

    def test_the_proxy_refuses_what_aws_refuses(self):
        self.moto_answers("GetMetricData", get_metric_data_json([]))
        request = self.query()
        request["MetricDataQueries"] = [dict(request["MetricDataQueries"][0], Id=f"q{i}")
                                        for i in range(501)]
        code, error_type, message = self.cw_error(self.cw("GetMetricData", request), 400)
        self.assertEqual((code, error_type), ("ValidationError;Sender",
                                              "com.amazonaws.cloudwatch#ValidationException"))
        self.assertIn("500", message)
        self.assertEqual(self.upstream.reached("GetMetricData"), [])
        request["MetricDataQueries"] = request["MetricDataQueries"][:500]
        self.cw_ok("GetMetricData", request)
        self.assertEqual(len(self.upstream.reached("GetMetricData")), 1)
        code, _, _ = self.cw_error(self.cw("GetMetricData", {"MetricDataQueries": []}), 400)
        self.assertEqual(code, "ValidationError;Sender")
        code, _, _ = self.cw_error(self.cw("GetMetricData", data=b"\xbf\x61"), 400)
        self.assertEqual(code, "SerializationException;Sender")
        code, _, message = self.cw_error(self.cw("ListMetrics", {}), 400)
        self.assertEqual(code, "UnknownOperationException;Sender")
        self.assertIn("tests/proxy_cloudwatch.py", message)
        self.assertEqual(self.upstream.reached("ListMetrics"), [])

    def test_other_rpc_v2_services_pass_through(self):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
        try:
            conn.request("POST", "/service/OtherService/operation/Op", body=b"\xa0",
                         headers={"smithy-protocol": "rpc-v2-cbor",
                                  "Content-Type": "application/cbor"})
            resp = conn.getresponse()
            self.assertEqual((resp.status, resp.read()), (200, b"<Reached/>"))
        finally:
            conn.close()
        self.assertEqual(self.control("/_proxy/stats"), {})

    def test_calls_are_recorded_counted_and_on_the_timeline(self):
        self.moto_answers("GetMetricData", get_metric_data_json([]))
        self.moto_answers("PutMetricData", write_json("PutMetricData"))
        start, end = utc(2026, 12, 4, 4, 0, 0), utc(2026, 12, 4, 5, 0, 0, 500000)
        self.cw_ok("GetMetricData", self.query(start, end), region="eu-west-1")
        self.cw_ok("PutMetricData", {"Namespace": "AWS/ECS", "MetricData": [
            {"MetricName": "CPUUtilization", "Value": 1.5, "Timestamp": start}]})
        recorded = self.control("/_proxy/requests?target=GetMetricData")
        self.assertEqual(len(recorded), 1, recorded)
        self.assertEqual(recorded[0]["region"], "eu-west-1")
        body = recorded[0]["body"]
        self.assertEqual((body["StartTime"], body["EndTime"]),
                         ("2026-12-04T04:00:00Z", "2026-12-04T05:00:00.500Z"))
        self.assertEqual(body["MetricDataQueries"][0]["MetricStat"]["Stat"], "Average")
        self.assertEqual(len(self.control("/_proxy/requests?target=GetMetricData&match=web")), 1)
        self.assertEqual(self.control("/_proxy/requests?target=PutMetricData")[0]["body"],
                         {"Namespace": "AWS/ECS", "MetricData": [
                             {"MetricName": "CPUUtilization", "Value": 1.5,
                              "Timestamp": "2026-12-04T04:00:00Z"}]})
        self.assertEqual(self.control("/_proxy/stats"), {"GetMetricData": 1, "PutMetricData": 1})
        self.assertEqual(self.control("/_proxy/stats?region=eu-west-1&cluster=c1"),
                         {"GetMetricData": 1})
        timeline = self.control("/_proxy/timeline?target=GetMetricData")["requests"]
        self.assertEqual([(r["target"], r["region"], r["throttled"]) for r in timeline],
                         [("GetMetricData", "eu-west-1", False)])


class CloudWatchFaultTest(CloudWatchTest):
    def setUp(self):
        super().setUp()
        self.moto_answers("GetMetricData", get_metric_data_json([]))
        self.moto_answers("DescribeAlarms", describe_alarms_json([]))

    def test_throttle_is_cloudwatchs_throttling_error(self):
        self.inject(target="GetMetricData", kind="throttle")
        code, error_type, message = self.cw_error(self.cw("GetMetricData", self.query()), 400)
        # The SDK takes the code from x-amzn-query-error: "Throttling", which its retry
        # classifier (aws-runtime THROTTLING_ERRORS) counts as throttling.
        self.assertEqual((code, error_type, message),
                         ("Throttling;Sender", "com.amazon.coral.availability#ThrottlingException",
                          "Rate exceeded"))
        self.assertEqual(self.upstream.reached("GetMetricData"), [])
        self.cw_ok("GetMetricData", self.query())
        self.assertEqual(self.control("/_proxy/faulted"), {"GetMetricData": 1})

    def test_error_faults_keep_their_status_and_type(self):
        self.inject(target="DescribeAlarms", status=503, type="ServiceUnavailable",
                    message="down")
        self.inject(target="DescribeAlarms", status=400, type="AccessDeniedException",
                    message="no")
        self.inject(target="GetMetricData", status=500, type="InternalServiceFault")
        self.assertEqual(self.cw_error(self.cw("DescribeAlarms"), 503),
                         ("ServiceUnavailable;Receiver", "ServiceUnavailable", "down"))
        self.assertEqual(self.cw_error(self.cw("DescribeAlarms"), 400),
                         ("AccessDeniedException;Sender", "AccessDeniedException", "no"))
        self.assertEqual(self.cw_error(self.cw("GetMetricData", self.query()), 500)[:2],
                         ("InternalServiceError;Receiver",
                          "com.amazonaws.cloudwatch#InternalServiceFault"))

    def test_match_hang_drop_garbage_delay_and_forward(self):
        self.inject(target="GetMetricData", kind="throttle", match='"Value": "other"',
                    count=-1)
        self.cw_ok("GetMetricData", self.query())  # ClusterName c1: not matched
        other = self.query()
        other["MetricDataQueries"][0]["MetricStat"]["Metric"]["Dimensions"][0]["Value"] = "other"
        self.cw_error(self.cw("GetMetricData", other), 400)
        self.control("/_proxy/clear", {})
        self.inject(target="DescribeAlarms", kind="hang", hang_ms=200)
        with self.assertRaises(http.client.RemoteDisconnected):
            self.cw("DescribeAlarms")
        self.inject(target="DescribeAlarms", kind="drop")
        with self.assertRaises(http.client.RemoteDisconnected):
            self.cw("DescribeAlarms")
        self.inject(target="DescribeAlarms", kind="garbage")
        status, headers, data = self.cw("DescribeAlarms")
        self.assertEqual((status, headers["Content-Type"], data),
                         (200, "application/cbor", aws_proxy.GARBAGE))
        self.assertEqual(headers["smithy-protocol"], "rpc-v2-cbor")
        self.assertEqual(self.upstream.reached("DescribeAlarms"), [])
        self.inject(target="DescribeAlarms", delay_ms=200)
        started = time.monotonic()
        self.cw_ok("DescribeAlarms")
        self.assertGreaterEqual(time.monotonic() - started, 0.2)
        self.inject(target="PutMetricAlarm", kind="drop", forward=True)
        self.moto_answers("PutMetricAlarm", write_json("PutMetricAlarm"))
        with self.assertRaises(http.client.RemoteDisconnected):
            self.cw("PutMetricAlarm", {"AlarmName": "a"})
        self.assertEqual(self.upstream.reached("PutMetricAlarm"), [{"AlarmName": "a"}])

    def test_buckets_hold_cloudwatchs_quotas(self):
        shown = self.control("/_proxy/limits", {"buckets": True,
                                                "rates": {"describe_alarms": [2, 0]}})
        self.assertEqual((shown["rates"]["get_metric_data"], shown["rates"]["describe_alarms"]),
                         ([50, 50], [2, 0]))
        self.assertEqual(aws_proxy.RATE_LIMITS["describe_alarms"][1:], (9, 9))
        answers = [self.cw("DescribeAlarms")[0] for _ in range(3)]
        self.assertEqual(answers, [200, 200, 400])
        self.assertEqual(self.cw_error(self.cw("DescribeAlarms"), 400)[0], "Throttling;Sender")
        self.assertEqual(self.cw("DescribeAlarms", region="eu-west-1")[0], 200)
        self.assertEqual(self.cw("GetMetricData", self.query())[0], 200)
        self.assertEqual(self.api(ECS + "DescribeServices")[0], 200)
        self.assertEqual(self.control("/_proxy/limits")["throttled"]["describe_alarms"], 2)
        self.assertEqual(len(self.upstream.reached("DescribeAlarms")), 3)
        self.assertEqual(self.control("/_proxy/stats?target=DescribeAlarms"),
                         {"DescribeAlarms": 5})

    def test_get_metric_data_default_bucket_is_50_a_second(self):
        started = time.monotonic()
        self.control("/_proxy/limits", {"buckets": True})
        passed = 0
        while self.cw("GetMetricData", self.query())[0] == 200:
            passed += 1
            self.assertLess(passed, 500, "never throttled")
        self.assertGreaterEqual(passed, 50)
        self.assertLessEqual(passed, 50 + (time.monotonic() - started) * 50)


class CloudWatchShapeTest(unittest.TestCase):
    """The translation's member types and error shapes against CloudWatch's model as
    botocore (installed with moto) has it."""

    def setUp(self):
        require_cbor2(self)
        try:
            import botocore.session
        except ImportError:
            self.skipTest("botocore (installed with moto) is not here")
        self.model = botocore.session.get_session().get_service_model("cloudwatch")

    def test_output_member_types_are_the_models(self):
        kinds = {"integer": "integer", "long": "integer", "double": "double", "float": "double",
                 "boolean": "boolean", "timestamp": "timestamp", "string": "string"}
        seen = set()

        def check(shape):
            if shape.name in seen:
                return
            seen.add(shape.name)
            for name, member in shape.members.items():
                if member.type_name == "list":
                    inner = member.member
                    expected = ("structure" if inner.type_name == "structure"
                                else kinds[inner.type_name])
                    self.assertEqual(proxy_cloudwatch.LISTS.get(name), expected, name)
                    if inner.type_name == "structure":
                        check(inner)
                elif member.type_name == "structure":
                    self.assertIn(name, proxy_cloudwatch.STRUCTS)
                    check(member)
                else:
                    self.assertEqual(proxy_cloudwatch.SCALARS.get(name, "string"),
                                     kinds[member.type_name], name)

        for op in proxy_cloudwatch.READS:
            check(self.model.operation_model(op).output_shape)
        for op in proxy_cloudwatch.WRITES:
            self.assertIsNone(self.model.operation_model(op).output_shape, op)
        self.assertGreater(len(seen), 10)

    def test_error_shapes_are_the_models(self):
        codes = {}
        for name in self.model.shape_names:
            shape = self.model.shape_for(name)
            code = shape.metadata.get("error", {}).get("code")
            if code:
                codes.setdefault(code, set()).add(name)
        for code, shape in proxy_cloudwatch.ERROR_SHAPES.items():
            self.assertIn(shape, codes.get(code, set()), code)
        self.assertEqual(set(proxy_cloudwatch.ERROR_SHAPES), set(codes))


class WithoutCbor2Test(ProxyTest):
    """Without cbor2 the proxy still serves everything else, and says what is missing."""

    def test_cbor_calls_get_a_clear_501_and_the_rest_works(self):
        saved = proxy_cloudwatch.cbor2
        proxy_cloudwatch.cbor2 = None
        try:
            conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
            try:
                conn.request("POST", CW_PATH + "GetMetricData", body=b"\xbf\xff",
                             headers={"smithy-protocol": "rpc-v2-cbor",
                                      "Content-Type": "application/cbor",
                                      "Authorization": auth(service="monitoring")})
                resp = conn.getresponse()
                status, text = resp.status, resp.read().decode()
            finally:
                conn.close()
            self.assertEqual(status, 501)
            self.assertIn("cbor2 is not installed", text)
            self.assertIn("pip install", text)
            self.assertEqual(self.api(ECS + "ListClusters")[0], 200)
            self.assertEqual(self.control("/_proxy/stats"),
                             {"GetMetricData": 1, "ListClusters": 1})
        finally:
            proxy_cloudwatch.cbor2 = saved


if __name__ == "__main__":
    unittest.main()
