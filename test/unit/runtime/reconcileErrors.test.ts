import { describe, expect, it } from "vitest";
import { BatchCallError } from "../../../controller/batch/errors.js";
import { CredentialError } from "../../../controller/batch/credentials.js";
import { classifyFailure } from "../../../controller/runtime/reconcileErrors.js";
import { createFileSecretResolver } from "../../../controller/directory/fileSecretResolver.js";

const batch = (statusCode: number, code: string, errorClass: ConstructorParameters<typeof BatchCallError>[2]) =>
  new BatchCallError("pool.add", { statusCode, code, message: "message" }, errorClass);

describe("every failure has its own reason and says how it is reported", () => {
  it.each([
    ["a quota", batch(409, "AccountCoreQuotaReached", "permanent"), "stalling", "QuotaExceeded"],
    ["a key Batch refuses", batch(403, "AuthenticationFailed", "permanent"), "stalling", "CredentialRefused"],
    ["an invalid request", batch(400, "InvalidPropertyValue", "permanent"), "stalling", "BatchRejected"],
    ["a pool being resized", batch(409, "PoolBeingResized", "conflict"), "waiting", "Progressing"],
    ["a 503 after retries", batch(503, "ServerBusy", "transient"), "generic", "BatchError"],
    [
      "no credential at all",
      new BatchCallError(
        "pool.list",
        { statusCode: 0, code: "CredentialMissing", message: "no Microsoft Entra ID credential" },
        "permanent",
      ),
      "stalling",
      "CredentialMissing",
    ],
    ["a bug", new TypeError("x is undefined"), "generic", "ReconcileError"],
  ])("%s", (_name, error, report, reason) => {
    expect(classifyFailure(error)).toMatchObject({ report, reason });
  });

  it("a secret file that is missing is SecretNotFound, Stalled, and names the secret, not its value", async () => {
    const failure = await createFileSecretResolver("/nonexistent")
      .resolveSecret("default", { name: "registry", key: "password" })
      .catch((e: unknown) => e);
    expect(classifyFailure(failure)).toMatchObject({
      report: "stalling",
      reason: "SecretNotFound",
      message: expect.stringMatching(/secret "registry" key "password"/),
    });
  });

  it("a credential error keeps its code through the adapter's classification", () => {
    expect(new CredentialError("CredentialMissing", "m")).toMatchObject({
      code: "CredentialMissing",
      statusCode: 0,
      name: "CredentialError",
    });
  });
});
