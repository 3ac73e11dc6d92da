"""Job preparation and release task status through the official Python Batch SDK (azure-batch, Debian python3-azure).
Usage: prep_status.py URL ACCOUNT KEY JOB_ID. Prints one JSON object per node: its id and each task's state and exit code."""
import json
import sys

from azure.batch import BatchServiceClient
from azure.batch.batch_auth import SharedKeyCredentials


def state_of(info):
    if info is None:
        return None
    return [info.state.value if hasattr(info.state, "value") else str(info.state), info.exit_code]


def main():
    url, account, key, job_id = sys.argv[1:5]
    client = BatchServiceClient(SharedKeyCredentials(account, key), batch_url=url)
    rows = []
    for status in client.job.list_preparation_and_release_task_status(job_id):
        rows.append({
            "node_id": status.node_id,
            "preparation": state_of(status.job_preparation_task_execution_info),
            "release": state_of(status.job_release_task_execution_info),
        })
    print(json.dumps(rows))


main()
