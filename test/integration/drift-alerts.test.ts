/**
 * Drift alerts through the real CLI: `batch-gitops run --once --alert-webhook URL` against the
 * emulator, with a local Alertmanager stand-in. Every drift is alerted, whatever the policy, and
 * the alert says whether the controller corrected it (label `corrected`).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { main } from "../../controller/cli/main.js";
import type { AlertmanagerAlert } from "../../controller/observability/alertWebhook.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

const pool = (name: string, driftPolicy: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: ${name}
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204", version: latest }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
  driftPolicy: ${driftPolicy}
`;

/** Records every alert POSTed to it, as Alertmanager's /api/v2/alerts would receive them. */
async function startReceiver(): Promise<{ url: string; alerts: AlertmanagerAlert[]; server: Server }> {
  const alerts: AlertmanagerAlert[] = [];
  const server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk: Buffer) => (body += chunk.toString()));
    req.on("end", () => {
      alerts.push(...(JSON.parse(body) as AlertmanagerAlert[]));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/v2/alerts`, alerts, server };
}

describe("drift alerts (run --once --alert-webhook)", () => {
  let emulator: RunningEmulator;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let root: string;

  beforeAll(async () => {
    emulator = await startEmulator();
    receiver = await startReceiver();
    root = await mkdtemp(join(tmpdir(), "drift-alerts-"));
    vi.stubEnv("BATCH_ACCOUNT_NAME", devAccount.name);
    vi.stubEnv("BATCH_ACCOUNT_KEY", devAccount.key);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await new Promise((r) => receiver.server.close(r));
    await emulator.close();
    await rm(root, { recursive: true, force: true });
  });

  const runOnce = (dir: string): Promise<number> =>
    main([
      "run",
      "--once",
      "--dir",
      dir,
      "--batch-url",
      emulator.url,
      "--auth",
      "shared-key",
      "--state-dir",
      join(root, "state"),
      "--http-addr",
      "off",
      "--view",
      "off",
      "--log-level",
      "silent",
      "--alert-webhook",
      receiver.url,
      // A pass that cannot converge fails with its exit code, well inside the test's own timeout.
      "--once-timeout",
      "40s",
      // The emulator's fast timing settles in well under a second: look again that often, not every 5 s.
      "--poll-interval",
      "250ms",
    ]);

  it('alerts drift under driftPolicy Correct (corrected="true") and Alert (corrected="false")', { timeout: 120_000 }, async () => {
    const dir = join(root, "manifests");
    await mkdir(dir);
    await writeFile(join(dir, "fixed.yaml"), pool("fixed", "Correct"));
    await writeFile(join(dir, "watched.yaml"), pool("watched", "Alert"));
    expect(await runOnce(dir)).toBe(0);
    const client = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), emulator.url);
    const idOf = async (name: string): Promise<string> => {
      const pools = await client.pool.list();
      return pools.find((p) => p.id?.startsWith(`${name}-`) === true)?.id ?? "";
    };
    // Both pools settled at 1 node, as the manifests say.
    await vi.waitFor(
      async () => {
        const pools = await client.pool.list();
        expect(pools.filter((p) => p.allocationState === "steady" && p.targetDedicatedNodes === 1)).toHaveLength(2);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(receiver.alerts).toEqual([]);

    const control = new EmulatorControlClient(emulator.url);
    await control.resizePool(await idOf("fixed"), { targetDedicatedNodes: 3 });
    await control.resizePool(await idOf("watched"), { targetDedicatedNodes: 3 });
    // The drift a resync finds: both pools settled at 3 nodes (not a resize still under way).
    await vi.waitFor(
      async () => {
        const pools = await client.pool.list();
        expect(pools.filter((p) => p.allocationState === "steady" && p.currentDedicatedNodes === 3)).toHaveLength(2);
      },
      { timeout: 20_000, interval: 100 },
    );
    expect(await runOnce(dir)).toBe(0);

    const drift = (name: string) => receiver.alerts.find((a) => a.labels.alertname === "BatchGitopsDrift" && a.labels.name === name);
    expect(drift("fixed")).toMatchObject({
      labels: { kind: "BatchPool", namespace: "default", policy: "Correct", corrected: "true" },
      annotations: {
        summary: "BatchPool/default/fixed drifted from its manifest; corrected (driftPolicy Correct)",
        description: "targetDedicatedNodes: desired 1, live 3",
      },
    });
    expect(drift("watched")).toMatchObject({
      labels: { kind: "BatchPool", namespace: "default", policy: "Alert", corrected: "false" },
      annotations: {
        summary: "BatchPool/default/watched drifted from its manifest; not corrected (driftPolicy Alert)",
        description: "targetDedicatedNodes: desired 1, live 3",
      },
    });
    expect((await client.pool.get(await idOf("watched"))).targetDedicatedNodes).toBe(3);
  });
});
