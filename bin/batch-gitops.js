#!/usr/bin/env node
// Entry point of the `batch-gitops` CLI. A built image runs the compiled dist/; a source checkout
// (npm ci && npm start) runs the TypeScript directly through tsx, so no build step is needed to try it.
import { existsSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const built = join(root, "dist", "controller", "cli", "main.js");
let entry;
if (existsSync(built)) {
  entry = built;
} else {
  const { register } = await import("tsx/esm/api");
  register();
  entry = join(root, "controller", "cli", "main.ts");
}
const { main } = await import(pathToFileURL(entry).href);
process.exitCode = await main(process.argv.slice(2));
