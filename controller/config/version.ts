/** The version of this package, read from its package.json (from source or from dist/). */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

let cached: string | undefined;

export function packageVersion(): string {
  if (cached !== undefined) return cached;
  // controller/config/ from source, dist/controller/config/ when built: walk up to the package root.
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    try {
      const pkg = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name?: string; version?: string };
      if (pkg.name === "batch-gitops" && typeof pkg.version === "string") return (cached = pkg.version);
    } catch {
      // not here; one level up
    }
    dir = dirname(dir);
  }
  return (cached = "unknown");
}
