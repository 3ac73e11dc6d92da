/** BatchAccount manifests and spec.accountRef in the loader: what `validate` reports, located. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { loadManifests } from "../../../controller/manifests/index.js";
import { repoRoot, validateAgainstCrd } from "../../helpers/crds.js";

const account = (name: string, extra = ""): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchAccount
metadata:
  name: ${name}
spec:
  url: https://${name}.westeurope.batch.azure.com
  auth:
    entra: {}
${extra}---
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
${accountRef === undefined ? "" : `  accountRef:\n    name: ${accountRef}\n`}---
`;

const job = (poolRef: string, accountRef?: string): string => `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchJob
metadata:
  name: frames
spec:
  poolRef: { name: ${poolRef} }
${accountRef === undefined ? "" : `  accountRef:\n    name: ${accountRef}\n`}  tasks:
    - { id: t1, commandLine: "true" }
`;

describe("BatchAccount and accountRef in manifests", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "accounts-load-"));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));
  const load = async (text: string) => {
    await writeFile(join(dir, "all.yaml"), text);
    return loadManifests(dir);
  };
  const errors = (problems: { severity: string; rule?: string; line?: number; path?: string; name?: string }[]) =>
    problems.filter((p) => p.severity === "error").map((p) => ({ rule: p.rule, line: p.line, path: p.path, name: p.name }));

  it("loads accounts, and pools and jobs naming them", async () => {
    const { resources, problems } = await load(account("teama") + pool("render", "teama") + job("render", "teama"));
    expect(problems).toEqual([]);
    expect(resources.map((r) => r.key).sort()).toEqual([
      "BatchAccount/default/teama",
      "BatchJob/default/frames",
      "BatchPool/default/render",
    ]);
  });

  it("an accountRef naming no BatchAccount is an error at its line and field", async () => {
    const { problems } = await load(account("teama") + pool("render", "teamz"));
    // account: 9 lines; the pool's accountRef.name is on line 22.
    expect(errors(problems)).toEqual([{ rule: "missing-account", line: 22, path: "spec.accountRef.name", name: "render" }]);
  });

  it("a job in another account than its pool is an error", async () => {
    const { problems } = await load(account("teama") + pool("render", "teama") + job("render"));
    expect(errors(problems)).toEqual([{ rule: "account-mismatch", line: expect.any(Number), path: "spec.poolRef.name", name: "frames" }]);
    expect(problems[0]?.message).toContain("the job is in the default account but its pool render is in BatchAccount teama");
  });

  it("a shared key needs the account name unless the URL starts with it", async () => {
    const sharedKey = `apiVersion: azurebatch.gitops.dev/v1alpha1
kind: BatchAccount
metadata:
  name: local
spec:
  url: http://127.0.0.1:8089
  auth:
    sharedKey:
      secretRef: { name: batch-local, key: key }
`;
    const { problems } = await load(sharedKey);
    expect(errors(problems)).toEqual([{ rule: "account-shared-key-needs-name", line: expect.any(Number), path: "spec", name: "local" }]);
    expect((await load(sharedKey.replace("  auth:", "  accountName: devbatch\n  auth:"))).problems).toEqual([]);
    expect(
      (await load(account("teama").replace("entra: {}", "entra: {}\n    sharedKey: { secretRef: { name: s, key: k } }"))).problems.map(
        (p) => p.rule,
      ),
    ).toEqual(["account-auth-exactly-one"]);
  });

  it("the two-account example loads without problems and matches the committed CRDs", async () => {
    const { resources, problems } = await loadManifests(join(repoRoot, "manifests", "two-accounts"));
    expect(problems).toEqual([]);
    expect(resources.map((r) => r.key).sort()).toEqual([
      "BatchAccount/default/east",
      "BatchAccount/default/west",
      "BatchJob/default/frames-west",
      "BatchPool/default/render-east",
      "BatchPool/default/render-west",
    ]);
    for (const { kind, resource, key } of resources)
      expect(validateAgainstCrd(kind, resource), key).toEqual({ schemaErrors: [], celProblems: [] });
  });
});
