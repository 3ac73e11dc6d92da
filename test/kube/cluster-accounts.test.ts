// Several Batch accounts in cluster mode (docs/accounts.md): BatchAccount objects and the Secrets of
// their keys are watched; a pool naming an account converges in that emulator account, the account's
// conditions reach its /status, and a wrong key is CredentialRefused without the key ever shown.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BatchServiceClient } from "@azure/batch";
import { sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { API_GROUP_VERSION, type CustomResource } from "../../controller/kubernetes/resources.js";
import type { ResourceKind } from "../../controller/runtime/ports.js";
import type { Account } from "../../emulator/index.js";
import { startClusterRig, type ClusterRig } from "./cluster-rig.js";
import { accountObject, createResource, poolObject, until } from "./cluster-harness.js";

const EAST: Account = { name: "teameast", key: Buffer.from("team east's development key").toString("base64") };
const NS = "team-a";

describe("BatchAccounts in cluster mode", () => {
  let rig: ClusterRig;
  let eastUrl: string;
  const client = (account: Account, url: string): BatchServiceClient =>
    new BatchServiceClient(sharedKeyCredentials(account.name, account.key), url);

  // Node's "possible EventTarget memory leak" warnings while the replica runs (there must be none).
  const leakWarnings: string[] = [];
  const onWarning = (warning: Error): void => {
    if (warning.name === "MaxListenersExceededWarning") leakWarnings.push(warning.message);
  };

  beforeAll(async () => {
    process.on("warning", onWarning);
    rig = await startClusterRig({ accounts: [EAST] });
    eastUrl = String(rig.emulator.accountUrls[EAST.name]);
    await rig.startReplica({ multiAccount: true });
  });

  afterAll(async () => {
    process.off("warning", onWarning);
    await rig.close();
  });

  const stored = (kind: ResourceKind, name: string): CustomResource | undefined =>
    rig.server.control.getObject({ apiVersion: API_GROUP_VERSION, kind, namespace: NS, name }) as CustomResource | undefined;
  const readyCondition = (kind: ResourceKind, name: string): { status?: string; reason?: string } | undefined =>
    (stored(kind, name)?.status?.conditions as { type: string; status?: string; reason?: string }[] | undefined)?.find(
      (c) => c.type === "Ready",
    );
  const secret = (name: string, key: string) => ({ namespace: NS, name, body: { metadata: { name }, stringData: { key } } });
  const poolIn = (name: string, account: string): CustomResource => {
    const pool = poolObject(name, NS);
    return { ...pool, spec: { ...pool.spec, accountRef: { name: account } } };
  };
  const poolIds = async (account: Account, url: string): Promise<string[]> =>
    (await client(account, url).pool.list()).map((p) => p.id ?? "");

  it("a pool waiting for its BatchAccount converges in that account once the account and its Secret exist", async () => {
    await createResource(rig.api.custom, "BatchPool", poolIn("render", "east"));
    await until(() => readyCondition("BatchPool", "render")?.reason === "AccountNotFound", "the pool to wait for its account");

    await rig.api.core.createNamespacedSecret(secret("east-key", EAST.key));
    await createResource(rig.api.custom, "BatchAccount", accountObject("east", NS, eastUrl, EAST.name, "east-key"));
    await until(() => readyCondition("BatchAccount", "east")?.status === "True", "the BatchAccount to be Ready");
    await until(() => readyCondition("BatchPool", "render")?.status === "True", "the pool to be Ready in its account");

    const pool = stored("BatchPool", "render");
    expect(pool?.status?.account).toBe(`${NS}/east`);
    expect(await poolIds(EAST, eastUrl)).toEqual([pool?.status?.poolId]);
    expect(await poolIds(rig.emulator.account, rig.emulator.url)).toEqual([]);
    expect(stored("BatchAccount", "east")?.status).toMatchObject({ observedGeneration: 1 });
  });

  it("a wrong key: the account and its pool say CredentialRefused, the key is nowhere in status; the right key in the Secret fixes both", async () => {
    const wrongKey = Buffer.from("not team east's key").toString("base64");
    await rig.api.core.createNamespacedSecret(secret("west-key", wrongKey));
    await createResource(rig.api.custom, "BatchAccount", accountObject("west", NS, eastUrl, EAST.name, "west-key"));
    await createResource(rig.api.custom, "BatchPool", poolIn("encode", "west"));
    await until(() => readyCondition("BatchAccount", "west")?.reason === "CredentialRefused", "the account to report CredentialRefused");
    await until(() => readyCondition("BatchPool", "encode")?.reason === "CredentialRefused", "its pool to report CredentialRefused");
    expect(readyCondition("BatchAccount", "west")?.status).toBe("False");
    for (const kind of ["BatchAccount", "BatchPool"] as const) {
      expect(JSON.stringify(stored(kind, kind === "BatchAccount" ? "west" : "encode")?.status)).not.toContain(wrongKey);
    }
    expect(await poolIds(EAST, eastUrl)).toHaveLength(1);

    // The key rotated in the Secret: the watch re-queues the account and its pool; no restart.
    await rig.api.core.replaceNamespacedSecret(secret("west-key", EAST.key));
    await until(() => readyCondition("BatchAccount", "west")?.status === "True", "the account to be Ready with the right key");
    await until(() => readyCondition("BatchPool", "encode")?.status === "True", "its pool to be Ready");
    expect(await poolIds(EAST, eastUrl)).toHaveLength(2);
  });

  it("runs an engine per account (three here) without Node's listener-leak warning on the stop signal", async () => {
    // Every long-lived part listens to the stop signal once: more than Node's default 10 with three accounts.
    await new Promise((resolve) => setImmediate(resolve));
    expect(leakWarnings).toEqual([]);
  });
});
