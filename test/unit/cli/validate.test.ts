import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, relative } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi, type MockInstance } from "vitest";
import { main } from "../../../controller/cli/main.js";
import { EXIT_USAGE } from "../../../controller/cli/usage.js";
import { repoRoot } from "../../helpers/crds.js";

const examples = relative(process.cwd(), join(repoRoot, "manifests", "examples"));
const identityExamples = relative(process.cwd(), join(repoRoot, "manifests", "identity"));
const invalid = relative(process.cwd(), join(repoRoot, "manifests", "invalid"));

const ARM_ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/batch-rg/providers/Microsoft.Batch/batchAccounts/prod";

describe("batch-gitops validate", () => {
  let log: MockInstance<typeof console.log>;
  let err: MockInstance<typeof console.error>;
  const stdout = (): string[] => log.mock.calls.map((c) => String(c[0]));

  beforeEach(() => {
    log = vi.spyOn(console, "log").mockImplementation(() => undefined);
    err = vi.spyOn(console, "error").mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("exits 0 on the examples and prints no problem lines", async () => {
    expect(await main(["validate", examples])).toBe(0);
    expect(stdout()).toEqual([]);
    expect(String(err.mock.calls[0]?.[0])).toMatch(/^7 resources valid, 0 errors, 0 warnings$/);
  });

  it("exits 0 on the identity and mount pools given an ARM resource id", async () => {
    expect(await main(["validate", identityExamples, "--arm-resource-id", ARM_ID])).toBe(0);
    expect(stdout()).toEqual([]);
    expect(String(err.mock.calls[0]?.[0])).toMatch(/^2 resources valid, 0 errors, 0 warnings$/);
  });

  it("without an ARM resource id, rejects the identity pool with a located error saying what to configure", async () => {
    expect(await main(["validate", identityExamples])).toBe(1);
    expect(stdout()).toEqual([
      `${join(identityExamples, "acr-managed-identity.yaml")}:18: error [identity-needs-arm] BatchPool/default/acr-identity spec.identity: only Azure Resource Manager can assign a pool managed identities: give the Batch account's ARM resource id (--arm-resource-id /subscriptions/{id}/resourceGroups/{group}/providers/Microsoft.Batch/batchAccounts/{account}, or BATCH_ARM_RESOURCE_ID)`,
    ]);
  });

  it("exits 1 on the gallery example under shared-key auth, naming the rule", async () => {
    expect(await main(["validate", examples, "--auth", "shared-key", "--arm-resource-id", ARM_ID])).toBe(1);
    expect(stdout()).toEqual([
      `${join(examples, "gallery", "gallery-pool.yaml")}:13: error [gallery-image-needs-entra] BatchPool/default/render-nodes spec.image.virtualMachineImageId: Batch refuses Compute Gallery images with shared-key authentication; run the controller with Microsoft Entra ID (--auth entra)`,
    ]);
  });

  it("exits 1 on manifests/invalid with one located line per problem", async () => {
    expect(await main(["validate", invalid])).toBe(1);
    const lines = stdout();
    const linePattern =
      /^\S+\.yaml:\d+: (error|warning) \[[a-z0-9-]+\]( (BatchPool|BatchJob)\/[a-z0-9-]+\/[a-z0-9-]+)?( [\w.[\]]+)?:? \S.*$/;
    for (const line of lines) expect(line).toMatch(linePattern);
    expect(lines).toContain(
      `${join(invalid, "unknown-field.yaml")}:16: error [unknown-field] BatchPool/default/unknown-field spec.scale.fixed.targetDedicatedNode: unknown field "targetDedicatedNode"`,
    );
    expect(lines).toContain(
      `${join(invalid, "missing-pool.yaml")}:8: error [missing-pool] BatchJob/default/orphan-job spec.poolRef.name: poolRef names BatchPool default/nowhere, which is not defined in this directory; add it or use poolId for a pool managed elsewhere`,
    );
    const rules = new Set(lines.map((l) => /\[([a-z0-9-]+)\]/.exec(l)?.[1]));
    for (const rule of [
      "yaml-syntax",
      "unknown-field",
      "wrong-type",
      "invalid-value",
      "missing-field",
      "duplicate-name",
      "missing-pool",
      "batch-id-unique",
      "container-settings-pool",
      "task-id-unique",
      "pool-scale-exactly-one",
      "pool-image-exactly-one",
      "node-agent-sku-mismatch",
      "retiring-image",
      "dockerhub-without-credentials",
      "docker-bridge-overlap",
      "container-run-options-short-form",
      "container-run-options-rm",
      "container-run-options-gpus",
      "workdir-relative-output",
      "gallery-replicas-per-300-vms",
      "resize-timeout-large-pool",
    ]) {
      expect(rules, rule).toContain(rule);
    }
  });

  it("names a resource that lacks its kind or its name by what it has, and says the kind is missing", async () => {
    const dir = await mkdtemp(join(tmpdir(), "validate-unnamed-"));
    try {
      const api = "apiVersion: azurebatch.gitops.dev/v1alpha1";
      await writeFile(join(dir, "nokind.yaml"), `${api}\nmetadata:\n  name: nokind\nspec: {}\n`);
      await writeFile(join(dir, "noname.yaml"), `${api}\nkind: BatchPool\nmetadata: null\nspec: null\n`);
      expect(await main(["validate", dir])).toBe(1);
      expect(stdout()).toEqual([
        `${join(dir, "nokind.yaml")}:1: error [missing-field] (no kind)/default/nokind kind: required field "kind" is missing; use BatchPool, BatchJob or BatchAccount`,
        `${join(dir, "noname.yaml")}:3: error [wrong-type] BatchPool/default/(no name) metadata: must be of type object`,
        `${join(dir, "noname.yaml")}:4: error [wrong-type] BatchPool/default/(no name) spec: must be of type object`,
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("prints JSON with --format json", async () => {
    expect(await main(["validate", invalid, "--format", "json", "--auth", "shared-key"])).toBe(1);
    const output = JSON.parse(stdout().join("\n")) as {
      resources: { key: string }[];
      problems: { rule: string; severity: string; line: number }[];
    };
    expect(output.resources.map((r) => r.key)).toContain("BatchPool/default/tasks-pool");
    expect(output.problems).toContainEqual(expect.objectContaining({ rule: "gallery-image-needs-entra", severity: "error", line: 10 }));
  });

  it("exits EX_USAGE (64) on bad usage", async () => {
    expect(await main(["validate"])).toBe(EXIT_USAGE);
    expect(await main(["validate", examples, "--auth", "password"])).toBe(EXIT_USAGE);
    expect(await main(["validate", examples, "--format", "xml"])).toBe(EXIT_USAGE);
  });

  it("is listed by --help", async () => {
    expect(await main(["--help"])).toBe(0);
    expect(stdout().join("\n")).toMatch(/^ {2}validate\s+check the BatchPool\/BatchJob manifests/m);
  });
});
