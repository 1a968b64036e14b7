"""Runs moto's server with one repair: a DescribeTasks that answers in time.

moto's DescribeTasks compares every requested task with every task of every cluster
(a substring test per pair), so one call of 100 tasks in a cluster of 10,000 costs about
a quarter of a second of Python, where AWS answers in tens of milliseconds. That made
the emulator, not the client, the limit of the estate benchmark. The replacement looks
each requested task up by its id in the named cluster only, as AWS does; everything
else about the answer (the task objects, `advance()`, the order of the cluster's tasks)
is moto's own. tests/test_moto_launch.py checks it answers as moto did.

Usage: python tests/moto_launch.py [moto_server arguments...]
"""

import sys

from moto.ecs import models


def describe_tasks(self, cluster_str, tasks):
    cluster = self._get_cluster(cluster_str)
    if not tasks:
        raise models.InvalidParameterException("Tasks cannot be empty.")
    wanted = {requested.split("/")[-1] for requested in tasks}
    response = []
    for task_arn, task in self.tasks.get(cluster.name, {}).items():
        if task_arn.split("/")[-1] in wanted:
            task.advance()
            response.append(task)
    return response


def repair():
    """Installs the repairs; returns what they replaced (for the tests)."""
    backend = models.EC2ContainerServiceBackend
    original = backend.describe_tasks
    backend.describe_tasks = describe_tasks
    return {"describe_tasks": original}


if __name__ == "__main__":
    repair()
    from moto.server import main

    sys.exit(main(sys.argv[1:]))
