/** Writes schemas/*.json from the TypeBox model (npm run gen:schemas). A unit test fails when they are stale. */
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderJsonSchemaFiles } from "../controller/model/index.js";

const schemaDir = join(dirname(fileURLToPath(import.meta.url)), "..", "schemas");
mkdirSync(schemaDir, { recursive: true });
for (const [file, text] of Object.entries(renderJsonSchemaFiles())) {
  writeFileSync(join(schemaDir, file), text);
  console.log(`wrote schemas/${file}`);
}
