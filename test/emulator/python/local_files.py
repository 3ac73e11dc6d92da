"""Local execution and the file API through the official Python Batch SDK (azure-batch, Debian python3-azure).
Usage: local_files.py URL ACCOUNT KEY. The emulator runs with --execute local. Exits non-zero on any mismatch."""
import sys
import time

import azure.batch.models as batchmodels
from azure.batch import BatchServiceClient
from azure.batch.batch_auth import SharedKeyCredentials

DEADLINE_S = 60


def check(condition, message):
    if not condition:
        print("MISMATCH: " + message, file=sys.stderr)
        sys.exit(1)


def wait_for(description, read, predicate):
    deadline = time.time() + DEADLINE_S
    while time.time() < deadline:
        value = read()
        if predicate(value):
            return value
        time.sleep(0.1)
    check(False, "timed out waiting for " + description)
    return None


def main():
    url, account, key = sys.argv[1:4]
    client = BatchServiceClient(SharedKeyCredentials(account, key), batch_url=url)
    client.pool.add(batchmodels.PoolAddParameter(
        id="py-local", vm_size="standard_d2s_v3", target_dedicated_nodes=1,
        virtual_machine_configuration=batchmodels.VirtualMachineConfiguration(
            image_reference=batchmodels.ImageReference(publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts"),
            node_agent_sku_id="batch.node.ubuntu 22.04")))
    client.job.add(batchmodels.JobAddParameter(id="py-job", pool_info=batchmodels.PoolInformation(pool_id="py-local")))
    client.task.add("py-job", batchmodels.TaskAddParameter(
        id="hello", command_line="/bin/sh -c 'echo hello from $AZ_BATCH_TASK_ID; exit 4'"))
    task = wait_for("the task to complete", lambda: client.task.get("py-job", "hello"), lambda t: t.state == batchmodels.TaskState.completed)
    check(task.execution_info.exit_code == 4, "exit code %s" % task.execution_info.exit_code)
    names = sorted(f.name for f in client.file.list_from_task("py-job", "hello", recursive=True))
    check("stdout.txt" in names and "wd" in names, "task files %s" % names)
    stdout = b"".join(client.file.get_from_task("py-job", "hello", "stdout.txt")).decode()
    check(stdout == "hello from hello\n", "stdout %r" % stdout)
    part = b"".join(client.file.get_from_task("py-job", "hello", "stdout.txt", batchmodels.FileGetFromTaskOptions(ocp_range="bytes=0-4"))).decode()
    check(part == "hello", "ranged read %r" % part)
    props = client.file.get_properties_from_task("py-job", "hello", "stdout.txt", raw=True)
    check(int(props.headers["Content-Length"]) == len(stdout), "content length %s" % props.headers["Content-Length"])
    node_id = task.node_info.node_id
    node_files = [f.name for f in client.file.list_from_compute_node("py-local", node_id, recursive=True)]
    check("workitems/py-job/job-1/hello/stdout.txt" in node_files, "node files %s" % node_files)
    client.file.delete_from_task("py-job", "hello", "stdout.txt")
    after = [f.name for f in client.file.list_from_task("py-job", "hello")]
    check("stdout.txt" not in after, "stdout.txt still listed after delete")
    print("python local files ok")


if __name__ == "__main__":
    main()
