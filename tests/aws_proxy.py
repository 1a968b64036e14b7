#!/usr/bin/env python3
"""An HTTP proxy in front of moto that answers the way AWS does where moto does not.

moto returns every ECS list in one page and accepts describes of any size, so a client
that stops at the first page or sends oversize batches would pass against it. This proxy:

- pages ListClusters, ListServices, ListTasks, ListContainerInstances,
  ListTaskDefinitionFamilies and ListTaskDefinitions itself (at most min(maxResults, 100)
  items per page, 10 by default for ListServices as in ECS, with an opaque nextToken), and
  sorts ListTaskDefinitions by revision when asked to (`sort`), which moto ignores; a
  paging sequence reads moto's list once, at its first page, and the later pages come
  from that snapshot (kept SNAPSHOT_SECONDS; an older token reads moto again), so a
  10,000-task list costs moto one answer, not a hundred;
- refuses DescribeClusters/Tasks/ContainerInstances of more than 100 items and
  DescribeServices of more than 10, with HTTP 400 InvalidParameterException;
- counts requests per target, region, cluster and log group (GET /_proxy/stats,
  optionally filtered with ?target=&region=&cluster=&group=; POST /_proxy/reset-stats);
- records the body of every API request it receives (GET /_proxy/requests, optionally
  filtered with ?target=&region=&match=, where `match` is a substring of the body): a list
  of {"target", "region", "body"}, the body parsed when it is JSON (a query-protocol
  request's form text as it came, under its Action: STS AssumeRole, EC2; a CloudWatch
  rpc-v2-cbor request's CBOR as JSON, under its operation, timestamps as ISO 8601 UTC
  strings, and `match` applies to that JSON text); the newest 20,000 are kept;
- injects faults (POST /_proxy/inject with a fault object, fields below; answers
  {"id": N}): the next `count` API requests for `target` whose body contains `match` wait
  `delay_ms`, then get the fault's `kind`:
    "error"     answer `status` with an AWS JSON error `type`/`message` (headers
                x-amzn-ErrorType, x-amzn-RequestId); the default when `status` is given;
    "throttle"  the same with 400 ThrottlingException "Rate exceeded" (each overridable);
    "hang"      answer nothing, hold the connection `hang_ms` (default 600000) or until
                POST /_proxy/clear, then close it without an answer;
    "drop"      close the connection at once without an answer (no status line);
    "garbage"   HTTP 200, application/x-amz-json-1.1, a body that is not JSON;
    "delay"     only the wait, then the request goes on as usual (the default when
                neither `kind` nor `status` is given).
  `target` is a full or short X-Amz-Target, an Action of a query-protocol request (EC2;
  its errors come as XML), a CloudWatch rpc-v2-cbor operation (GetMetricData, ...; its
  errors and garbage in that protocol, see below), or "*" for every API request. `count`
  defaults to 1; -1 or null means until cleared. With `"forward": true` the request
  first reaches moto and only its answer is replaced by the fault (a lost answer: the
  change happened).
  POST /_proxy/clear ({}, or {"target": X} and/or {"match": M}) removes those faults and
  releases requests hanging on them; GET /_proxy/faults lists the active faults;
  GET /_proxy/faulted counts the requests each target had a fault applied to (also
  cleared by POST /_proxy/reset-stats);
- stands in for CloudWatch Logs Live Tail when told to (POST /_proxy/livetail with
  {"mode": "standin", ...}; {"mode": "moto"}, the default, passes StartLiveTail to moto,
  which replays the stored events once and ends). The stand-in answers StartLiveTail
  itself with an endless AWS event stream (application/vnd.amazon.eventstream, chunked,
  one chunk per frame) framed as moto frames it: an `initial-response` event (empty
  payload), a `sessionStart` event, then every `update_ms` a `sessionUpdate` event
  carrying the events moto's FilterLogEvents returns for the requested groups (from the
  session's start on, each sent once, `logStreamNames` passed on, `logStreamNamePrefixes`
  and the group ARN applied here). Optional fields of the config (each session started
  after it is set gets its own clock):
    update_ms (1000)   time between updates;
    sample_max (500)   most events per update; the rest are dropped, `sampled` is true;
    end_after_ms       then an exception frame SessionTimeoutException and the end;
    error_after_ms, error_type ("SessionStreamingException"), error_message
                       then an exception frame of that type and the end;
    drop_after_ms      then the connection closes mid-stream (the chunked body unended);
    refuse, refuse_message
                       answer StartLiveTail with HTTP 400 and this AWS JSON error type;
    initial_response (true)
                       false leaves out the initial-response frame.
  Frames: 4-byte total length, 4-byte headers length, CRC32 of those 8 bytes, headers
  (name length, name, type 7, 2-byte length, string value), payload, CRC32 of all that;
  big-endian. Events have :message-type "event", :event-type and, with a JSON payload,
  :content-type "application/json"; exceptions have :message-type "exception",
  :exception-type and a payload {"message": ...} (with "__type" added for types the
  Live Tail stream does not model, so that SDKs see the code). Events come from moto:
  FilterLogEvents with startTime = the session's start, in the region of the group ARN.
  Tests run in parallel against one proxy, so a config can be scoped to some log groups:
  with `"match": "SUBSTRING"` it applies only to StartLiveTail calls one of whose log
  groups (named by ARN or by name) has a name containing SUBSTRING. Scoped configs are
  kept in a list: the first that matches wins (posting one with the same `match` again
  replaces it in place), and a call no scoped config matches gets the global one (set by
  a POST without `match`, which leaves the scoped ones alone). Each scoped config may be
  {"mode": "moto"} too, to keep some groups on moto whatever the global config says.
  POST /_proxy/livetail/clear ({} or {"match": M}) removes all scoped configs, or the one
  with that match.
  GET /_proxy/livetail gives the global config with the scoped ones under "scoped";
  GET /_proxy/livetail?group=NAME gives the config a call for that group would get.
  GET /_proxy/livetail/sessions (optionally ?group=SUBSTRING) lists the stand-in's
  sessions: groups, start, updates and events sent, events dropped by sampling, the
  `match` of the scoped config used (null for the global one), and how each ended (null
  while it runs).
- emulates AWS's ECS and CloudWatch API rate limits and latency when told to (off by
  default):
  POST /_proxy/limits with {"buckets": true, "latency_ms": N, "rates": {...}} (each
  optional; the body replaces the whole config, so {} turns it all off again) answers
  what GET /_proxy/limits shows: the config, the rates in force for every category, and
  "throttled": per category, the requests it throttled since the last reset-stats.
  With "buckets", each category of operations has a token bucket per region, shared by
  its operations, with AWS's burst and sustained rate (requests a second; CloudWatch's
  quotas are per-second TPS, so burst = rate):
    service_read              DescribeServices, ListServices                   100, 20
    service_modify            CreateService, UpdateService, DeleteService       50,  5
    cluster_resource_read     DescribeTasks, ListTasks,
                              DescribeContainerInstances, ListContainerInstances 100, 20
    cluster_read              DescribeClusters, ListClusters                    50, 20
    task_definition_read      DescribeTaskDefinition, ListTaskDefinitions,
                              ListTaskDefinitionFamilies                        50, 20
    task_definition_register  RegisterTaskDefinition, DeregisterTaskDefinition  20,  1
    run_stop                  RunTask, StopTask                                100, 40
    get_metric_data           GetMetricData (CloudWatch)                        50, 50
    describe_alarms           DescribeAlarms (CloudWatch)                        9,  9
  "rates": {"service_read": [burst, per_second], ...} overrides some of them. Other
  operations and services are not limited. Buckets are full when the config is posted
  and after reset-stats; a request refills its bucket, tokens = min(burst, tokens +
  elapsed seconds * rate), and takes a token if there is a whole one. One that finds
  none gets AWS's answer, the throttle fault's (HTTP 400 ThrottlingException "Rate
  exceeded"; for CloudWatch, its rpc-v2-cbor form with code Throttling), and reaches
  neither the faults nor moto, but is counted and recorded. "latency_ms" holds every API
  request (JSON target, query Action or CloudWatch operation, throttled or not)
  that long before anything else happens to it, as a round trip from a bastion would;
- keeps a timeline of API requests (JSON targets, query Actions and CloudWatch
  operations; the newest 200,000):
  GET /_proxy/timeline, optionally ?target= (full or short) and ?since=SECONDS, gives
  {"now": seconds since the proxy started, "requests": [{"t": when it arrived, in the
  same seconds, "target": short target or Action, "region", "throttled": whether the
  rate-limit emulation throttled it}, ...]}, those with t >= since, oldest first.
  POST /_proxy/reset-stats clears it too, and refills the buckets;
- stands in for ECS Exec and Session Manager, which moto lacks (the logic is in
  tests/proxy_exec.py); these calls are counted, recorded and faulted as any other:
    DescribeTasks, RunTask  moto's tasks get `enableExecuteCommand`, and each container a
                stable `runtimeId` (TASKID-<10 digits>) and, when exec is enabled,
                managedAgents [{"name": "ExecuteCommandAgent", "lastStatus": ...}]
                (RUNNING for a RUNNING task, PENDING before, STOPPED after). A task keeps
                the enableExecuteCommand of its RunTask request; without one, or when not
                seen run, that of its service (group "service:NAME") at that time; else
                false;
    CreateService, UpdateService, DescribeServices
                the proxy keeps each service's enableExecuteCommand (per region, cluster
                and name; false by default, UpdateService changes it when given) and adds
                it to moto's answers;
    ExecuteCommand (ECS)  answered here: moto's DescribeTasks is asked for the task, then
                AWS's answer {clusterArn, containerArn, containerName, interactive,
                session: {sessionId "ecs-execute-command-<hex>", streamUrl
                "wss://ssmmessages.REGION.amazonaws.com/v1/data-channel/ID?role=...",
                tokenValue}, taskArn}. 400 InvalidParameterException for an unknown task
                ("The specified task was not found."), a missing or unknown container
                (the container may be left out when the task has one), interactive not
                true, and, with AWS's "The execute command failed because execute command
                was not enabled ..." message, a task not RUNNING, exec not enabled or the
                container's agent not RUNNING; moto's error (ClusterNotFoundException) as
                it is;
    StartSession (SSM, AmazonSSM.)  answered here with {SessionId "KEYID-<hex>",
                StreamUrl, TokenValue}: DocumentName must be AWS-StartPortForwardingSession,
                AWS-StartPortForwardingSessionToRemoteHost or AWS-StartInteractiveCommand
                (else 400 InvalidDocument), Target "ecs:CLUSTER_TASKID_RUNTIMEID" (else
                400 InvalidTarget), and that container's agent RUNNING in a RUNNING task
                (else 400 TargetNotConnected); TerminateSession answers {SessionId}.
  POST /_proxy/exec with {"task": ID or ARN, "enable_execute_command": true|false,
  "agent": "RUNNING"|"PENDING"|"STOPPED"} (each optional; null removes that override)
  overrides what the task's answers say, and answers the task's overrides;
  POST /_proxy/exec/clear ({} or {"task": X}) removes the overrides. GET /_proxy/exec
  (optionally ?task=ID) gives {"overrides": {task id: {...}}, "sessions": [...]}, the
  sessions started, oldest first: kind (ExecuteCommand or StartSession), sessionId,
  region, cluster, task (id), container, then command and interactive, or target,
  document, parameters and reason; time (epoch seconds) and terminated.
  POST /_proxy/reset-stats clears the sessions;
- translates CloudWatch's smithy-rpc-v2-cbor protocol, which aws-sdk-cloudwatch speaks and
  moto does not, to CloudWatch's JSON protocol (what botocore speaks; moto answers a
  GetMetricData of 500 queries in it about ten times faster than in the query protocol)
  and back (the logic is in tests/proxy_cloudwatch.py), for GetMetricData and
  DescribeAlarms (the product's reads), PutMetricData, PutMetricAlarm and SetAlarmState
  (for tests to seed moto through the SDK). POST /service/GraniteServiceVersion20100801/
  operation/OP with a CBOR map (gunzipped first with Content-Encoding: gzip, PutMetricData's
  request compression) becomes POST / with Content-Type: application/x-amz-json-1.0,
  X-Amz-Target: GraniteServiceVersion20100801.OP and the same members as JSON (timestamps
  as epoch seconds to the millisecond, blobs base64, nulls left out), with the call's
  Authorization (region, account). moto's JSON answer (timestamps epoch seconds) becomes
  the CBOR of the operation's output in CloudWatch's model, members typed as the model
  types them:
    GetMetricData   {MetricDataResults: [{Id, Label, Timestamps, Values, StatusCode,
                    Messages}], Messages, NextToken};
    DescribeAlarms  {MetricAlarms: [{AlarmName, AlarmArn, AlarmDescription,
                    AlarmConfigurationUpdatedTimestamp, ActionsEnabled, OKActions,
                    AlarmActions, InsufficientDataActions, StateValue, StateReason,
                    StateReasonData, StateUpdatedTimestamp, MetricName, Namespace,
                    Statistic, ExtendedStatistic, Dimensions: [{Name, Value}], Period, Unit,
                    EvaluationPeriods, DatapointsToAlarm, Threshold, ComparisonOperator,
                    TreatMissingData, Metrics, ...}], CompositeAlarms, NextToken};
  timestamps as tag 1 (epoch seconds: an integer when whole, else a float to the
  millisecond), doubles always as floats, integers as integers; headers smithy-protocol:
  rpc-v2-cbor, Content-Type: application/cbor, x-amzn-RequestId (moto's). The writes have
  no output: 200, no body, no Content-Type. Errors (moto's JSON errors, {"__type":
  "GraniteServiceVersion20100801#SHAPE", "message"} with x-amzn-query-error CODE;TYPE, the
  code taken from that header, else from the shape's name; the faults'; the refusals
  here) keep their HTTP status and come as rpc-v2-cbor errors: body {"__type": the error
  shape's id (com.amazonaws.cloudwatch#ResourceNotFound, ...#ValidationException,
  ...#InternalServiceFault; com.amazon.coral.availability#ThrottlingException), "message"},
  header x-amzn-query-error: CODE;Sender (Receiver for 5xx) with CloudWatch's query code
  (ResourceNotFound, ValidationError, InternalServiceError, Throttling, ...), which the
  SDK takes as the error code (CloudWatch is awsQueryCompatible). A fault's `type` may be
  a query code or a shape name: the throttle fault's ThrottlingException goes out as
  Throttling, which the SDK retries as throttling; "garbage" is a 200 application/cbor
  that is not CBOR. These calls are counted, recorded, rate-limited and faulted by
  operation (target GetMetricData, ...) as any other, the region from the signature; the
  stats' cluster is the request's first ClusterName dimension. As AWS, unlike moto:
    GetMetricData   more than 500 MetricDataQueries, or no StartTime or EndTime: HTTP 400
                    ValidationError; StartTime is rounded down as AWS rounds it (to the
                    minute when less than 15 days ago, to 5 minutes when less than 63,
                    else to the hour), so a Period of 60 gives datapoints on whole minutes;
    DescribeAlarms  AlarmNames, AlarmNamePrefix and StateValue all apply (moto applies
                    only the first given of ActionPrefix, AlarmNamePrefix, AlarmNames,
                    StateValue); only metric alarms unless AlarmTypes asks for composite
                    ones; in name order; pages of MaxRecords (1 to 100, else HTTP 400
                    ValidationError; 50 by default) with an opaque NextToken (a bad one:
                    HTTP 400 InvalidNextToken).
  Other CloudWatch operations are refused (HTTP 400 UnknownOperationException, naming
  tests/proxy_cloudwatch.py); other services' rpc-v2-cbor calls pass through. What moto
  5.2.5 does with them: GetMetricData honours MetricStat's Period and Stat (SampleCount,
  Sum, Average, Minimum, Maximum; a percentile such as p99 makes moto fail, HTTP 500
  InternalServiceError here), Unit, ReturnData and ScanBy (TimestampDescending by
  default: newest first); datapoints are Period-long buckets from StartTime, only those
  with data; a MetricStat with Dimensions matches metrics by name and the exact set of
  dimensions, whatever their namespace; an Expression can only be another query's Id
  (whose values it copies), a Metrics Insights query (SELECT ...) sums all data; the
  Label defaults to "METRIC STAT"; MaxDatapoints, NextToken and LabelOptions are passed on
  and ignored: one answer, never a NextToken. moto does not evaluate alarms: an alarm is
  OK from its creation (AWS: INSUFFICIENT_DATA) whatever the data, so tests put one in
  ALARM with SetAlarmState; ChildrenOfAlarmName and ParentsOfAlarmName are ignored.

Everything else passes through untouched. Standard library only, and cbor2 for
CloudWatch's CBOR (scripts/test.sh installs it, pinned, into .venv, next to moto); without
cbor2 the proxy serves everything else and answers CloudWatch's rpc-v2-cbor calls HTTP 501
with a text that says to install it.

    .venv/bin/python tests/aws_proxy.py --port 4567 --upstream http://127.0.0.1:5000
"""

import argparse
import base64
import binascii
import http.client
import itertools
import json
import os
import re
import struct
import sys
import threading
import time
import urllib.parse
import uuid
import zlib
from collections import Counter, deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape as xml_escape

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))  # proxy_*.py are beside
import proxy_cloudwatch  # noqa: E402
import proxy_exec  # noqa: E402

ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
LOGS_PREFIX = "Logs_20140328."
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
KEY_IN_AUTH = re.compile(r"Credential=([^/]+)/")
# What AWS answers a throttled request: the throttle fault's and the rate limits' answer.
THROTTLE = (400, "ThrottlingException", "Rate exceeded")
# Rate-limit categories: name -> (operations, burst, sustained requests a second); ECS's,
# then CloudWatch's (per-second TPS quotas: burst = rate).
RATE_LIMITS = {
    "service_read": ({"DescribeServices", "ListServices"}, 100, 20),
    "service_modify": ({"CreateService", "UpdateService", "DeleteService"}, 50, 5),
    "cluster_resource_read": ({"DescribeTasks", "ListTasks", "DescribeContainerInstances",
                               "ListContainerInstances"}, 100, 20),
    "cluster_read": ({"DescribeClusters", "ListClusters"}, 50, 20),
    "task_definition_read": ({"DescribeTaskDefinition", "ListTaskDefinitions",
                              "ListTaskDefinitionFamilies"}, 50, 20),
    "task_definition_register": ({"RegisterTaskDefinition", "DeregisterTaskDefinition"},
                                 20, 1),
    "run_stop": ({"RunTask", "StopTask"}, 100, 40),
    "get_metric_data": ({"GetMetricData"}, 50, 50),
    "describe_alarms": ({"DescribeAlarms"}, 9, 9),
}
CLOUDWATCH_CATEGORIES = {"get_metric_data", "describe_alarms"}
# Operation -> its category, for ECS targets and CloudWatch (rpc-v2-cbor) operations.
CATEGORY_OF = {op: name for name, (ops, _, _) in RATE_LIMITS.items() for op in ops
               if name not in CLOUDWATCH_CATEGORIES}
CLOUDWATCH_CATEGORY_OF = {op: name for name, (ops, _, _) in RATE_LIMITS.items() for op in ops
                          if name in CLOUDWATCH_CATEGORIES}
# How many API requests /_proxy/timeline keeps.
TIMELINE = 200000
FAULT_KINDS = {"error", "throttle", "hang", "drop", "garbage", "delay"}
GARBAGE = b"<html>502 Bad Gateway</html>\x00\xff"
# Exceptions the Live Tail stream models; others get "__type" in their payload.
LIVE_TAIL_EXCEPTIONS = {"SessionTimeoutException", "SessionStreamingException"}
LIVE_TAIL_DEFAULTS = {"mode": "moto", "update_ms": 1000, "sample_max": 500,
                      "initial_response": True}


class State:
    """What all handler threads share, behind one lock."""

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.stats = Counter()  # (target, region, cluster, log group) -> requests
        self.faulted = Counter()  # target -> requests a fault was applied to
        self.faults = []
        self.fault_ids = itertools.count(1)
        self.hanging = {}  # threading.Event -> (fault target, request target)
        self.requests = deque(maxlen=RECORDED)  # (target, region, body text)
        self.live_tail = dict(LIVE_TAIL_DEFAULTS)
        self.live_tail_scoped = []  # configs with a "match", first match wins
        self.sessions = deque(maxlen=1000)  # the stand-in's Live Tail sessions
        self.started = time.monotonic()
        self.limits = {"buckets": False, "latency_ms": 0, "rates": {}}  # rates: overrides
        self.buckets = {}  # (category, region) -> TokenBucket, made full when first used
        self.throttled = Counter()  # category -> requests its buckets throttled
        self.timeline = deque(maxlen=TIMELINE)  # (t, target, region, throttled)
        self.snapshots = {}  # id -> (when, moto's answer) of a list being paged
        self.snapshot_ids = itertools.count(1)
        self.exec = proxy_exec.ExecState()  # ECS Exec: tasks' settings, overrides, sessions

    def snapshot(self, answer):
        """Keeps moto's answer to a list's first page for its later pages; the id."""
        with self.lock:
            now = time.monotonic()
            for old in [k for k, (t, _) in self.snapshots.items() if now - t > SNAPSHOT_SECONDS]:
                del self.snapshots[old]
            snapshot = next(self.snapshot_ids)
            self.snapshots[snapshot] = (now, answer)
            return snapshot

    def snapshot_answer(self, snapshot):
        with self.lock:
            kept = self.snapshots.get(snapshot)
            if kept is None or time.monotonic() - kept[0] > SNAPSHOT_SECONDS:
                return None
            return dict(kept[1])

    def arrive(self, target, region, category):
        """Puts an API request that just arrived on the timeline, taking a token from its
        bucket when it has one; (throttled, seconds of latency to add)."""
        with self.lock:
            now = time.monotonic()  # read under the lock: buckets see time go forward
            throttled = False
            if self.limits["buckets"] and category:
                bucket = self.buckets.get((category, region))
                if bucket is None:
                    bucket = TokenBucket(*self.rates()[category], now)
                    self.buckets[(category, region)] = bucket
                throttled = not bucket.take(now)
                if throttled:
                    self.throttled[category] += 1
            self.timeline.append((now - self.started, target, region, throttled))
            return throttled, self.limits["latency_ms"] / 1000

    def rates(self):
        """category -> [burst, per second] in force (the lock held)."""
        return {name: list(self.limits["rates"].get(name, (burst, rate)))
                for name, (_, burst, rate) in RATE_LIMITS.items()}

    def limits_view(self):
        """What GET /_proxy/limits shows."""
        with self.lock:
            return dict(self.limits, rates=self.rates(),
                        throttled={name: self.throttled[name] for name in RATE_LIMITS})

    def set_limits(self, value):
        """Replaces the rate-limit config with the body of POST /_proxy/limits (what GET
        shows may be posted back) and fills the buckets; ValueError when it makes no
        sense."""
        value = {k: v for k, v in value.items() if k != "throttled"}  # not a setting
        unknown = set(value) - {"buckets", "latency_ms", "rates"}
        if unknown:
            raise ValueError(f"unknown limits fields: {sorted(unknown)}")
        buckets = value.get("buckets", False)
        latency = value.get("latency_ms", 0)
        rates = {} if value.get("rates") is None else value["rates"]
        if not isinstance(buckets, bool):
            raise ValueError("buckets must be true or false")
        if not is_number(latency) or latency < 0:
            raise ValueError("latency_ms must be a number >= 0")
        if not isinstance(rates, dict):
            raise ValueError("rates must be an object")
        for name, pair in rates.items():
            if name not in RATE_LIMITS:
                raise ValueError(f"unknown rate category {name!r}; one of {list(RATE_LIMITS)}")
            if (not isinstance(pair, list) or len(pair) != 2
                    or not all(is_number(n) and n >= 0 for n in pair)):
                raise ValueError(f"rates.{name} must be [burst, per_second], both >= 0")
        with self.lock:
            self.limits = {"buckets": buckets, "latency_ms": latency,
                           "rates": {name: list(pair) for name, pair in rates.items()}}
            self.buckets = {}

    def count(self, target, region, cluster, group=""):
        with self.lock:
            self.stats[(target, region, cluster, group)] += 1

    def record(self, target, region, text):
        with self.lock:
            self.requests.append((target, region, text))

    def take_fault(self, target, body):
        """The first active fault for this request (its count spent by one), or None."""
        with self.lock:
            for fault in self.faults:
                if fault["target"] in ("*", target) and fault.get("match", "") in body:
                    if fault["count"] >= 0:
                        fault["count"] -= 1
                        if fault["count"] <= 0:
                            self.faults.remove(fault)
                    self.faulted[target] += 1
                    return dict(fault)
        return None

    def live_tail_config(self, names):
        """The Live Tail config for a call on these log group names: the first scoped
        config whose match is in one of the names, else the global one."""
        with self.lock:
            for config in self.live_tail_scoped:
                if any(config["match"] in name for name in names):
                    return dict(config)
            return dict(self.live_tail)

    def set_live_tail(self, value):
        """Stores a config from the body of POST /_proxy/livetail (scoped when it has a
        "match"); ValueError when it makes no sense. Returns the stored config."""
        config = dict(LIVE_TAIL_DEFAULTS, **value)
        config.pop("scoped", None)  # as GET /_proxy/livetail shows it: not a setting
        if config["mode"] not in ("moto", "standin"):
            raise ValueError('mode must be "moto" or "standin"')
        if not config["update_ms"] > 0 or not config["sample_max"] >= 0:
            raise ValueError("update_ms must be > 0 and sample_max >= 0")
        match = config.get("match")
        if "match" in config and (not isinstance(match, str) or not match):
            raise ValueError("match must be a non-empty string")
        with self.lock:
            if match is None:
                self.live_tail = config
            else:
                for i, old in enumerate(self.live_tail_scoped):
                    if old["match"] == match:
                        self.live_tail_scoped[i] = config
                        break
                else:
                    self.live_tail_scoped.append(config)
        return config

    def clear_live_tail(self, match=None):
        """Removes the scoped Live Tail configs (all, or the one with this match)."""
        with self.lock:
            self.live_tail_scoped = [c for c in self.live_tail_scoped
                                     if match is not None and c["match"] != match]

    def clear(self, target=None, match=None):
        """Removes faults (all, or those of `target` and/or with this `match`) and releases
        the requests hanging on them."""
        def chosen(t, m):
            return (target is None or target == t) and (match is None or match == m)
        with self.lock:
            self.faults = [f for f in self.faults if not chosen(f["target"], f.get("match", ""))]
            for event, (fault_target, request_target, fault_match) in self.hanging.items():
                if chosen(fault_target, fault_match) or (match is None and target == request_target):
                    event.set()


class TokenBucket:
    """One AWS token bucket: at most `burst` tokens, `rate` more each second; a request
    takes one or is throttled. Not locked itself: State.arrive holds the lock."""

    def __init__(self, burst, rate, now):
        self.burst, self.rate, self.tokens, self.at = burst, rate, burst, now

    def take(self, now):
        """True (a token taken) or False (throttled) for a request at `now` (seconds)."""
        self.tokens = min(self.burst, self.tokens + (now - self.at) * self.rate)
        self.at = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def short_target(target):
    return target.rsplit(".", 1)[-1] if target else ""


def make_fault(raw):
    """A fault from the body of POST /_proxy/inject; ValueError when it makes no sense."""
    fault = dict(raw)
    if not fault.get("target"):
        raise ValueError("target is required")
    fault["target"] = short_target(str(fault["target"]))
    kind = fault.setdefault("kind", "error" if fault.get("status") else "delay")
    if kind not in FAULT_KINDS:
        raise ValueError(f"kind must be one of {sorted(FAULT_KINDS)}")
    if kind == "throttle":
        for key, default in zip(("status", "type", "message"), THROTTLE):
            fault.setdefault(key, default)
    if kind == "error":
        fault.setdefault("status", 500)
    count = fault.get("count", 1)
    fault["count"] = -1 if count is None or count < 0 else count
    return fault


def task_definition_order(arn):
    """ECS's order of task definition ARNs: by family name, then by revision number."""
    name = str(arn).rsplit("/", 1)[-1]
    family, _, revision = name.rpartition(":")
    return (family, int(revision) if revision.isdigit() else 0)


def encode_token(offset, snapshot=None):
    token = {"offset": offset}
    if snapshot is not None:
        token["snapshot"] = snapshot
    return base64.urlsafe_b64encode(json.dumps(token).encode()).decode()


def decode_token(token):
    """(offset, snapshot id or None) of a nextToken."""
    decoded = json.loads(base64.urlsafe_b64decode(token.encode()))
    offset = decoded["offset"]
    if not isinstance(offset, int) or offset < 0:
        raise ValueError("bad offset")
    snapshot = decoded.get("snapshot")
    if snapshot is not None and not isinstance(snapshot, int):
        raise ValueError("bad snapshot")
    return offset, snapshot


# How long a list's snapshot serves its later pages.
SNAPSHOT_SECONDS = 60


def event_frame(headers, payload=b""):
    """One AWS event-stream message; `headers` maps names to string values (type 7)."""
    encoded = b""
    for name, value in headers.items():
        name, value = name.encode(), value.encode()
        encoded += struct.pack(">B", len(name)) + name + b"\x07"
        encoded += struct.pack(">H", len(value)) + value
    prelude = struct.pack(">II", 12 + len(encoded) + len(payload) + 4, len(encoded))
    message = prelude + struct.pack(">I", zlib.crc32(prelude)) + encoded + payload
    return message + struct.pack(">I", zlib.crc32(message))


def json_event(event_type, value):
    return event_frame({":message-type": "event", ":event-type": event_type,
                        ":content-type": "application/json"}, json.dumps(value).encode())


def exception_frame(error_type, message):
    value = {"message": message}
    if error_type not in LIVE_TAIL_EXCEPTIONS:
        value = {"__type": error_type, "message": message}
    return event_frame({":message-type": "exception", ":exception-type": error_type,
                        ":content-type": "application/json"}, json.dumps(value).encode())


def parse_group(identifier, default_region):
    """(region, log group name) of a Live Tail log group ARN (or plain name)."""
    identifier = str(identifier)
    if ":log-group:" not in identifier:
        return default_region, identifier
    head, name = identifier.split(":log-group:", 1)
    if name.endswith(":*"):
        name = name[:-2]
    parts = head.split(":")
    return (parts[3] if len(parts) > 3 and parts[3] else default_region), name


class ClientGone(Exception):
    """The Live Tail client closed its connection."""


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the SDK's connection pool expects
    state = None  # set by make_server()

    def log_message(self, fmt, *args):
        sys.stderr.write("proxy: " + (fmt % args) + "\n")

    def handle(self):
        try:
            super().handle()
        except ConnectionResetError:
            pass  # the client went away between requests

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

    def query_error(self, status, error_type, message, ec2):
        """An error of a query-protocol service: EC2's shape, or the other query APIs'."""
        code, text, request_id = xml_escape(error_type), xml_escape(message), uuid.uuid4()
        if ec2:
            xml = (f"<Response><Errors><Error><Code>{code}</Code><Message>{text}</Message>"
                   f"</Error></Errors><RequestID>{request_id}</RequestID></Response>")
        else:
            xml = (f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>"
                   f"{text}</Message></Error><RequestId>{request_id}</RequestId></ErrorResponse>")
        self.reply(status, ('<?xml version="1.0" encoding="UTF-8"?>' + xml).encode(),
                   [("Content-Type", "text/xml")])

    def upstream(self, method, path, body, headers):
        """Sends a request to moto; returns (status, headers, body)."""
        up = self.state.upstream
        conn = http.client.HTTPConnection(up.hostname, up.port, timeout=120)
        headers = dict(headers, **{"Content-Length": str(len(body)), "Host": up.netloc})
        try:
            conn.request(method, path, body=body, headers=headers)
            resp = conn.getresponse()
            return resp.status, resp.getheaders(), resp.read()
        finally:
            conn.close()

    def forward(self, body):
        """Sends the request to moto; returns (status, headers, body)."""
        headers = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
        return self.upstream(self.command, self.path, body, headers)

    def pass_through(self, body):
        status, headers, data = self.forward(body)
        self.reply(status, data, [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP])

    def region(self):
        """The region the request is signed for ("" when unsigned)."""
        auth = REGION_IN_AUTH.search(self.headers.get("Authorization", ""))
        return auth.group(1) if auth else ""

    def hang_up(self):
        """Ends the exchange without (the rest of) an answer: the connection closes."""
        self.close_connection = True

    # -- verbs ---------------------------------------------------------------------------

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        query = dict(urllib.parse.parse_qsl(url.query))
        if url.path == "/_proxy/stats":
            totals = Counter()
            with self.state.lock:
                for (target, region, cluster, group), n in self.state.stats.items():
                    if all(query.get(k, v) == v for k, v in
                           (("target", target), ("region", region), ("cluster", cluster),
                            ("group", group))):
                        totals[target] += n
            return self.reply_json(200, dict(totals))
        if url.path == "/_proxy/faulted":
            with self.state.lock:
                return self.reply_json(200, dict(self.state.faulted))
        if url.path == "/_proxy/faults":
            with self.state.lock:
                return self.reply_json(200, [dict(f) for f in self.state.faults])
        if url.path == "/_proxy/livetail":
            if "group" in query:
                return self.reply_json(200, self.state.live_tail_config([query["group"]]))
            with self.state.lock:
                return self.reply_json(200, dict(
                    self.state.live_tail,
                    scoped=[dict(c) for c in self.state.live_tail_scoped]))
        if url.path == "/_proxy/livetail/sessions":
            group = query.get("group", "")
            with self.state.lock:
                found = [dict(s) for s in self.state.sessions
                         if not group or any(group in g for g in s["groups"])]
            return self.reply_json(200, found)
        if url.path == "/_proxy/limits":
            return self.reply_json(200, self.state.limits_view())
        if url.path == "/_proxy/exec":
            return self.reply_json(200, self.state.exec.view(query.get("task", "")))
        if url.path == "/_proxy/timeline":
            target = short_target(query.get("target", ""))
            try:
                since = float(query.get("since", "-inf"))
            except ValueError:
                return self.reply_json(400, {"error": "since must be a number of seconds"})
            with self.state.lock:  # copied under the lock, filtered outside it
                now = time.monotonic() - self.state.started
                recorded = list(self.state.timeline)
            found = [{"t": t, "target": tt, "region": region, "throttled": throttled}
                     for t, tt, region, throttled in recorded
                     if t >= since and (not target or tt == target)]
            return self.reply_json(200, {"now": now, "requests": found})
        if url.path == "/_proxy/requests":
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
        if self.path.startswith("/_proxy/"):
            try:
                value = json.loads(body) if body.strip() else {}
                if not isinstance(value, dict):
                    raise ValueError("a JSON object is expected")
                return self.control(self.path, value)
            except (ValueError, TypeError) as e:
                return self.reply_json(400, {"error": str(e)})
        self.handle_api(body)

    def control(self, path, value):
        state = self.state
        if path == "/_proxy/reset-stats":
            with state.lock:
                state.stats.clear()
                state.faulted.clear()
                state.throttled.clear()
                state.timeline.clear()
                state.buckets = {}  # full again
            state.exec.clear_sessions()
            return self.reply_json(200, {})
        if path == "/_proxy/limits":
            state.set_limits(value)
            return self.reply_json(200, state.limits_view())
        if path == "/_proxy/inject":
            fault = make_fault(value)
            with state.lock:
                fault["id"] = next(state.fault_ids)
                state.faults.append(fault)
            return self.reply_json(200, {"id": fault["id"]})
        if path == "/_proxy/clear":
            target = value.get("target")
            state.clear(short_target(str(target)) if target else None, value.get("match"))
            return self.reply_json(200, {})
        if path == "/_proxy/livetail":
            return self.reply_json(200, state.set_live_tail(value))
        if path == "/_proxy/livetail/clear":
            state.clear_live_tail(value.get("match"))
            return self.reply_json(200, {})
        if path == "/_proxy/exec":
            return self.reply_json(200, state.exec.override(value))
        if path == "/_proxy/exec/clear":
            state.exec.clear(value.get("task"))
            return self.reply_json(200, {})
        self.reply_json(404, {"error": f"no such proxy endpoint: {path}"})

    def do_PUT(self):
        self.pass_through(self.read_body())

    def do_DELETE(self):
        self.pass_through(self.read_body())

    def do_HEAD(self):
        self.pass_through(self.read_body())

    # -- faults --------------------------------------------------------------------------

    def apply_fault(self, fault, target, body, query=None, exchange=None):
        """Carries out a fault taken for this request; False when the request goes on.
        `exchange`: the proxy_cloudwatch.Exchange of an rpc-v2-cbor call, which forwards
        it and answers its errors and garbage in that protocol."""
        time.sleep(fault.get("delay_ms", 0) / 1000)
        kind = fault["kind"]
        if kind == "delay":
            return False
        if fault.get("forward"):
            if exchange is not None:
                exchange.forward()
            else:
                self.forward(body)
        if kind in ("error", "throttle"):
            error_type = fault.get("type", "InternalFailure")
            message = fault.get("message", "injected by aws_proxy")
            if exchange is not None:
                exchange.error(fault["status"], error_type, message)
            elif query is not None:
                self.query_error(fault["status"], error_type, message,
                                 ec2=query.get("Version") == "2016-11-15")
            else:
                self.aws_error(fault["status"], error_type, message)
        elif kind == "garbage":
            if exchange is not None:
                exchange.garbage(GARBAGE)
            else:
                self.reply(200, GARBAGE, [("Content-Type", "application/x-amz-json-1.1")])
        elif kind == "hang":
            released = threading.Event()
            with self.state.lock:
                self.state.hanging[released] = (fault["target"], target, fault.get("match", ""))
            try:
                released.wait(fault.get("hang_ms", 600000) / 1000)
            finally:
                with self.state.lock:
                    del self.state.hanging[released]
            self.hang_up()
        else:  # drop
            self.hang_up()
        return True

    # -- AWS behaviour -------------------------------------------------------------------

    def handle_api(self, body):
        target = short_target(self.headers.get("X-Amz-Target", ""))
        rpc_v2 = proxy_cloudwatch.route(urllib.parse.urlsplit(self.path).path)
        if rpc_v2 and not target:
            return self.handle_rpc_v2(body, *rpc_v2)
        if not target:
            return self.handle_query(body)
        text = body.decode("utf-8", "replace")
        try:
            request = json.loads(body) if body else {}
        except ValueError:
            request = {}
        if not isinstance(request, dict):
            request = {}
        region = self.region()
        category = None
        if self.headers.get("X-Amz-Target", "").startswith(ECS_PREFIX):
            category = CATEGORY_OF.get(target)
        throttled, latency = self.state.arrive(target, region, category)
        cluster = str(request.get("cluster", "")).rsplit("/", 1)[-1]
        group = str(request.get("logGroupName") or request.get("logGroupIdentifier") or "")
        if not group and request.get("logGroupIdentifiers"):  # StartLiveTail: ARNs
            group = str(request["logGroupIdentifiers"][0]).split(":log-group:", 1)[-1]
        self.state.count(target, region, cluster, group)
        self.state.record(target, region, text)
        time.sleep(latency)
        if throttled:
            return self.aws_error(*THROTTLE)

        fault = self.state.take_fault(target, text)
        if fault and self.apply_fault(fault, target, body):
            return

        if target == "StartLiveTail":
            names = [parse_group(g, region)[1]
                     for g in request.get("logGroupIdentifiers") or []]
            config = self.state.live_tail_config(names)
            if config["mode"] == "standin":
                return self.live_tail(request, region, config)
        is_ecs = self.headers.get("X-Amz-Target", "").startswith(ECS_PREFIX)
        if is_ecs and target in DESCRIBES:
            key, most = DESCRIBES[target]
            asked = len(request.get(key) or [])
            if asked > most:
                return self.aws_error(400, "InvalidParameterException",
                                      f"{key} can have at most {most} items (got {asked}).")
        if is_ecs and target in LISTS:
            return self.list_page(target, request, *LISTS[target])
        hook = proxy_exec.HOOKS.get(self.headers.get("X-Amz-Target", ""))
        if hook:
            return hook(self, request, body, region)
        self.pass_through(body)

    def handle_rpc_v2(self, body, service, op):
        """CloudWatch's rpc-v2-cbor calls: counted, recorded, limited and faulted by their
        operation, then translated to moto's JSON protocol and back (proxy_cloudwatch.py).
        Other services' rpc-v2-cbor calls pass through untouched."""
        if not proxy_cloudwatch.is_cloudwatch(service):
            return self.pass_through(body)
        exchange = proxy_cloudwatch.Exchange(self, service, op, body)
        region = self.region()
        throttled, latency = self.state.arrive(op, region, CLOUDWATCH_CATEGORY_OF.get(op))
        self.state.count(op, region, exchange.cluster())
        self.state.record(op, region, exchange.text)
        time.sleep(latency)
        if exchange.refuse_unreadable():  # no cbor2 here, or a body that is not CBOR
            return
        if throttled:
            return exchange.error(*THROTTLE)
        fault = self.state.take_fault(op, exchange.text)
        if fault and self.apply_fault(fault, op, body, exchange=exchange):
            return
        exchange.answer()

    def handle_query(self, body):
        """Query protocols (EC2) and the moto API: faults by Action, then moto."""
        query = {}
        if "x-www-form-urlencoded" in self.headers.get("Content-Type", ""):
            query = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        action = query.get("Action", "")
        if action:
            _, latency = self.state.arrive(action, self.region(), None)
            self.state.record(action, self.region(), body.decode("utf-8", "replace"))
            time.sleep(latency)
            fault = self.state.take_fault(action, body.decode("utf-8", "replace"))
            if fault and self.apply_fault(fault, action, body, query):
                return
        self.pass_through(body)

    def list_page(self, target, request, key, default_size):
        token = request.pop("nextToken", None)
        size = request.pop("maxResults", None)
        if size is not None and not (isinstance(size, int) and 1 <= size <= 100):
            return self.aws_error(400, "InvalidParameterException",
                                  "maxResults must be between 1 and 100.")
        try:
            offset, snapshot = decode_token(token) if token else (0, None)
        except (ValueError, KeyError, TypeError, binascii.Error, json.JSONDecodeError):
            return self.aws_error(400, "InvalidParameterException", "Invalid nextToken.")
        answer = self.state.snapshot_answer(snapshot) if snapshot is not None else None
        headers = [("Content-Type", "application/x-amz-json-1.1")]
        if answer is None:
            status, headers, data = self.forward(json.dumps(request).encode())
            if status != 200:
                return self.reply(status, data,
                                  [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP])
            answer = json.loads(data)
            snapshot = self.state.snapshot(dict(answer))
        items = answer.get(key) or []
        if target == "ListTaskDefinitions" and request.get("sort") in ("ASC", "DESC"):
            items = sorted(items, key=task_definition_order, reverse=request["sort"] == "DESC")
        end = offset + (size or default_size)
        answer[key] = items[offset:end]
        answer.pop("nextToken", None)
        if end < len(items):
            answer["nextToken"] = encode_token(end, snapshot)
        keep = [(k, v) for k, v in headers if k.lower() not in HOP_BY_HOP]
        self.reply(200, json.dumps(answer).encode(), keep)

    # -- Live Tail stand-in --------------------------------------------------------------

    def filter_log_events(self, region, name, start_ms, stream_names, pattern, limit=None):
        """moto's events of one group from start_ms on: (status, events or error body)."""
        key = KEY_IN_AUTH.search(self.headers.get("Authorization", ""))
        auth = (f"AWS4-HMAC-SHA256 Credential={key.group(1) if key else 'testing'}/20260101/"
                f"{region or 'us-east-1'}/logs/aws4_request, SignedHeaders=host, Signature=x")
        headers = {"Content-Type": "application/x-amz-json-1.1", "Authorization": auth,
                   "X-Amz-Target": LOGS_PREFIX + "FilterLogEvents"}
        request = {"logGroupName": name, "startTime": start_ms}
        if stream_names:
            request["logStreamNames"] = stream_names
        if pattern:
            request["filterPattern"] = pattern
        if limit:
            request["limit"] = limit
        events = []
        for _ in range(1000):  # pages; a bound in case a token never ends
            try:
                status, _, data = self.upstream("POST", "/", json.dumps(request).encode(),
                                                headers)
            except OSError as e:
                return 502, str(e).encode()
            if status != 200:
                return status, data
            answer = json.loads(data)
            events += answer.get("events") or []
            if limit or not answer.get("nextToken"):
                break
            request["nextToken"] = answer["nextToken"]
        return 200, events

    def send_chunk(self, data):
        try:
            self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
            self.wfile.flush()
        except OSError as e:
            raise ClientGone() from e

    def live_tail(self, request, region, config):
        """Answers StartLiveTail with an event stream fed from moto's FilterLogEvents, as
        `config` (the Live Tail config that applies to the call) says."""
        start_ms, start = int(time.time() * 1000), time.monotonic()
        groups = [str(g) for g in request.get("logGroupIdentifiers") or []]
        stream_names = request.get("logStreamNames") or []
        prefixes = request.get("logStreamNamePrefixes") or []
        pattern = request.get("logEventFilterPattern") or ""
        request_id = str(uuid.uuid4())
        session = {"sessionId": str(uuid.uuid4()), "requestId": request_id,
                   "host": self.headers.get("Host", ""), "groups": groups,
                   "logStreamNames": stream_names, "logStreamNamePrefixes": prefixes,
                   "logEventFilterPattern": pattern, "match": config.get("match"),
                   "started_ms": start_ms,
                   "updates": 0, "events": 0, "dropped": 0, "ended": None, "ended_ms": None}
        with self.state.lock:
            self.state.sessions.append(session)

        def end(how):
            with self.state.lock:
                session.update(ended=how, ended_ms=int(time.time() * 1000))

        if config.get("refuse"):
            end("refused: " + config["refuse"])
            return self.aws_error(400, config["refuse"],
                                  config.get("refuse_message", "injected by aws_proxy"))
        targets = [(arn,) + parse_group(arn, region) for arn in groups]
        for arn, group_region, name in targets:  # a missing group fails as in AWS
            status, found = self.filter_log_events(group_region, name, start_ms,
                                                   stream_names, pattern, limit=1)
            if status != 200:
                end(f"upstream error {status}")
                return self.reply(status, found, [
                    ("Content-Type", "application/x-amz-json-1.1"),
                    ("x-amzn-RequestId", request_id)])

        self.send_response(200)
        self.send_header("Content-Type", "application/vnd.amazon.eventstream")
        self.send_header("Transfer-Encoding", "chunked")
        self.send_header("x-amzn-RequestId", request_id)
        self.end_headers()
        stops = []  # (when, order, what) of the configured ends of the session
        for order, (key, what) in enumerate((("drop_after_ms", "drop"),
                                             ("error_after_ms", "error"),
                                             ("end_after_ms", "timeout"))):
            if config.get(key) is not None:
                stops.append((start + config[key] / 1000, order, what))
        stop = min(stops) if stops else None
        seen = set()
        try:
            if config.get("initial_response", True):
                self.send_chunk(event_frame({":message-type": "event",
                                             ":event-type": "initial-response"}))
            self.send_chunk(json_event("sessionStart", {
                "requestId": request_id, "sessionId": session["sessionId"],
                "logGroupIdentifiers": groups, "logStreamNames": stream_names,
                "logStreamNamePrefixes": prefixes, "logEventFilterPattern": pattern}))
            for n in itertools.count(1):
                next_update = start + n * config["update_ms"] / 1000
                if stop and stop[0] <= next_update:
                    time.sleep(max(0.0, stop[0] - time.monotonic()))
                    break
                time.sleep(max(0.0, next_update - time.monotonic()))
                fresh = []
                for arn, group_region, name in targets:
                    status, found = self.filter_log_events(group_region, name, start_ms,
                                                           stream_names, pattern)
                    if status != 200:
                        continue  # (the group went away) nothing new from it
                    for e in found:
                        stream = e.get("logStreamName", "")
                        key = (arn, e.get("eventId") or (stream, e.get("timestamp"),
                                                         e.get("message")))
                        if key in seen or (prefixes and
                                           not any(stream.startswith(p) for p in prefixes)):
                            continue
                        seen.add(key)
                        fresh.append({"logStreamName": stream, "logGroupIdentifier": arn,
                                      "message": e.get("message", ""),
                                      "timestamp": e.get("timestamp", 0),
                                      "ingestionTime": e.get("ingestionTime", 0)})
                fresh.sort(key=lambda e: (e["timestamp"], e["ingestionTime"]))
                sent = fresh[:config["sample_max"]]
                # Counted before the frame goes out, so a client that has read it
                # never finds the counts behind.
                with self.state.lock:
                    session["updates"] += 1
                    session["events"] += len(sent)
                    session["dropped"] += len(fresh) - len(sent)
                self.send_chunk(json_event("sessionUpdate", {
                    "sessionMetadata": {"sampled": len(fresh) > len(sent)},
                    "sessionResults": sent}))
            what = stop[2]
            if what == "drop":
                end("dropped")
                return self.hang_up()
            if what == "error":
                error_type = config.get("error_type") or "SessionStreamingException"
                self.send_chunk(exception_frame(
                    error_type, config.get("error_message", "injected by aws_proxy")))
                end("error: " + error_type)
            else:
                self.send_chunk(exception_frame("SessionTimeoutException", "Session timed out"))
                end("SessionTimeoutException")
            self.send_chunk(b"")  # the end of the chunked body
        except ClientGone:
            end("client closed")
            self.hang_up()


def make_server(upstream, host="127.0.0.1", port=0):
    """A proxy server (not yet serving) with its own state; port 0 picks a free one."""
    handler = type("BoundHandler", (Handler,), {"state": State(upstream)})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--upstream", required=True, help="moto's URL")
    args = parser.parse_args()
    server = make_server(args.upstream, args.host, args.port)
    print(f"aws_proxy on http://{args.host}:{args.port} -> {args.upstream}", file=sys.stderr)
    if proxy_cloudwatch.cbor2 is None:
        print(f"aws_proxy: cbor2 is not installed for {sys.executable}: CloudWatch's CBOR "
              f"calls will be answered 501 (install {proxy_cloudwatch.CBOR2_PIN})",
              file=sys.stderr)
    server.serve_forever()


if __name__ == "__main__":
    main()
