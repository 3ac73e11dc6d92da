/**
 * The node flags the container image runs the controller with: the arguments between "node" and
 * bin/batch-gitops.js in the Dockerfile's ENTRYPOINT. The rss benchmark runs the controller with exactly these,
 * so it measures what is shipped (docs/adr/0030).
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

const DOCKERFILE = fileURLToPath(new URL("../../Dockerfile", import.meta.url));

export function imageNodeFlags(dockerfile: string = readFileSync(DOCKERFILE, "utf8")): string[] {
  const line = /^ENTRYPOINT\s+(\[.*\])\s*$/m.exec(dockerfile)?.[1];
  if (line === undefined) throw new Error("the Dockerfile has no ENTRYPOINT in exec form");
  const argv = JSON.parse(line) as string[];
  const bin = argv.indexOf("bin/batch-gitops.js");
  if (argv[0] !== "node" || bin < 1) throw new Error(`unexpected ENTRYPOINT ${line}: expected ["node", ...flags, "bin/batch-gitops.js"]`);
  return argv.slice(1, bin);
}
