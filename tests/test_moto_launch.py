"""tests/moto_launch.py's DescribeTasks answers as moto's did, within one cluster.

Needs moto (run with the test venv's python: scripts/test.sh does).
"""

import json
import os
import sys
import unittest

import boto3
from moto import mock_aws

sys.path.insert(0, os.path.dirname(__file__))
import moto_launch  # noqa: E402

REGION = "us-east-1"


def seeded(clusters, per_cluster):
    """Clusters each with `per_cluster` running tasks; returns {cluster: [task arns]}."""
    ecs = boto3.client("ecs", region_name=REGION)
    ec2 = boto3.client("ec2", region_name=REGION)
    image = ec2.describe_images()["Images"][0]["ImageId"]
    td = ecs.register_task_definition(
        family="t",
        containerDefinitions=[{"name": "web", "image": "nginx", "cpu": 1, "memory": 4}],
    )["taskDefinition"]["taskDefinitionArn"]
    arns = {}
    for name in clusters:
        ecs.create_cluster(clusterName=name)
        instance = ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1)["Instances"][0]
        document = json.dumps({"instanceId": instance["InstanceId"], "region": REGION})
        ecs.register_container_instance(cluster=name, instanceIdentityDocument=document)
        out = ecs.run_task(cluster=name, taskDefinition=td, count=per_cluster)
        arns[name] = [t["taskArn"] for t in out["tasks"]]
    return ecs, arns


def described(ecs, cluster, tasks):
    out = ecs.describe_tasks(cluster=cluster, tasks=tasks)
    return sorted(t["taskArn"] for t in out["tasks"]), out["failures"]


class DescribeTasks(unittest.TestCase):
    def setUp(self):
        self.original = moto_launch.repair()["describe_tasks"]

    def tearDown(self):
        moto_launch.models.EC2ContainerServiceBackend.describe_tasks = self.original

    def both(self, cluster, tasks, ecs):
        """The repaired answer, then moto's own for the same request."""
        repaired = described(ecs, cluster, tasks)
        moto_launch.models.EC2ContainerServiceBackend.describe_tasks = self.original
        try:
            return repaired, described(ecs, cluster, tasks)
        finally:
            moto_launch.repair()

    @mock_aws
    def test_arns_and_ids_answer_as_moto_did(self):
        ecs, arns = seeded(["a"], 5)
        some = arns["a"][:3]
        ids = [arn.split("/")[-1] for arn in arns["a"][3:]]
        repaired, original = self.both("a", some + ids, ecs)
        self.assertEqual(repaired, original)
        self.assertEqual(len(repaired[0]), 5)

    @mock_aws
    def test_an_unknown_task_is_left_out_as_moto_did(self):
        ecs, arns = seeded(["a"], 2)
        repaired, original = self.both("a", [arns["a"][0], "0" * 32], ecs)
        self.assertEqual(repaired, original)
        self.assertEqual(repaired[0], [arns["a"][0]])

    @mock_aws
    def test_only_the_named_clusters_tasks_are_described_as_on_aws(self):
        ecs, arns = seeded(["a", "b"], 2)
        tasks, _ = described(ecs, "a", arns["a"] + arns["b"])
        self.assertEqual(tasks, sorted(arns["a"]))

    @mock_aws
    def test_an_empty_request_is_refused(self):
        ecs, _ = seeded(["a"], 1)
        with self.assertRaises(ecs.exceptions.InvalidParameterException):
            ecs.describe_tasks(cluster="a", tasks=[])


if __name__ == "__main__":
    unittest.main()
