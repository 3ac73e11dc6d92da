/**
 * Directory-mode `suspend` / `resume`: set or remove `spec.suspend` in the file that declares the
 * resource, as a text edit of that line only (suspendText.ts), so comments, layout and the other
 * documents of the file stay as they were (a `.json` manifest stays JSON; an item of a `kind: List` is
 * edited inside the List). The change is a working-tree edit: committing
 * it keeps Git the source of truth (docs/adr/0019-cli-conventions.md).
 */
import { readFile, writeFile } from "node:fs/promises";
import { isMap, parseAllDocuments, type Document } from "yaml";
import { loadManifests, resourcePlaces, type TreePlace } from "../manifests/index.js";
import { editSuspendText } from "./suspendText.js";
import type { ResourceKind } from "../runtime/ports.js";

export interface ManifestEdit {
  file: string;
  line: number;
  /** false when the file already said so (nothing written). */
  changed: boolean;
}

export class ResourceNotFoundError extends Error {
  override readonly name = "ResourceNotFoundError";
}

type Ref = { kind: ResourceKind; namespace: string; name: string };

function declares(doc: Document, ref: Ref, at: TreePlace): boolean {
  const namespace = doc.getIn([...at, "metadata", "namespace"]) ?? "default";
  return doc.getIn([...at, "kind"]) === ref.kind && doc.getIn([...at, "metadata", "name"]) === ref.name && namespace === ref.namespace;
}

/** Where in `doc` the resource is declared: the document itself, or an item of a `kind: List` (as loaded). */
function declarations(doc: Document, ref: Ref): TreePlace[] {
  return resourcePlaces(doc).filter((at) => declares(doc, ref, at));
}

/** suspend: spec.suspend = true; resume: the field removed (absent means not suspended). */
export async function setSuspend(dir: string, ref: Ref, suspend: boolean): Promise<ManifestEdit> {
  const loaded = await loadManifests(dir);
  const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
  const found = loaded.resources.find((r) => r.key === key) ?? loaded.rejected.find((r) => r.key === key);
  if (found === undefined) throw new ResourceNotFoundError(`${key} is not declared in ${dir}`);
  const { file, line } = found.source;
  const text = await readFile(file, "utf8");
  const docs = parseAllDocuments(text);
  if (!Array.isArray(docs)) throw new ResourceNotFoundError(`${file} holds no YAML documents`);
  const place = docs.flatMap((doc) => declarations(doc, ref).map((at) => ({ doc, spec: [...at, "spec"] })))[0];
  const specNode = place?.doc.getIn(place.spec, true);
  if (place === undefined || !isMap(specNode)) throw new ResourceNotFoundError(`${file}:${line}: ${key} has no spec mapping to edit`);
  const current = place.doc.getIn([...place.spec, "suspend"]) === true;
  if (current === suspend) return { file, line, changed: false };
  // A `.json` manifest is JSON as YAML reads it: the same text edit keeps it JSON (a quoted key).
  await writeFile(file, editSuspendText(text, specNode, suspend, file.toLowerCase().endsWith(".json")));
  return { file, line, changed: true };
}
