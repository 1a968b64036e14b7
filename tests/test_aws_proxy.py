"""Tests of tests/aws_proxy.py itself: fault injection, the Live Tail stand-in, the
emulation of ECS rate limits and latency with its request timeline, and the ECS Exec and
Session Manager stand-in (tests/proxy_exec.py).

Standard library only, no moto: a small fake upstream stands in for it.

    python3 -m unittest tests/test_aws_proxy.py -v
"""

import http.client
import base64
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
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import aws_proxy  # noqa: E402

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
    XML for query-protocol Actions, a minimal ECS for RunTask, DescribeTasks and the
    services (see ecs()), {"reached": target} for any other JSON target."""

    PAGE = 2

    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []  # (target or Action, headers, parsed body)
        self.groups = set()
        self.events = []  # {"group", "logStreamName", "timestamp", "message", "eventId"}
        self.task_arns = []  # what ListTasks answers, all at once as moto does
        self.tasks = {}  # task ARN -> task, as moto's DescribeTasks gives it
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
                    body = dict(urllib.parse.parse_qsl(data.decode()))
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
                if not self.headers.get("X-Amz-Target"):
                    return self.send(200, b"<Reached/>", "text/xml")
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

            def send(self, status, data, content_type):
                self.send_response(status)
                self.send_header("Content-Type", content_type)
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

    def reset(self):
        with self.lock:
            self.requests.clear()
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


if __name__ == "__main__":
    unittest.main()
