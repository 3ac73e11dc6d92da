/**
 * `batch-gitops status` names the first failed tasks of a job with exit code and failure category, in
 * its table and in JSON: the CLI's commands (run --once, then status, in process through `main`, as
 * bin/batch-gitops.js calls it) against the emulator, whose tasks fail as BATCH_EMULATOR_EXIT_CODE says.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import { startEmulator, type RunningEmulator } from "../../emulator/index.js";

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
  vi.stubEnv("BATCH_ACCOUNT_NAME", emulator.account.name);
  vi.stubEnv("BATCH_ACCOUNT_KEY", emulator.account.key);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await emulator.close();
  await rm(root, { recursive: true, force: true });
});

it("prints the failed task with its exit code and category, in the table and in JSON", { timeout: 180_000 }, async () => {
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
    // The emulator's fast timing settles in well under a second: look again that often, not every 5 s.
    "--poll-interval",
    "250ms",
  ];
  // A failed task stalls the job (TasksFailed), so --once exits 1 once the job's status says so.
  expect(await main([...once, "--state-dir", stateDir, "--http-addr", "off", "--view", "off", "--log-level", "silent"])).toBe(1);
  const status = async (...flags: string[]): Promise<string> => {
    const out: string[] = [];
    const log = vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
    try {
      expect(await main(["status", "--state-dir", stateDir, "--url", "http://127.0.0.1:9", ...flags])).toBe(0);
    } finally {
      log.mockRestore();
    }
    return out.join("\n");
  };
  const table = await status();
  expect(table).toContain("FAILED TASKS");
  expect(table).toMatch(/^ {2}media\/frames {2}broken {2}exit 3 {2}usererror FailureExitCode$/m);
  expect(table).not.toMatch(/media\/frames {2}ok /);
  const json = JSON.parse(await status("--output", "json")) as {
    resources: Array<{ key: string; status: { failedTasks?: unknown[] } }>;
  };
  const job = json.resources.find((entry) => entry.key === "BatchJob/media/frames");
  expect(job?.status.failedTasks).toEqual([{ taskId: "broken", exitCode: 3, category: "usererror", code: "FailureExitCode" }]);
});
