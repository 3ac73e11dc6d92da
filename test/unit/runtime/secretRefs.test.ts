import { describe, expect, it } from "vitest";
import { resolveSecretRefs } from "../../../controller/runtime/secretRefs.js";

const secrets = { resolveSecret: async (ns: string, ref: { name: string; key: string }) => `${ns}/${ref.name}/${ref.key}-value` };

describe("secret references in request bodies", () => {
  it("replaces every passwordSecretRef with the resolved password, at any depth", async () => {
    const body = {
      id: "p",
      virtualMachineConfiguration: {
        containerConfiguration: {
          containerRegistries: [{ registryServer: "r.io", userName: "u", passwordSecretRef: { name: "acr", key: "password" } }],
        },
      },
    };
    const resolved = await resolveSecretRefs(body, "team-a", secrets);
    expect(resolved).toEqual({
      id: "p",
      virtualMachineConfiguration: {
        containerConfiguration: { containerRegistries: [{ registryServer: "r.io", userName: "u", password: "team-a/acr/password-value" }] },
      },
    });
    expect(JSON.stringify(body)).not.toContain("value"); // the planned body keeps only the reference
  });

  it("returns a body without references unchanged (same object)", async () => {
    const body = { id: "t1", commandLine: "echo", environmentSettings: [{ name: "A", value: "b" }] };
    expect(await resolveSecretRefs(body, "ns", secrets)).toBe(body);
  });
});
