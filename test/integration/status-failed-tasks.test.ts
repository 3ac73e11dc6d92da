/**
 * `batch-gitops status` names the first failed tasks of a job with exit code and failure category, in
 * its table and in JSON: the real CLI (run --once, then status) against the emulator, whose tasks fail as
 * BATCH_EMULATOR_EXIT_CODE says.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";

const BIN = fileURLToPath(new URL("../../bin/batch-gitops.js", import.meta.url));
const run = promisify(execFile);

const manifests = `
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata: { name: render, namespace: media }
spec:
  vmSize: standard_d2s_v3
  image: { marketplace: { publisher: canonical, offer: 0001-com-ubuntu-server-jammy, sku: 22_04-lts, version: latest } }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale: { fixed: { targetDedicatedNodes: 1 } }
---
apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata: { name: frames, namespace: media }
spec:
  poolRef: { name: render }
  tasks:
    - { id: ok, commandLine: /bin/true }
    - id: broken
      commandLine: /bin/false
      environmentSettings: [{ name: BATCH_EMULATOR_EXIT_CODE, value: "3" }]
`;

let emulator: RunningEmulator;
let root: string;

beforeAll(async () => {
  emulator = await startEmulator({ port: 0 });
  root = await mkdtemp(join(tmpdir(), "status-failed-"));
  await mkdir(join(root, "manifests"));
  await writeFile(join(root, "manifests", "media.yaml"), manifests);
});

afterAll(async () => {
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

it("prints the failed task with its exit code and category, in the table and in JSON", { timeout: 180_000 }, async () => {
  const env = { ...process.env, BATCH_ACCOUNT_NAME: emulator.account.name, BATCH_ACCOUNT_KEY: emulator.account.key };
  const stateDir = join(root, "state");
  const once = [
    "run",
    "--dir",
    join(root, "manifests"),
    "--batch-url",
    emulator.url,
    "--auth",
    "shared-key",
    "--once",
    "--once-timeout",
    "2m",
    // The emulator's fast timing settles in well under a second: poll it that often, not every 5 s.
    "--poll-interval",
    "250ms",
  ];
  // A failed task stalls the job (TasksFailed), so --once exits 1 once the job's status says so.
  await expect(
    run(process.execPath, [BIN, ...once, "--state-dir", stateDir, "--http-addr", "off", "--view", "off", "--log-level", "error"], { env }),
  ).rejects.toMatchObject({ code: 1 });
  const status = ["status", "--state-dir", stateDir, "--url", "http://127.0.0.1:9"];
  const table = (await run(process.execPath, [BIN, ...status], { env })).stdout;
  expect(table).toContain("FAILED TASKS");
  expect(table).toMatch(/^ {2}media\/frames {2}broken {2}exit 3 {2}usererror FailureExitCode$/m);
  expect(table).not.toMatch(/media\/frames {2}ok /);
  const json = JSON.parse((await run(process.execPath, [BIN, ...status, "--output", "json"], { env })).stdout) as {
    resources: Array<{ key: string; status: { failedTasks?: unknown[] } }>;
  };
  const job = json.resources.find((entry) => entry.key === "BatchJob/media/frames");
  expect(job?.status.failedTasks).toEqual([{ taskId: "broken", exitCode: 3, category: "usererror", code: "FailureExitCode" }]);
});
