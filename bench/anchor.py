"""The anchor: the official Python SDK (azure-batch, Debian's python3-azure) adds N tasks with
add_collection(threads=8) to a job that exists on the emulator. Prints one JSON line:
{"seconds": <add_collection wall time>, "tasks": N, "version": "<azure-batch version>"}.

Usage: python3 bench/anchor.py URL ACCOUNT KEY JOB TASKS   (run by bench/anchor.ts)
"""
import json
import sys
import time

from azure.batch import BatchServiceClient
from azure.batch import _version
from azure.batch.batch_auth import SharedKeyCredentials
import azure.batch.models as models


def main(url, account, key, job, count):
    client = BatchServiceClient(SharedKeyCredentials(account, key), batch_url=url)
    # The same tasks as the engine's sweep (bench/helpers/resources.ts): ids t-000000..., "echo {i}".
    tasks = [models.TaskAddParameter(id="t-%06d" % i, command_line="echo %d" % i) for i in range(count)]
    started = time.perf_counter()
    client.task.add_collection(job, tasks, threads=8)
    print(json.dumps({"seconds": time.perf_counter() - started, "tasks": count, "version": _version.VERSION}))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5]))
