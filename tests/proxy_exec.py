"""ECS Exec and port forwarding for tests/aws_proxy.py, which moto lacks.

aws_proxy.py documents the behaviour (its docstring); this module holds the logic:
ExecuteCommand (ECS) and StartSession/TerminateSession (SSM) answered here, never by moto,
and moto's ECS answers completed with what ECS Exec reads (a container's runtimeId and
ExecuteCommandAgent, enableExecuteCommand of tasks and services). HOOKS maps an
X-Amz-Target to its handler, called as hook(handler, request, body, region) after the
proxy has counted, recorded and faulted the request. Standard library only.
"""

import base64
import json
import re
import threading
import time
import uuid
import zlib
from collections import deque
from urllib.parse import quote

ECS_PREFIX = "AmazonEC2ContainerServiceV20141113."
SSM_PREFIX = "AmazonSSM."
AGENT = "ExecuteCommandAgent"
AGENT_STATUSES = {"RUNNING", "STOPPED", "PENDING"}
DOCUMENTS = {"AWS-StartPortForwardingSession", "AWS-StartPortForwardingSessionToRemoteHost",
             "AWS-StartInteractiveCommand"}
NOT_ENABLED = ("The execute command failed because execute command was not enabled when the "
               "task was run or the execute command agent isn't running. Wait and try again "
               "or run a new task with execute command enabled and try again.")
TASK_NOT_FOUND = "The specified task was not found."
# ecs:CLUSTER_TASKID_RUNTIMEID; a cluster name may hold "_", a task id or runtime id not.
ECS_TARGET = re.compile(r"^ecs:([A-Za-z0-9_-]+)_([A-Za-z0-9-]+)_([A-Za-z0-9-]+)$")
KEY_IN_AUTH = re.compile(r"Credential=([^/]+)/")
# Headers of moto's answer that an edited answer keeps.
KEEP = {"content-type", "x-amzn-requestid", "x-amzn-errortype"}
JSON_11 = "application/x-amz-json-1.1"


def name_of(arn):
    """The last part of an ARN (a task id, a cluster or service name), or the name itself."""
    return str(arn or "").rsplit("/", 1)[-1]


def runtime_id(task_id, container_name):
    """A container's runtime id as on Fargate: the task id, "-", ten digits; stable."""
    return f"{task_id}-{zlib.crc32(container_name.encode()):010d}"


def agent_of(container):
    return next((a for a in container.get("managedAgents") or [] if a.get("name") == AGENT),
                {})


class ExecState:
    """What the proxy knows of ECS Exec, behind its own lock."""

    def __init__(self):
        self.lock = threading.Lock()
        self.services = {}  # (region, cluster, service name) -> enableExecuteCommand
        self.tasks = {}  # task id -> enableExecuteCommand the task was created with
        self.overrides = {}  # task id -> {"enable_execute_command": bool, "agent": str}
        self.sessions = deque(maxlen=10000)  # ExecuteCommand and StartSession sessions

    def service(self, region, cluster, name, enabled=None):
        """A service's enableExecuteCommand, first set to `enabled` when not None."""
        with self.lock:
            if enabled is not None:
                self.services[(region, cluster, name)] = bool(enabled)
            return self.services.get((region, cluster, name), False)

    def created(self, region, cluster, group, enabled, task_arns):
        """Tasks from RunTask: their own setting, else their service's (group service:X)."""
        if enabled is None:
            enabled = group.startswith("service:") and self.service(region, cluster, group[8:])
        with self.lock:
            for arn in task_arns:
                self.tasks[name_of(arn)] = bool(enabled)

    def augment(self, region, task):
        """Adds to a task of moto's what ECS Exec reads."""
        task_id, cluster = name_of(task.get("taskArn")), name_of(task.get("clusterArn"))
        if task_id not in self.tasks:  # not seen run: as its service is now, from now on
            group = str(task.get("group") or "")
            self.created(region, cluster, group, None, [task_id])
        with self.lock:
            enabled = self.tasks[task_id]
            override = dict(self.overrides.get(task_id, {}))
        enabled = override.get("enable_execute_command", enabled)
        status = task.get("lastStatus")
        agent = override.get("agent") or (
            "RUNNING" if status == "RUNNING"
            else "PENDING" if status in ("PROVISIONING", "PENDING", "ACTIVATING")
            else "STOPPED")
        task["enableExecuteCommand"] = enabled
        for i, container in enumerate(task.get("containers") or []):
            container.setdefault("runtimeId",
                                 runtime_id(task_id, str(container.get("name", i))))
            if enabled:  # AWS runs the agent only in tasks with exec enabled
                container["managedAgents"] = [{"name": AGENT, "lastStatus": agent}]
            else:
                container.pop("managedAgents", None)

    def override(self, value):
        """Sets a task's overrides from the body of POST /_proxy/exec; ValueError when it
        makes no sense. A null field removes that override."""
        unknown = set(value) - {"task", "enable_execute_command", "agent"}
        if unknown:
            raise ValueError(f"unknown exec fields: {sorted(unknown)}")
        if not value.get("task"):
            raise ValueError("task is required")
        enabled, agent = value.get("enable_execute_command"), value.get("agent")
        if enabled is not None and not isinstance(enabled, bool):
            raise ValueError("enable_execute_command must be true, false or null")
        if agent is not None and agent not in AGENT_STATUSES:
            raise ValueError(f"agent must be one of {sorted(AGENT_STATUSES)} or null")
        task_id = name_of(value["task"])
        with self.lock:
            kept = self.overrides.setdefault(task_id, {})
            for key in ("enable_execute_command", "agent"):
                if value.get(key) is not None:
                    kept[key] = value[key]
                elif key in value:
                    kept.pop(key, None)
            if not kept:
                del self.overrides[task_id]
            return {"task": task_id, **kept}

    def clear(self, task=None):
        """Removes the overrides (all, or one task's)."""
        with self.lock:
            if task:
                self.overrides.pop(name_of(task), None)
            else:
                self.overrides.clear()

    def started(self, session):
        with self.lock:
            self.sessions.append(dict(session, time=time.time(), terminated=False))

    def terminated(self, session_id):
        with self.lock:
            for session in self.sessions:
                if session["sessionId"] == session_id:
                    session["terminated"] = True

    def view(self, task=""):
        """What GET /_proxy/exec shows, the sessions filtered by task (id or ARN)."""
        task = name_of(task)
        with self.lock:
            return {"overrides": {k: dict(v) for k, v in self.overrides.items()},
                    "sessions": [dict(s) for s in self.sessions
                                 if not task or s.get("task") == task]}

    def clear_sessions(self):
        with self.lock:
            self.sessions.clear()


# -- talking to moto and to the client -------------------------------------------------------


def answer(handler, value):
    handler.reply(200, json.dumps(value).encode(), [
        ("Content-Type", JSON_11), ("x-amzn-RequestId", str(uuid.uuid4()))])


def edited(handler, body, edit):
    """Forwards the request to moto and answers with its answer, edit(answer) applied
    when it is a success."""
    status, headers, data = handler.forward(body)
    if status == 200:
        value = json.loads(data)
        edit(value)
        data = json.dumps(value).encode()
    handler.reply(status, data, [(k, v) for k, v in headers if k.lower() in KEEP])


def describe_task(handler, region, cluster, task):
    """Asks moto's DescribeTasks for one task, augmented: (200, task or None), or moto's
    (status, error body)."""
    key = KEY_IN_AUTH.search(handler.headers.get("Authorization", ""))
    auth = (f"AWS4-HMAC-SHA256 Credential={key.group(1) if key else 'testing'}/20260101/"
            f"{region or 'us-east-1'}/ecs/aws4_request, SignedHeaders=host, Signature=x")
    headers = {"Content-Type": JSON_11, "Authorization": auth,
               "X-Amz-Target": ECS_PREFIX + "DescribeTasks"}
    request = {"cluster": cluster or "default", "tasks": [task]}
    status, _, data = handler.upstream("POST", "/", json.dumps(request).encode(), headers)
    if status != 200:
        return status, data
    found = [t for t in json.loads(data).get("tasks") or []
             if name_of(t.get("taskArn")) == name_of(task)]
    if found:
        handler.state.exec.augment(region, found[0])
    return 200, found[0] if found else None


def session_urls(region, session_id):
    """(streamUrl, tokenValue) of a new Session Manager session."""
    cell = base64.b64encode(uuid.uuid4().bytes + uuid.uuid4().bytes).decode()
    token = base64.b64encode(uuid.uuid4().bytes * 8).decode()
    url = (f"wss://ssmmessages.{region or 'us-east-1'}.amazonaws.com/v1/data-channel/"
           f"{session_id}?role=publish_subscribe&cell-number={quote(cell, safe='')}")
    return url, token


# -- the hooks -------------------------------------------------------------------------------


def execute_command(handler, request, body, region):
    def refuse(message):
        handler.aws_error(400, "InvalidParameterException", message)

    if not request.get("task") or not request.get("command"):
        return refuse("task and command are required.")
    if request.get("interactive") is not True:
        return refuse("Interactive is the only mode supported currently.")
    status, task = describe_task(handler, region, request.get("cluster"), request["task"])
    if status != 200:
        return handler.reply(status, task, [("Content-Type", JSON_11)])
    if task is None:
        return refuse(TASK_NOT_FOUND)
    containers, name = task.get("containers") or [], request.get("container")
    if not name and len(containers) != 1:
        return refuse("The container name must be specified when the task has more than "
                      "one container.")
    container = next((c for c in containers if not name or c.get("name") == name), None)
    if container is None:
        return refuse(f"The container {name} does not exist in the task.")
    if (task.get("lastStatus") != "RUNNING" or not task.get("enableExecuteCommand")
            or agent_of(container).get("lastStatus") != "RUNNING"):
        return refuse(NOT_ENABLED)
    session_id = f"ecs-execute-command-{uuid.uuid4().hex[:17]}"
    url, token = session_urls(region, session_id)
    handler.state.exec.started({
        "kind": "ExecuteCommand", "sessionId": session_id, "region": region,
        "cluster": name_of(task.get("clusterArn")), "task": name_of(task.get("taskArn")),
        "container": container.get("name"), "command": request["command"],
        "interactive": True})
    answer(handler, {
        "clusterArn": task.get("clusterArn"), "containerArn": container.get("containerArn"),
        "containerName": container.get("name"), "interactive": True,
        "session": {"sessionId": session_id, "streamUrl": url, "tokenValue": token},
        "taskArn": task.get("taskArn")})


def start_session(handler, request, body, region):
    document, target = request.get("DocumentName", ""), str(request.get("Target", ""))
    if document not in DOCUMENTS:
        return handler.aws_error(400, "InvalidDocument",
                                 f"Document with name {document} does not exist.")
    parsed = ECS_TARGET.match(target)
    if not parsed:
        return handler.aws_error(400, "InvalidTarget", f"Target {target} is not valid.")
    cluster, task_id, runtime = parsed.groups()
    status, task = describe_task(handler, region, cluster, task_id)
    container = next((c for c in (task or {}).get("containers") or []
                      if c.get("runtimeId") == runtime), None) if status == 200 else None
    if (container is None or task.get("lastStatus") != "RUNNING"
            or agent_of(container).get("lastStatus") != "RUNNING"):
        return handler.aws_error(400, "TargetNotConnected", f"{target} is not connected.")
    key = KEY_IN_AUTH.search(handler.headers.get("Authorization", ""))
    session_id = f"{key.group(1) if key else 'session'}-{uuid.uuid4().hex[:17]}"
    url, token = session_urls(region, session_id)
    handler.state.exec.started({
        "kind": "StartSession", "sessionId": session_id, "region": region,
        "target": target, "cluster": cluster, "task": task_id,
        "container": container.get("name"), "document": document,
        "parameters": request.get("Parameters") or {}, "reason": request.get("Reason")})
    answer(handler, {"SessionId": session_id, "StreamUrl": url, "TokenValue": token})


def terminate_session(handler, request, body, region):
    if not request.get("SessionId"):
        return handler.aws_error(400, "ValidationException", "SessionId is required.")
    handler.state.exec.terminated(request["SessionId"])
    answer(handler, {"SessionId": request["SessionId"]})


def run_task(handler, request, body, region):
    def edit(value):
        tasks = value.get("tasks") or []
        handler.state.exec.created(region, name_of(request.get("cluster") or "default"),
                                   str(request.get("group") or ""),
                                   request.get("enableExecuteCommand"),
                                   [t.get("taskArn") for t in tasks])
        for task in tasks:
            handler.state.exec.augment(region, task)
    edited(handler, body, edit)


def describe_tasks(handler, request, body, region):
    edited(handler, body, lambda value: [handler.state.exec.augment(region, t)
                                         for t in value.get("tasks") or []])


def service_answer(enabled_of):
    """A hook for an answer with "service" or "services": each gets enableExecuteCommand,
    enabled_of(request) (None: unchanged) stored first."""
    def hook(handler, request, body, region):
        def edit(value):
            services = value.get("services") or [value.get("service") or {}]
            for service in filter(None, services):
                service["enableExecuteCommand"] = handler.state.exec.service(
                    region, name_of(service.get("clusterArn")), service.get("serviceName"),
                    enabled_of(request))
        edited(handler, body, edit)
    return hook


HOOKS = {
    ECS_PREFIX + "ExecuteCommand": execute_command,
    SSM_PREFIX + "StartSession": start_session,
    SSM_PREFIX + "TerminateSession": terminate_session,
    ECS_PREFIX + "RunTask": run_task,
    ECS_PREFIX + "DescribeTasks": describe_tasks,
    ECS_PREFIX + "CreateService": service_answer(
        lambda request: bool(request.get("enableExecuteCommand", False))),
    ECS_PREFIX + "UpdateService": service_answer(
        lambda request: request.get("enableExecuteCommand")),
    ECS_PREFIX + "DescribeServices": service_answer(lambda request: None),
}
