"""A pool -> job -> tasks flow through the official Python Batch SDK (azure-batch 13.0.1), as a second,
independent client of the emulator. Usage: flow.py URL ACCOUNT KEY. Exits non-zero on any mismatch."""
import sys
import time

import azure.batch.models as batchmodels
from azure.batch import BatchServiceClient
from azure.batch.batch_auth import SharedKeyCredentials

POOL_ID = "py-pool"
JOB_ID = "py-job"
DEADLINE_S = 60


def check(condition, message):
    if not condition:
        print("MISMATCH: " + message, file=sys.stderr)
        sys.exit(1)


def wait_for(description, predicate):
    deadline = time.time() + DEADLINE_S
    while time.time() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    check(False, "timed out waiting for " + description)


def main():
    url, account, key = sys.argv[1:4]
    client = BatchServiceClient(SharedKeyCredentials(account, key), batch_url=url)

    client.pool.add(batchmodels.PoolAddParameter(
        id=POOL_ID,
        vm_size="standard_d2s_v3",
        virtual_machine_configuration=batchmodels.VirtualMachineConfiguration(
            image_reference=batchmodels.ImageReference(
                publisher="canonical", offer="0001-com-ubuntu-server-jammy", sku="22_04-lts", version="latest"),
            node_agent_sku_id="batch.node.ubuntu 22.04"),
        target_dedicated_nodes=2,
        task_slots_per_node=2))
    wait_for("the pool's nodes", lambda: sum(
        1 for node in client.compute_node.list(POOL_ID) if node.state == batchmodels.ComputeNodeState.idle) == 2)

    client.job.add(batchmodels.JobAddParameter(id=JOB_ID, pool_info=batchmodels.PoolInformation(pool_id=POOL_ID)))
    check(client.job.get(JOB_ID).state == batchmodels.JobState.active, "job is not active")

    client.task.add(JOB_ID, batchmodels.TaskAddParameter(id="single", command_line="/bin/sh -c 'echo one'"))
    failing = batchmodels.TaskAddParameter(
        id="failing", command_line="/bin/sh -c 'exit 3'",
        environment_settings=[batchmodels.EnvironmentSetting(name="BATCH_EMULATOR_EXIT_CODE", value="3")])
    # 150 tasks: the SDK splits them into requests of at most 100.
    many = [batchmodels.TaskAddParameter(id="task-%d" % i, command_line="echo %d" % i) for i in range(149)]
    result = client.task.add_collection(JOB_ID, many + [failing])
    statuses = [r.status for r in result.value]
    check(len(statuses) == 150, "add_collection returned %d results" % len(statuses))
    check(all(s == batchmodels.TaskAddStatus.success for s in statuses), "not every task was added: %s" % set(statuses))

    retry = client.task.add_collection(JOB_ID, [batchmodels.TaskAddParameter(id="TASK-1", command_line="echo")])
    check(retry.value[0].status == batchmodels.TaskAddStatus.client_error, "a duplicate id was not refused")
    check(retry.value[0].error.code == "TaskExists", "duplicate error is %s" % retry.value[0].error.code)

    wait_for("every task to complete", lambda: len(list(client.task.list(
        JOB_ID, batchmodels.TaskListOptions(filter="state ne 'completed'")))) == 0)

    counts = client.job.get_task_counts(JOB_ID).task_counts
    check((counts.active, counts.running, counts.completed) == (0, 0, 151), "task counts %s" % counts)
    check((counts.succeeded, counts.failed) == (150, 1), "succeeded/failed %s" % counts)

    failed = list(client.task.list(JOB_ID, batchmodels.TaskListOptions(filter="executionInfo/result eq 'failure'")))
    check([t.id for t in failed] == ["failing"], "failed tasks %s" % [t.id for t in failed])
    info = failed[0].execution_info
    check(info.exit_code == 3 and info.result == batchmodels.TaskExecutionResult.failure, "failing task info %s" % info)
    single = client.task.get(JOB_ID, "single")
    check(single.execution_info.exit_code == 0 and single.node_info.pool_id == POOL_ID, "single task %s" % single)
    check(single.execution_info.end_time >= single.execution_info.start_time, "end before start")

    client.job.delete(JOB_ID)
    client.pool.delete(POOL_ID)
    try:
        state = client.job.get(JOB_ID).state
        check(state == batchmodels.JobState.deleting, "deleted job is %s" % state)
    except batchmodels.BatchErrorException as error:
        check(error.error.code == "JobNotFound", "unexpected error %s" % error.error.code)
    print("python flow ok")


if __name__ == "__main__":
    main()
