"""CloudWatch's smithy-rpc-v2-cbor protocol for tests/aws_proxy.py, which moto lacks.

aws_proxy.py documents the behaviour (its docstring); this module holds the translation.
aws-sdk-cloudwatch speaks rpc-v2-cbor (POST /service/GraniteServiceVersion20100801/
operation/OP, a CBOR map as body); moto 5.2.5 answers CloudWatch's query protocol (a form,
XML answers) and its JSON protocol (what current botocore speaks: POST / with
Content-Type application/x-amz-json-1.0, X-Amz-Target GraniteServiceVersion20100801.OP,
a JSON body with timestamps as epoch seconds; JSON answers, timestamps as epoch numbers,
errors {"__type": "GraniteServiceVersion20100801#Shape", "message"} with
x-amzn-query-error CODE;TYPE). The proxy speaks JSON to moto: moto answers a GetMetricData
of 500 queries about ten times faster than in the query protocol. An Exchange decodes one
CBOR request, turns it into moto's JSON, and moto's JSON answer (or error) into the CBOR
answer the SDK reads: the shapes of the Smithy model (types per member below, checked against botocore's model by
tests/test_aws_proxy.py), errors as {"__type", "message"} with x-amzn-query-error, as
CloudWatch (awsQueryCompatible) sends them. aws_proxy.py counts, records, limits and
faults the call first, as any other; then Exchange.answer() does the rest.

Needs cbor2 (scripts/test.sh installs it into .venv, pinned); without it the proxy
still runs, and answers these calls 501 with a message that says so.
"""

import base64
import binascii
import gzip
import json
import math
import re
import sys
import uuid
from datetime import datetime, timedelta, timezone

try:
    import cbor2
except ImportError:  # the proxy runs on; CloudWatch calls get a 501 that says so
    cbor2 = None

SERVICE = "GraniteServiceVersion20100801"
# The serviceName segment may be the absolute shape id with "#" as "." (Smithy's rule).
SERVICE_NAMES = {SERVICE, "com.amazonaws.cloudwatch." + SERVICE}
JSON_TARGET = SERVICE + "."  # X-Amz-Target of CloudWatch's JSON protocol: this + OP
JSON_CONTENT_TYPE = "application/x-amz-json-1.0"
CBOR2_PIN = "cbor2==5.9.0"  # what scripts/test.sh installs; named in the 501 message
# {prefix?}/service/{serviceName}/operation/{operationName}
RPC_V2_PATH = re.compile(r"^(?:/[^?]*)?/service/([^/?]+)/operation/([^/?]+)(?:\?.*)?$")
READS = {"GetMetricData", "DescribeAlarms"}
WRITES = {"PutMetricData", "PutMetricAlarm", "SetAlarmState"}  # no output (Unit): empty body
OPERATIONS = READS | WRITES
MAX_METRIC_DATA_QUERIES = 500  # GetMetricData, as AWS limits it
MAX_RECORDS = (1, 100, 50)  # DescribeAlarms MaxRecords: least, most, default

# Types of the output members of GetMetricData and DescribeAlarms (GetMetricDataOutput,
# DescribeAlarmsOutput and the shapes below them in CloudWatch's model); a member name
# has one type throughout these shapes. Lists: member name -> the type of their members.
STRUCT, STRING, INTEGER, DOUBLE, BOOLEAN, TIMESTAMP = (
    "structure", "string", "integer", "double", "boolean", "timestamp")
LISTS = {
    "MetricDataResults": STRUCT, "Timestamps": TIMESTAMP, "Values": DOUBLE,
    "Messages": STRUCT, "MetricAlarms": STRUCT, "CompositeAlarms": STRUCT,
    "LogAlarms": STRUCT, "OKActions": STRING, "AlarmActions": STRING,
    "InsufficientDataActions": STRING, "Dimensions": STRUCT, "Metrics": STRUCT,
    "IncludedTagKeys": STRING, "ExcludedTagKeys": STRING, "LogGroupIdentifiers": STRING,
    "Tags": STRUCT,
}
STRUCTS = {"MetricStat", "Metric", "EvaluationWindow", "WallClockWindow", "SlidingWindow",
           "WarmUpConfiguration", "EvaluationCriteria", "PromQLCriteria",
           "ActionConfiguration", "AlarmTagsPropagation", "ScheduledQueryConfiguration",
           "ScheduleConfiguration"}
SCALARS = {
    "Period": INTEGER, "EvaluationPeriods": INTEGER, "DatapointsToAlarm": INTEGER,
    "ActionsSuppressorWaitPeriod": INTEGER, "ActionsSuppressorExtensionPeriod": INTEGER,
    "WarmUpPeriodDurationInMinutes": INTEGER, "PendingPeriod": INTEGER,
    "RecoveryPeriod": INTEGER, "EvaluationInterval": INTEGER,
    "QueryResultsToEvaluate": INTEGER, "QueryResultsToAlarm": INTEGER,
    "ActionLogLineCount": INTEGER, "StartTimeOffset": INTEGER, "EndTimeOffset": INTEGER,
    "Threshold": DOUBLE,
    "ActionsEnabled": BOOLEAN, "ReturnData": BOOLEAN, "Enabled": BOOLEAN,
    "OnlyStartEvaluatingAfterWarmUpPeriodEnds": BOOLEAN,
    "AlarmConfigurationUpdatedTimestamp": TIMESTAMP, "StateUpdatedTimestamp": TIMESTAMP,
    "StateTransitionedTimestamp": TIMESTAMP,
}  # any other member is a string

# CloudWatch's modelled errors: query code (what x-amzn-query-error and the SDK's error
# code carry) -> the error shape's name (the "__type" of an rpc-v2-cbor error).
ERROR_SHAPES = {
    "ResourceNotFound": "ResourceNotFound",
    "InvalidNextToken": "InvalidNextToken",
    "InternalServiceError": "InternalServiceFault",
    "InvalidParameterValue": "InvalidParameterValueException",
    "InvalidParameterCombination": "InvalidParameterCombinationException",
    "MissingParameter": "MissingRequiredParameterException",
    "LimitExceeded": "LimitExceededFault",
    "InvalidFormat": "InvalidFormatFault",
    "InvalidParameterInput": "DashboardInvalidInputError",
    "ResourceNotFoundException": "ResourceNotFoundException",
    "ConcurrentModificationException": "ConcurrentModificationException",
    "LimitExceededException": "LimitExceededException",
    "ResourceConflict": "ResourceConflict",
    "ValidationError": "ValidationException",
}
# Errors no CloudWatch shape models, as AWS's front end types them.
COMMON_ERRORS = {"Throttling": "com.amazon.coral.availability#ThrottlingException"}
# An error type as a fault names it (a shape name, or the JSON protocols' name) -> query
# code: the throttle fault's ThrottlingException is CloudWatch's Throttling.
QUERY_CODES = dict({shape: code for code, shape in ERROR_SHAPES.items()},
                   ThrottlingException="Throttling")


def route(path):
    """(service name, operation) of an rpc-v2-cbor request path, or None."""
    found = RPC_V2_PATH.match(path)
    return (found.group(1), found.group(2)) if found else None


def is_cloudwatch(service):
    return service in SERVICE_NAMES


def shape_id(code):
    """The "__type" of an rpc-v2-cbor error with this query code."""
    if code in ERROR_SHAPES:
        return "com.amazonaws.cloudwatch#" + ERROR_SHAPES[code]
    return COMMON_ERRORS.get(code, code)


# -- values ----------------------------------------------------------------------------


def iso(moment):
    """ISO 8601 UTC to the millisecond (the protocol's resolution; the SDK's f64 epoch
    seconds rounded, not cut), the fraction left out when whole: 2026-01-02T03:04:05.678Z."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    seconds, millis = divmod(round(moment.timestamp() * 1000), 1000)
    text = datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S")
    return text + (f".{millis:03d}Z" if millis else "Z")


def jsonable(value):
    """A decoded CBOR value as JSON can hold it (for /_proxy/requests and fault matches):
    timestamps as ISO strings, blobs as base64, other tags as {"tag", "value"}."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if cbor2 is not None and isinstance(value, cbor2.CBORTag):
        return {"tag": value.tag, "value": jsonable(value.value)}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return None  # CBOR undefined and other simple values


def as_datetime(value):
    """A request timestamp (tag 1, decoded by cbor2 to a datetime; or epoch seconds)."""
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=timezone.utc)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return datetime.fromtimestamp(value, timezone.utc)
    raise ValueError(f"not a timestamp: {value!r}")


def epoch(moment):
    """Epoch seconds of a datetime to the millisecond (the protocol's resolution; the
    SDK's f64 rounded, not cut): an integer when whole, else a float."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    millis = round(moment.timestamp() * 1000)
    return millis // 1000 if millis % 1000 == 0 else millis / 1000


def moto_json(value):
    """A decoded CBOR request value as moto's JSON protocol takes it (botocore's form):
    timestamps as epoch seconds, blobs as base64, other tags as their value; nulls (and
    CBOR undefined) left out."""
    if isinstance(value, datetime):
        return epoch(value)
    if isinstance(value, dict):
        return {str(k): moto_json(v) for k, v in value.items() if present(v)}
    if isinstance(value, (list, tuple)):
        return [moto_json(v) for v in value if present(v)]
    if isinstance(value, (bytes, bytearray)):
        return base64.b64encode(bytes(value)).decode()
    if cbor2 is not None and isinstance(value, cbor2.CBORTag):
        return moto_json(value.value)
    return value


def present(value):
    return value is not None and (cbor2 is None or value is not cbor2.undefined)


def round_start(start, now):
    """GetMetricData's StartTime as AWS rounds it: down to the minute when less than 15
    days ago, to 5 minutes when less than 63, else to the hour."""
    age = now - start
    step = 60 if age < timedelta(days=15) else 300 if age < timedelta(days=63) else 3600
    seconds = int(start.timestamp())
    return datetime.fromtimestamp(seconds - seconds % step, timezone.utc)


def find_cluster(value):
    """The first ClusterName dimension in a request ("" when none), for the stats."""
    if isinstance(value, dict):
        if value.get("Name") == "ClusterName" and isinstance(value.get("Value"), str):
            return value["Value"]
        value = list(value.values())
    if isinstance(value, list):
        for item in value:
            found = find_cluster(item)
            if found:
                return found
    return ""


def epoch_tag(value):
    """CBOR tag 1 of a timestamp of moto's JSON (epoch seconds; or an ISO 8601 string):
    epoch seconds, an integer when whole, else a float with millisecond precision."""
    if isinstance(value, str):
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        moment = datetime.fromtimestamp(value, timezone.utc)
    else:
        raise ValueError(f"not a timestamp: {value!r}")
    return cbor2.CBORTag(1, epoch(moment))


def scalar(value, kind):
    if kind == INTEGER:
        return int(value.strip() if isinstance(value, str) else value)
    if kind == DOUBLE:
        return float(value.strip() if isinstance(value, str) else value)
    if kind == BOOLEAN:
        return value if isinstance(value, bool) else str(value).strip().lower() == "true"
    if kind == TIMESTAMP:
        return epoch_tag(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else str(value)


def structure(value):
    if not isinstance(value, dict):
        raise ValueError(f"not a structure: {value!r}")
    return {str(name): member(name, item) for name, item in value.items()
            if item is not None}


def member(name, value):
    """The CBOR-ready value of one member of moto's JSON answer, typed by its name."""
    if name in LISTS:
        kind = LISTS[name]
        return [structure(item) if kind == STRUCT else scalar(item, kind)
                for item in value or [] if item is not None]
    if name in SCALARS:
        return scalar(value, SCALARS[name])
    if name in STRUCTS or isinstance(value, dict):
        return structure(value)
    if isinstance(value, list):
        return [structure(item) if isinstance(item, dict) else scalar(item, STRING)
                for item in value if item is not None]
    return scalar(value, STRING)


def header(headers, name):
    """A header of moto's answer ((name, value) pairs), "" when absent."""
    name = name.lower()
    return next((v for k, v in headers if k.lower() == name), "")


def parse_answer(data):
    """The result members of moto's JSON answer (a JSON object; {} or nothing for the
    operations without output)."""
    result = json.loads(data) if data.strip() else {}
    if not isinstance(result, dict):
        raise ValueError("not a JSON object")
    return structure(result)


def parse_error(data, headers):
    """(code, Sender/Receiver or None, message, request id) of moto's JSON error, or None
    when it is not one. The query code and type come from x-amzn-query-error, else from
    the __type's shape name (GraniteServiceVersion20100801#ResourceNotFound)."""
    try:
        body = json.loads(data)
    except ValueError:
        return None
    if not isinstance(body, dict) or not body.get("__type"):
        return None
    code, sender = "", None
    query_error = header(headers, "x-amzn-query-error")
    if query_error:
        code, _, sender = query_error.partition(";")
    if not code:
        shape = str(body["__type"]).rsplit("#", 1)[-1].split(":", 1)[0]
        code = QUERY_CODES.get(shape, shape)
    message = body.get("message") or body.get("Message") or ""
    return (code or "InternalServiceError", sender or None, str(message),
            header(headers, "x-amzn-RequestId"))


def encode_token(after):
    return base64.urlsafe_b64encode(json.dumps({"after": after}).encode()).decode()


def decode_token(token):
    after = json.loads(base64.urlsafe_b64decode(str(token).encode()))["after"]
    if not isinstance(after, str):
        raise ValueError("bad token")
    return after


# -- one call --------------------------------------------------------------------------


class Exchange:
    """One rpc-v2-cbor CloudWatch call through the proxy. Made by aws_proxy.py's handler,
    which counts, records, rate-limits and faults it (with `text`, the request as JSON)
    and then calls answer(), or error()/garbage()/forward() for a fault."""

    def __init__(self, handler, service, op, body):
        self.handler, self.service, self.op = handler, service, op
        self.request, self.text, self.unreadable = {}, "", None
        if cbor2 is None:
            return  # refuse_unreadable() answers
        try:
            if "gzip" in handler.headers.get("Content-Encoding", "").lower():
                body = gzip.decompress(body)  # PutMetricData's request compression
            request = cbor2.loads(body) if body else {}
        except (ValueError, EOFError, OSError, cbor2.CBORDecodeError) as e:
            self.unreadable = f"The request body is not CBOR: {e}"
            return
        if not isinstance(request, dict):
            self.unreadable = "The request body is not a CBOR map."
            return
        self.request = request
        self.text = json.dumps(jsonable(request))

    def cluster(self):
        return find_cluster(self.request)

    def refuse_unreadable(self):
        """Answers a call that cannot be read (no cbor2 here, or a body that is not a CBOR
        map); True when it did."""
        if cbor2 is None:
            self.answer_missing_cbor2()
            return True
        if self.unreadable:
            self.error(400, "SerializationException", self.unreadable)
            return True
        return False

    # -- answers ---------------------------------------------------------------------

    def answer_missing_cbor2(self):
        message = (f"aws_proxy: cannot answer CloudWatch {self.op}: the Python package "
                   f"cbor2 is not installed for {sys.executable}. Install it "
                   f"({sys.executable} -m pip install '{CBOR2_PIN}'; scripts/test.sh "
                   "puts it in .venv) and run the proxy with that python.")
        self.handler.log_message("%s", message)
        self.handler.reply(501, message.encode(), [
            ("Content-Type", "text/plain; charset=utf-8"),
            ("x-amzn-RequestId", str(uuid.uuid4()))])

    def reply(self, status, value, request_id=None, extra=()):
        """An rpc-v2-cbor answer; `value` None means no body (an operation without output)."""
        headers = [("smithy-protocol", "rpc-v2-cbor"),
                   ("x-amzn-RequestId", request_id or str(uuid.uuid4()))]
        body = b""
        if value is not None:
            body = cbor2.dumps(value)
            headers.append(("Content-Type", "application/cbor"))
        self.handler.reply(status, body, headers + list(extra))

    def error(self, status, error_type, message, sender=None, request_id=None):
        """An rpc-v2-cbor error: {"__type", "message"} and x-amzn-query-error CODE;TYPE,
        from which the SDK takes the error code (aws_query_compatible_errors.rs)."""
        if cbor2 is None:
            return self.answer_missing_cbor2()
        code = QUERY_CODES.get(error_type, error_type)
        sender = sender or ("Receiver" if status >= 500 else "Sender")
        self.reply(status, {"__type": shape_id(code), "message": message}, request_id,
                   [("x-amzn-query-error", f"{code};{sender}")])

    def garbage(self, body):
        """HTTP 200 as rpc-v2-cbor, with a body that is not the CBOR of an answer."""
        self.handler.reply(200, body, [("smithy-protocol", "rpc-v2-cbor"),
                                       ("Content-Type", "application/cbor")])

    # -- moto ------------------------------------------------------------------------

    def json_body(self):
        """The JSON body moto gets for this request."""
        request = dict(self.request)
        if self.op == "GetMetricData" and request.get("StartTime") is not None:
            request["StartTime"] = round_start(as_datetime(request["StartTime"]),
                                               datetime.now(timezone.utc))
        return json.dumps(moto_json(request)).encode()

    def call_moto(self):
        """Sends the request to moto in CloudWatch's JSON protocol: (status, headers,
        body)."""
        headers = {"Content-Type": JSON_CONTENT_TYPE, "X-Amz-Target": JSON_TARGET + self.op}
        for name in ("Authorization", "X-Amz-Date", "X-Amz-Security-Token", "User-Agent"):
            if self.handler.headers.get(name):
                headers[name] = self.handler.headers[name]
        if "Authorization" not in headers:  # moto finds the service by the signature
            headers["Authorization"] = ("AWS4-HMAC-SHA256 Credential=testing/20260101/"
                                        "us-east-1/monitoring/aws4_request, "
                                        "SignedHeaders=host, Signature=x")
        return self.handler.upstream("POST", "/", self.json_body(), headers)

    def forward(self):
        """For a fault with "forward": the call reaches moto; its answer is dropped."""
        try:
            self.call_moto()
        except (OSError, ValueError):
            pass

    def answer(self):
        """Answers the call: refused here as AWS would, or translated to moto and back."""
        if self.op not in OPERATIONS:
            return self.error(400, "UnknownOperationException",
                              f"aws_proxy translates only {', '.join(sorted(OPERATIONS))} "
                              f"of CloudWatch's rpc-v2-cbor protocol to moto, not {self.op} "
                              "(add it to tests/proxy_cloudwatch.py)")
        refusal = self.refusal()
        if refusal:
            return self.error(*refusal)
        try:
            status, headers, data = self.call_moto()
        except ValueError as e:  # a timestamp that is none
            return self.error(400, "ValidationError", str(e))
        except OSError as e:
            return self.error(502, "InternalServiceError", f"aws_proxy cannot reach moto: {e}")
        if status != 200:
            found = parse_error(data, headers)
            if found is None:  # moto failed (an HTML page of its Flask) or is not moto
                title = re.search(rb"<title>(.*?)</title>", data, re.S)
                what = (title.group(1) if title else data.strip()[:200]).decode("utf-8",
                                                                                "replace")
                return self.error(status if status >= 400 else 500, "InternalServiceError",
                                  f"moto answered HTTP {status} without an AWS error ({what}): "
                                  "see moto's log for its traceback")
            code, sender, message, request_id = found
            return self.error(status, code, message, sender, request_id or None)
        request_id = header(headers, "x-amzn-RequestId")
        try:
            result = parse_answer(data)
        except (ValueError, TypeError) as e:
            return self.error(500, "InternalServiceError",
                              f"aws_proxy cannot read moto's answer to {self.op}: {e}")
        if self.op in WRITES:
            return self.reply(200, None, request_id or None)
        if self.op == "DescribeAlarms":
            result = self.describe_alarms(result)
        else:
            result.setdefault("MetricDataResults", [])
        return self.reply(200, result, request_id or None)

    def refusal(self):
        """(status, type, message) of AWS's refusal of a request moto would take."""
        request = self.request
        if self.op == "GetMetricData":
            queries = request.get("MetricDataQueries") or []
            if len(queries) > MAX_METRIC_DATA_QUERIES:
                return (400, "ValidationError",
                        "The collection MetricDataQueries must not have a size greater "
                        f"than {MAX_METRIC_DATA_QUERIES}.")
            for key in ("StartTime", "EndTime"):
                if request.get(key) is None:
                    return (400, "ValidationError",
                            f"1 validation error detected: Value null at '{key[0].lower()}"
                            f"{key[1:]}' failed to satisfy constraint: Member must not be null")
        if self.op == "DescribeAlarms":
            least, most, _ = MAX_RECORDS
            size = request.get("MaxRecords")
            if size is not None and not (isinstance(size, int) and least <= size <= most):
                return (400, "ValidationError",
                        f"1 validation error detected: Value '{size}' at 'maxRecords' "
                        f"failed to satisfy constraint: Member must have value between "
                        f"{least} and {most}")
            token = request.get("NextToken")
            if token is not None:
                try:
                    decode_token(token)
                except (ValueError, KeyError, TypeError, binascii.Error):
                    return (400, "InvalidNextToken", "The service returned an invalid token.")
        return None

    def describe_alarms(self, result):
        """moto's DescribeAlarms answer as AWS gives it: every filter applied (moto applies
        only the first of ActionPrefix, AlarmNamePrefix, AlarmNames, StateValue), only
        metric alarms unless AlarmTypes asks otherwise, in name order, MaxRecords a page
        with a NextToken (the name the page ended at)."""
        request = self.request
        names = set(request.get("AlarmNames") or [])
        prefix = request.get("AlarmNamePrefix") or ""
        state = request.get("StateValue")
        types = set(request.get("AlarmTypes") or ["MetricAlarm"])

        def wanted(alarm):
            name = alarm.get("AlarmName", "")
            return ((not names or name in names) and name.startswith(prefix)
                    and (not state or alarm.get("StateValue") == state))

        kinds = [("MetricAlarms", "MetricAlarm"), ("CompositeAlarms", "CompositeAlarm")]
        alarms = sorted(((alarm.get("AlarmName", ""), key, alarm)
                         for key, kind in kinds if kind in types
                         for alarm in result.get(key) or [] if wanted(alarm)),
                        key=lambda found: (found[0], found[1]))
        token = request.get("NextToken")
        if token is not None:
            after = decode_token(token)
            alarms = [found for found in alarms if found[0] > after]
        size = request.get("MaxRecords") or MAX_RECORDS[2]
        page = alarms[:size]
        answer = {key: [alarm for _, k, alarm in page if k == key] for key, _ in kinds}
        if len(alarms) > size:
            answer["NextToken"] = encode_token(page[-1][0])
        return answer
