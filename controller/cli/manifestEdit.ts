/**
 * Directory-mode `suspend` / `resume`: set or remove `spec.suspend` in the YAML file that declares
 * the resource, in place, through the yaml library's Document API so comments, key order and the
 * other documents of the file stay as they were (a `.json` manifest is edited as JSON; an item of a
 * `kind: List` inside the List). The change is a working-tree edit: committing
 * it keeps Git the source of truth (docs/adr/0019-cli-conventions.md).
 */
import { readFile, writeFile } from "node:fs/promises";
import { isMap, parseAllDocuments, type Document } from "yaml";
import { loadManifests, resourcePlaces, type TreePlace } from "../manifests/index.js";
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
  if (file.toLowerCase().endsWith(".json")) return setSuspendInJson({ file, line, key, text }, suspend);
  // intAsBigInt: an integer beyond 2^53 is written back as it was, not rounded.
  const docs = parseAllDocuments(text, { intAsBigInt: true });
  if (!Array.isArray(docs)) throw new ResourceNotFoundError(`${file} holds no YAML documents`);
  const place = docs.flatMap((doc) => declarations(doc, ref).map((at) => ({ doc, spec: [...at, "spec"] })))[0];
  if (place === undefined || !isMap(place.doc.getIn(place.spec)))
    throw new ResourceNotFoundError(`${file}:${line}: ${key} has no spec mapping to edit`);
  const { doc, spec } = place;
  const current = doc.getIn([...spec, "suspend"]) === true;
  if (current === suspend) return { file, line, changed: false };
  if (suspend) doc.setIn([...spec, "suspend"], true);
  else doc.deleteIn([...spec, "suspend"]);
  await writeFile(file, docs.map((d) => d.toString({ lineWidth: 0 })).join(""));
  return { file, line, changed: true };
}

/**
 * A `.json` manifest stays JSON (kubectl reads a file that starts with `{` as JSON only): parsed and written
 * back with its own indentation and final newline. JSON has no comments to keep.
 */
async function setSuspendInJson(
  source: { file: string; line: number; key: string; text: string },
  suspend: boolean,
): Promise<ManifestEdit> {
  const { file, line, key, text } = source;
  const object = JSON.parse(text) as { spec?: unknown };
  const spec = object.spec;
  if (typeof spec !== "object" || spec === null || Array.isArray(spec))
    throw new ResourceNotFoundError(`${file}:${line}: ${key} has no spec object to edit`);
  const fields = spec as Record<string, unknown>;
  if ((fields.suspend === true) === suspend) return { file, line, changed: false };
  if (suspend) fields.suspend = true;
  else delete fields.suspend;
  const indent = /\n([ \t]+)"/.exec(text)?.[1] ?? "";
  await writeFile(file, JSON.stringify(object, null, indent) + (text.endsWith("\n") ? "\n" : ""));
  return { file, line, changed: true };
}
