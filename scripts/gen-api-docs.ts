/** Writes docs/api.md from the TypeBox model (npm run gen:docs). A unit test fails when it is stale. */
import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { renderApiDocs } from "../controller/model/apiDocs.js";

const target = join(dirname(fileURLToPath(import.meta.url)), "..", "docs", "api.md");
writeFileSync(target, renderApiDocs());
console.log("wrote docs/api.md");
