import { describe, expect, it } from "vitest";
import type { BatchPoolSpec, BatchResource } from "../../../controller/model/index.js";
import { validateBatchRules } from "../../../controller/validation/index.js";
import { parseRunConfig, ConfigError } from "../../../controller/config/runConfig.js";
import { aPool } from "../../helpers/resources.js";
import { validateAgainstCrd } from "../../helpers/crds.js";

const ID = (name: string): string =>
  `/subscriptions/s/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const ARM_ID = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Batch/batchAccounts/prod";
const pool = (spec: Partial<BatchPoolSpec>): BatchResource => aPool({}, spec).build();
const found = (resource: BatchResource, arm?: boolean): string[] =>
  validateBatchRules(resource, { authMode: "entra", ...(arm === undefined ? {} : { arm }) }).map(
    (p) => `${p.severity} ${p.rule} ${p.path}`,
  );
const blob = (credentials: Record<string, unknown>, extra: Record<string, unknown> = {}): BatchPoolSpec["mountConfiguration"] =>
  [
    { azureBlobFileSystem: { accountName: "media", containerName: "input", relativeMountPath: "in", ...credentials, ...extra } },
  ] as BatchPoolSpec["mountConfiguration"];
const key = { accountKeySecretRef: { name: "s", key: "k" } };

describe("identity and mount rules", () => {
  it.each<[string, BatchResource, boolean | undefined, string[]]>([
    ["an identity pool with an ARM id passes", pool({ identity: { userAssignedIdentities: [{ resourceId: ID("a") }] } }), true, []],
    [
      "an identity pool without an ARM id is an error at spec.identity",
      pool({ identity: { userAssignedIdentities: [{ resourceId: ID("a") }] } }),
      false,
      ["error identity-needs-arm spec.identity"],
    ],
    [
      "an identity pool where the ARM id is unknown is left to run",
      pool({ identity: { userAssignedIdentities: [{ resourceId: ID("a") }] } }),
      undefined,
      [],
    ],
    [
      "a registry naming an identity the pool does not have",
      pool({
        identity: { userAssignedIdentities: [{ resourceId: ID("a") }] },
        containerConfiguration: {
          type: "dockerCompatible",
          containerRegistries: [{ registryServer: "r.azurecr.io", identityResourceId: ID("b") }],
        },
      }),
      true,
      ["error identity-not-assigned spec.containerConfiguration.containerRegistries[0].identityResourceId"],
    ],
    [
      "a blob mount naming an identity without spec.identity",
      pool({ mountConfiguration: blob({ identityResourceId: ID("a") }) }),
      true,
      ["error identity-not-assigned spec.mountConfiguration[0].azureBlobFileSystem.identityResourceId"],
    ],
    [
      "a blob mount on Windows",
      pool({ nodeAgentSkuId: "batch.node.windows amd64", mountConfiguration: blob(key) }),
      true,
      ["error mount-needs-linux spec.mountConfiguration[0]"],
    ],
    [
      "a key in blobfuse options",
      pool({ mountConfiguration: blob(key, { blobfuseOptions: "--account-key=abc" }) }),
      true,
      ["error mount-options-no-credentials spec.mountConfiguration[0].azureBlobFileSystem.blobfuseOptions"],
    ],
    [
      "blobfuse tuning options are fine",
      pool({ mountConfiguration: blob(key, { blobfuseOptions: "-o attr_timeout=240 -o allow_other" }) }),
      true,
      [],
    ],
  ])("%s", (_name, resource, arm, expected) => {
    expect(found(resource, arm).filter((line) => !line.includes("node-agent-sku-mismatch"))).toEqual(expected);
  });

  it("CEL: one file system kind per mount, one credential per blob mount; mount paths stay relative", () => {
    const both = pool({
      mountConfiguration: [
        {
          nfs: { source: "h:/x", relativeMountPath: "x" },
          cifs: { source: "//h/s", relativeMountPath: "y", username: "u", passwordSecretRef: { name: "s", key: "k" } },
        },
      ],
    });
    expect(validateAgainstCrd("BatchPool", both).celProblems.map((p) => p.message)).toEqual([
      expect.stringContaining("exactly one of azureBlobFileSystem, azureFileShare, nfs or cifs"),
    ]);
    const twoCredentials = pool({ mountConfiguration: blob({ ...key, identityResourceId: ID("a") }) });
    expect(validateAgainstCrd("BatchPool", twoCredentials).celProblems.map((p) => p.message)).toEqual([
      expect.stringContaining("exactly one of accountKeySecretRef, sasKeySecretRef or identityResourceId"),
    ]);
    const noCredential = pool({ mountConfiguration: blob({}) });
    expect(validateAgainstCrd("BatchPool", noCredential).celProblems.map((p) => p.message)).toEqual([
      expect.stringContaining("exactly one of accountKeySecretRef, sasKeySecretRef or identityResourceId"),
    ]);
    const escaping = pool({ mountConfiguration: blob(key, { relativeMountPath: "../etc" }) });
    expect(validateAgainstCrd("BatchPool", escaping).schemaErrors.length).toBeGreaterThan(0);
    expect(validateAgainstCrd("BatchPool", pool({ mountConfiguration: blob(key) }))).toEqual({ schemaErrors: [], celProblems: [] });
  });
});

describe("--arm-resource-id / --arm-endpoint", () => {
  const ctx = (env: Record<string, string> = {}): Parameters<typeof parseRunConfig>[1] => ({
    env: { BATCH_ACCOUNT_URL: "https://a.westeurope.batch.azure.com", ...env },
    cwd: "/repo",
    stdoutIsTTY: false,
  });

  it("puts the ARM settings on the account's connection config, from flags or the environment", () => {
    expect(parseRunConfig(["--arm-resource-id", ARM_ID], ctx()).batch).toMatchObject({ kind: "remote", armResourceId: ARM_ID });
    expect(parseRunConfig([], ctx({ BATCH_ARM_RESOURCE_ID: ARM_ID, BATCH_ARM_ENDPOINT: "https://127.0.0.1:8443" })).batch).toMatchObject({
      armResourceId: ARM_ID,
      armEndpoint: "https://127.0.0.1:8443",
    });
    expect(parseRunConfig([], ctx()).batch).not.toHaveProperty("armResourceId");
  });

  it("refuses a malformed id, a plain-HTTP endpoint, and ARM flags for the embedded emulator", () => {
    expect(() => parseRunConfig(["--arm-resource-id", "/subscriptions/s/batchAccounts/x"], ctx())).toThrow(/--arm-resource-id must be/);
    expect(() => parseRunConfig(["--arm-resource-id", ARM_ID, "--arm-endpoint", "http://127.0.0.1:1"], ctx())).toThrow(/https URL/);
    expect(() => parseRunConfig(["--arm-resource-id", ARM_ID], { env: {}, cwd: "/repo", stdoutIsTTY: false })).toThrow(ConfigError);
  });
});
