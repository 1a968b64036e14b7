#!/usr/bin/env python3
"""Seeds moto with a large ECS estate for the estate benchmark (benches/estate.sh):

- cluster `big-services`: SERVICES services (default 2,000), desired count 0;
- cluster `big-tasks`: TASKS running tasks (default 10,000) on registered EC2 container
  instances (moto places tasks only where an instance has room);
- cluster `big-instances`: INSTANCES container instances (default 1,000);
- in eu-west-1 (an estate of its own, for `:pulse`): 10 clusters `pulse-0`..`pulse-9` of
  50 services each, one in ten of them with a desired count of 2 and no instance to run
  on (so `:pulse` has services to list: "none of 2 running").

Talks to moto directly (not through the test layer) with boto3 from the test venv.
Usage: seed.py MOTO_URL [SERVICES] [TASKS] [INSTANCES]
"""

import json
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3

REGION = "us-east-1"
PULSE_REGION = "eu-west-1"


def client(url, service):
    return boto3.client(
        service,
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )


def register_instances(ecs, ec2, cluster, count):
    """Runs `count` EC2 instances and registers each with `cluster`."""
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ids = []
    while len(ids) < count:
        n = min(100, count - len(ids))
        out = ec2.run_instances(ImageId=image, MinCount=n, MaxCount=n, InstanceType="m5.24xlarge")
        ids.extend(i["InstanceId"] for i in out["Instances"])

    def one(instance_id):
        document = json.dumps({"instanceId": instance_id, "region": REGION})
        ecs.register_container_instance(cluster=cluster, instanceIdentityDocument=document)

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(one, ids))


def main():
    url = sys.argv[1]
    services = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    tasks = int(sys.argv[3]) if len(sys.argv) > 3 else 10000
    instances = int(sys.argv[4]) if len(sys.argv) > 4 else 1000
    ecs = client(url, "ecs")
    ec2 = client(url, "ec2")
    start = time.monotonic()
    td = ecs.register_task_definition(
        family="estate",
        networkMode="bridge",
        containerDefinitions=[{"name": "web", "image": "nginx:1.27", "cpu": 1, "memory": 4}],
    )["taskDefinition"]["taskDefinitionArn"]

    ecs.create_cluster(clusterName="big-services")

    def service(i):
        ecs.create_service(
            cluster="big-services",
            serviceName=f"svc-{i:05d}",
            taskDefinition=td,
            desiredCount=0,
        )

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(service, range(services)))
    print(f"{services} services in {time.monotonic() - start:.1f}s", file=sys.stderr)

    ecs.create_cluster(clusterName="big-tasks")
    # moto places tasks only where an instance has room left: one instance per
    # thousand small tasks is plenty.
    register_instances(ecs, ec2, "big-tasks", tasks // 1000 + 1)
    done = 0
    while done < tasks:
        n = min(10, tasks - done)
        ecs.run_task(cluster="big-tasks", taskDefinition=td, count=n, launchType="EC2")
        done += n
    placed = len(ecs.list_tasks(cluster="big-tasks")["taskArns"])
    print(f"{placed} of {tasks} tasks placed at {time.monotonic() - start:.1f}s", file=sys.stderr)
    if placed < tasks:
        sys.exit(f"moto placed only {placed} of {tasks} tasks")

    ecs.create_cluster(clusterName="big-instances")
    register_instances(ecs, ec2, "big-instances", instances)
    print(f"{instances} instances at {time.monotonic() - start:.1f}s", file=sys.stderr)

    seed_pulse(url)
    print(f"pulse estate at {time.monotonic() - start:.1f}s", file=sys.stderr)


def seed_pulse(url, clusters=10, per_cluster=50):
    ecs = boto3.client(
        "ecs",
        endpoint_url=url,
        region_name=PULSE_REGION,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    td = ecs.register_task_definition(
        family="pulse",
        networkMode="bridge",
        containerDefinitions=[{"name": "web", "image": "nginx:1.27", "cpu": 1, "memory": 4}],
    )["taskDefinition"]["taskDefinitionArn"]

    def service(job):
        cluster, i = job
        ecs.create_service(
            cluster=cluster,
            serviceName=f"svc-{i:03d}",
            taskDefinition=td,
            desiredCount=2 if i % 10 == 0 else 0,
        )

    jobs = []
    for c in range(clusters):
        ecs.create_cluster(clusterName=f"pulse-{c}")
        jobs.extend((f"pulse-{c}", i) for i in range(per_cluster))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(service, jobs))


if __name__ == "__main__":
    main()
