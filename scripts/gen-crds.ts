/** Writes crds/*.yaml from the TypeBox model (npm run gen:crds). A unit test fails when they are stale. */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderCrdFiles } from "../controller/model/index.js";

const crdDir = join(dirname(fileURLToPath(import.meta.url)), "..", "crds");
for (const [file, text] of Object.entries(renderCrdFiles())) {
  writeFileSync(join(crdDir, file), text);
  console.log(`wrote crds/${file}`);
}
