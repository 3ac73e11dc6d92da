/**
 * Several Batch accounts reconciled by one controller, end to end: `run --once` in directory mode
 * reads BatchAccount manifests beside the pools and jobs, and the emulator serves each account
 * with its own store (SharedKey names the account), over HTTP through @azure/batch.
 */
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { main } from "../../controller/cli/main.js";
import { readStatusFile } from "../../controller/directory/statusStore.js";
import { devAccount, startEmulator, type Account, type RunningEmulator } from "../../emulator/index.js";

const teamA: Account = { name: "teama", key: Buffer.from("team a's development key").toString("base64") };
const teamB: Account = { name: "teamb", key: Buffer.from("team b's development key").toString("base64") };

const account = (name: string, url: string, accountName: string, secret: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchAccount
metadata:
  name: ${name}
spec:
  url: ${url}
  accountName: ${accountName}
  auth:
    sharedKey:
      secretRef: { name: ${secret}, key: key }
---
`;

const pool = (name: string, accountRef?: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchPool
metadata:
  name: ${name}
spec:
  vmSize: standard_d2s_v3
  image:
    marketplace: { publisher: microsoft-dsvm, offer: ubuntu-hpc, sku: "2204" }
  nodeAgentSkuId: batch.node.ubuntu 22.04
  scale:
    fixed: { targetDedicatedNodes: 1 }
${accountRef === undefined ? "" : `  accountRef: { name: ${accountRef} }\n`}---
`;

const job = (name: string, poolRef: string, accountRef: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: ${name}
spec:
  poolRef: { name: ${poolRef} }
  accountRef: { name: ${accountRef} }
  tasks:
    - id: t1
      commandLine: "true"
---
`;

/** A loopback port nothing listens on: connections are refused at once. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

type Row = { key: string; status: { conditions: { type: string; status: string; reason: string; message: string }[]; account?: string } };
const ready = (row: Row | undefined): { status?: string; reason?: string } => {
  const c = row?.status.conditions.find((x) => x.type === "Ready");
  return { status: c?.status, reason: c?.reason };
};

describe("several Batch accounts", () => {
  let emulator: RunningEmulator;
  let root: string;
  let dir: string;
  let stateDir: string;
  let secretsDir: string;
  let tests = 0;
  const client = (a: Account): BatchServiceClient => new BatchServiceClient(new BatchSharedKeyCredentials(a.name, a.key), emulator.url);
  const poolOwners = async (a: Account): Promise<string[]> =>
    (await client(a).pool.list()).map((p) => p.metadata?.find((m) => m.name === "batch-gitops/owner")?.value ?? "").sort();

  beforeAll(async () => {
    emulator = await startEmulator({ accounts: [devAccount, teamA, teamB] });
    process.env.BATCH_ACCOUNT_NAME = devAccount.name;
    process.env.BATCH_ACCOUNT_KEY = devAccount.key;
  });
  afterAll(async () => {
    delete process.env.BATCH_ACCOUNT_NAME;
    delete process.env.BATCH_ACCOUNT_KEY;
    await emulator.close();
  });
  beforeEach(async () => {
    emulator.state.reset();
    root = await mkdtemp(join(tmpdir(), "accounts-"));
    dir = join(root, "manifests");
    stateDir = join(root, "state");
    secretsDir = join(root, "secrets");
    await mkdir(dir);
    for (const [name, value] of [
      ["teama-key", teamA.key],
      ["teamb-key", teamB.key],
      ["wrong-key", Buffer.from("not the key").toString("base64")],
    ] as const) {
      await mkdir(join(secretsDir, name), { recursive: true });
      await writeFile(join(secretsDir, name, "key"), `${value}\n`);
    }
    return () => rm(root, { recursive: true, force: true });
  });

  const runOnce = (...extra: string[]): Promise<number> =>
    main([
      "run",
      "--once",
      "--dir",
      dir,
      "--batch-url",
      emulator.url,
      "--secrets-dir",
      secretsDir,
      "--state-dir",
      stateDir,
      "--http-addr",
      "off",
      "--view",
      "off",
      "--log-level",
      "silent",
      "--manager-id",
      `accounts-${++tests}`,
      // The emulator's fast timing settles in well under a second: look again that often, not every 5 s.
      "--poll-interval",
      "250ms",
      ...extra,
    ]);
  const statuses = async (): Promise<Map<string, Row>> =>
    new Map(((await readStatusFile(join(stateDir, "status.json")))?.resources ?? []).map((r) => [r.key, r as unknown as Row]));

  it("reconciles each resource in the account it names, the rest in the default account", async () => {
    await writeFile(
      join(dir, "accounts.yaml"),
      account("team-a", emulator.url, teamA.name, "teama-key") + account("team-b", emulator.url, teamB.name, "teamb-key"),
    );
    await writeFile(
      join(dir, "pools.yaml"),
      pool("render", "team-a") + pool("encode", "team-b") + pool("shared") + job("frames", "render", "team-a"),
    );
    expect(await runOnce()).toBe(0);

    expect(await poolOwners(teamA)).toEqual(["BatchPool/default/render"]);
    expect(await poolOwners(teamB)).toEqual(["BatchPool/default/encode"]);
    expect(await poolOwners(devAccount)).toEqual(["BatchPool/default/shared"]);
    expect((await client(teamA).job.list()).map((j) => j.id)).toEqual(["frames"]);
    expect((await client(teamB).job.list()).length).toBe(0);

    const rows = await statuses();
    expect(ready(rows.get("BatchAccount/default/team-a"))).toEqual({ status: "True", reason: "Succeeded" });
    expect(rows.get("BatchPool/default/render")?.status.account).toBe("default/team-a");
    expect(rows.get("BatchJob/default/frames")?.status.account).toBe("default/team-a");
    expect(rows.get("BatchPool/default/shared")?.status.account).toBe("default");
  });

  it("an unreachable account and one with a wrong key do not stop the others, and say why", async () => {
    const down = `http://127.0.0.1:${await closedPort()}`;
    await writeFile(
      join(dir, "accounts.yaml"),
      account("team-a", emulator.url, teamA.name, "teama-key") +
        account("gone", down, "gone", "teamb-key") +
        account("team-b", emulator.url, teamB.name, "wrong-key"),
    );
    await writeFile(join(dir, "pools.yaml"), pool("render", "team-a") + pool("lost", "gone") + pool("locked", "team-b"));
    // The unreachable account is retried until the deadline; the others converge meanwhile.
    expect(await runOnce("--once-timeout", "15s")).toBe(1);

    expect(await poolOwners(teamA)).toEqual(["BatchPool/default/render"]);
    expect(await poolOwners(teamB)).toEqual([]);
    const rows = await statuses();
    expect(ready(rows.get("BatchPool/default/render"))).toEqual({ status: "True", reason: "Succeeded" });
    expect(ready(rows.get("BatchPool/default/lost"))).toEqual({ status: "False", reason: "AccountUnreachable" });
    expect(ready(rows.get("BatchAccount/default/gone"))).toEqual({ status: "False", reason: "AccountUnreachable" });
    expect(ready(rows.get("BatchPool/default/locked"))).toEqual({ status: "False", reason: "CredentialRefused" });
    expect(ready(rows.get("BatchAccount/default/team-b"))).toEqual({ status: "False", reason: "CredentialRefused" });
    // The key never reaches status.
    expect(JSON.stringify([...rows.values()])).not.toContain(teamB.key);
  });

  it("stalls a resource whose accountRef names no BatchAccount, or a job whose pool is in another account, and writes nothing for them", async () => {
    await writeFile(join(dir, "accounts.yaml"), account("team-a", emulator.url, teamA.name, "teama-key"));
    await writeFile(join(dir, "pools.yaml"), pool("orphan", "nowhere") + pool("shared") + job("stray", "shared", "team-a"));
    expect(await runOnce()).toBe(1);
    const rows = await statuses();
    expect(ready(rows.get("BatchPool/default/orphan"))).toEqual({ status: "False", reason: "AccountNotFound" });
    expect(ready(rows.get("BatchJob/default/stray"))).toEqual({ status: "False", reason: "InvalidSpec" });
    // Located as validate locates it (file:line, field), not only named.
    expect(rows.get("BatchJob/default/stray")?.status.conditions.find((c) => c.type === "Ready")?.message).toMatch(
      /pools\.yaml:\d+ spec\.accountRef\.name .*its pool shared is in the default account/,
    );
    expect(await poolOwners(devAccount)).toEqual(["BatchPool/default/shared"]);
    expect((await client(teamA).job.list()).length + (await client(devAccount).job.list()).length).toBe(0);
  });
});
