/**
 * A parametric sweep's tasks written as text (docs/adr/0032). The template is rendered once with a marker
 * in place of each placeholder and taken through the same steps as any task: its body (taskBody.ts), the
 * canonical JSON its content hash is taken of, and its wire JSON with the hash marker. Those texts are split
 * at the markers; a task is then its parameter values joined into them and one SHA-256, about a tenth of the
 * CPU of building, hashing and serializing its objects. Parameter values are integers, so they need no JSON
 * escaping, and no step reads a string's content, so a marker comes out where the value goes. Compiling
 * checks the texts against the general path on the first, a middle and the last task, and gives up (the
 * caller uses the general path) on any difference: a template that itself holds a marker character is one. Pure.
 */
import type { TaskFactory } from "../model/job.js";
import { formatParameter, parameterValuesAt, renderTaskTemplate, taskAt, taskFactoryCount } from "../model/taskFactory.js";
import { canonicalJson, shortHashOfCanonical } from "./hash.js";
import type { JsonObject } from "./intent.js";
import { taskBody } from "./taskBody.js";
import { CONTENT_HASH_LENGTH, taskIntent, withContentHash } from "./taskContent.js";

/** One task, written: what the submission sends. */
export interface WrittenTask {
  readonly id: string;
  readonly contentHash: string;
  readonly json: string;
}

/** Private-use characters: a placeholder's marker is SLOT, its index, END; the content hash's is HASH. */
const SLOT = "\uE000";
const END = "\uE001";
const HASH = "\uE002";
const MARKERS = /\uE000(\d+)\uE001|\uE002/g;

/** A text split at its markers: literal text, a placeholder (by slot index) or the content hash (-1). */
type TextPart = string | number;

interface Slot {
  readonly param: string;
  readonly width: number;
}

/**
 * The task at each index of the sweep as text, or undefined when this sweep must take the general path.
 * `writeTask` is the wire writer (batch/wireJson.ts taskWriter); `accepts` may refuse a template body (the
 * engine refuses one holding a secret reference, which is resolved just before sending).
 */
export function compileSweepText(
  factory: TaskFactory,
  writeTask: (body: unknown) => string,
  accepts: (body: JsonObject) => boolean = () => true,
): ((index: number) => WrittenTask) | undefined {
  const slots: Slot[] = [];
  const marked = taskBody(
    renderTaskTemplate(factory, (param, width) => {
      slots.push({ param, width });
      return `${SLOT}${slots.length - 1}${END}`;
    }),
  );
  if (!accepts(marked)) return undefined;
  const idText = split(marked.id);
  const canonicalText = split(canonicalJson(marked));
  const wireText = split(writeTask(withContentHash(marked, HASH)));
  const params = factory.parametricSweep.parameters;
  const write = (index: number): WrittenTask => {
    const values = parameterValuesAt(params, index);
    const filled = slots.map((slot) => formatParameter(values.get(slot.param) ?? 0, slot.width));
    const contentHash = shortHashOfCanonical(join(canonicalText, filled, ""), CONTENT_HASH_LENGTH);
    return { id: join(idText, filled, ""), contentHash, json: join(wireText, filled, contentHash) };
  };
  const total = taskFactoryCount(factory);
  const samples = [0, Math.floor(total / 2), total - 1].filter((index) => index >= 0);
  return samples.every((index) => sameAsGeneralPath(factory, index, write(index), writeTask)) ? write : undefined;
}

function split(text: string): TextPart[] {
  const parts: TextPart[] = [];
  let last = 0;
  for (const match of text.matchAll(MARKERS)) {
    if (match.index > last) parts.push(text.slice(last, match.index));
    parts.push(match[1] === undefined ? -1 : Number(match[1]));
    last = match.index + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

function join(parts: readonly TextPart[], filled: readonly string[], contentHash: string): string {
  let out = "";
  for (const part of parts) out += typeof part === "string" ? part : part === -1 ? contentHash : (filled[part] ?? "");
  return out;
}

function sameAsGeneralPath(factory: TaskFactory, index: number, written: WrittenTask, writeTask: (body: unknown) => string): boolean {
  const spec = taskAt(factory, index);
  if (spec === undefined) return false;
  const intent = taskIntent(taskBody(spec));
  return intent.id === written.id && intent.contentHash === written.contentHash && writeTask(intent.body) === written.json;
}
