/**
 * JSON text for a request body, byte for byte as @azure/batch's (ms-rest-js) serializer writes it:
 * properties in the mapper's order under their serialized names (`userName` goes out as `username`),
 * read-only and unknown properties dropped, `null` kept, `undefined` omitted. The mapper is compiled once
 * into a "conformer" that returns a value unchanged when it already has the wire's shape and key order (the
 * common case: bodies are built in that order) and a reordered copy otherwise; then JSON.stringify writes it
 * natively. That costs a walk over a few keys per task instead of the generic serializer's per-value regular
 * expressions and copies (docs/adr/0026). Unlike the SDK it does not validate constraints or enum values:
 * bodies come from validated manifests, and Batch checks them again.
 */
import { BatchServiceMappers } from "@azure/batch";

/** The subset of ms-rest-js's Mapper this module reads. */
export interface MapperLike {
  readonly serializedName?: string;
  readonly readOnly?: boolean;
  readonly type: {
    readonly name: string;
    readonly className?: string;
    readonly modelProperties?: Readonly<Record<string, MapperLike>>;
    readonly element?: MapperLike;
    readonly value?: MapperLike;
  };
}

/** Returns the value in the wire's shape: the same value when it already is, else a reordered copy. */
export type Conformer = (value: unknown) => unknown;

const models = BatchServiceMappers as unknown as Readonly<Record<string, MapperLike | undefined>>;

const identity: Conformer = (value) => value;

/** One conformer per composite class, shared by every place the class appears (and so by recursion). */
export function compileConformer(mapper: MapperLike, byClass = new Map<string, Conformer>()): Conformer {
  switch (mapper.type.name) {
    case "Composite":
      return compositeConformer(mapper, byClass);
    case "Sequence": {
      const element = mapper.type.element;
      if (element === undefined) throw new Error(`sequence ${mapper.serializedName ?? "?"} has no element mapper`);
      return eachConformer(compileConformer(element, byClass), "array");
    }
    case "Dictionary": {
      const valueMapper = mapper.type.value;
      if (valueMapper === undefined) throw new Error(`dictionary ${mapper.serializedName ?? "?"} has no value mapper`);
      return eachConformer(compileConformer(valueMapper, byClass), "record");
    }
    default:
      // String, Number, Boolean, Enum, TimeSpan, any: the SDK passes these values through as they are.
      return identity;
  }
}

/** Arrays and dictionaries: copied only when a member changes. */
function eachConformer(member: Conformer, kind: "array" | "record"): Conformer {
  if (member === identity) return identity;
  return (value) => {
    if (value === null || typeof value !== "object") return value;
    if (kind === "array" && !Array.isArray(value)) throw new Error("expected an array");
    let copy: Record<string, unknown> | undefined;
    for (const [key, item] of Object.entries(value)) {
      const conformed = member(item);
      copy ??= conformed === item ? undefined : shallowCopy(value);
      if (copy !== undefined) copy[key] = conformed;
    }
    return copy ?? value;
  };
}

function shallowCopy(value: object): Record<string, unknown> {
  return (Array.isArray(value) ? [...(value as unknown[])] : { ...value }) as Record<string, unknown>;
}

interface Member {
  readonly index: number;
  readonly clientName: string;
  readonly serializedName: string;
  conform: Conformer;
}

function compositeConformer(mapper: MapperLike, byClass: Map<string, Conformer>): Conformer {
  const className = mapper.type.className;
  const known = className === undefined ? undefined : byClass.get(className);
  if (known !== undefined) return known;
  const members: Member[] = [];
  const byClientName = new Map<string, Member>();
  const conformer: Conformer = (value) => {
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    return inWireOrder(record, byClientName) ? record : rebuilt(record, members);
  };
  // Registered before the members compile, so a class that contains itself refers to this conformer.
  if (className !== undefined) byClass.set(className, conformer);
  for (const [clientName, property] of Object.entries(modelProperties(mapper))) {
    if (property.readOnly === true) continue;
    const serializedName = property.serializedName ?? clientName;
    if (serializedName.includes(".")) throw new Error(`flattened property ${className ?? "?"}.${serializedName} is not supported`);
    const member: Member = { index: members.length, clientName, serializedName, conform: identity };
    members.push(member);
    byClientName.set(clientName, member);
    member.conform = compileConformer(property, byClass);
  }
  return conformer;
}

function modelProperties(mapper: MapperLike): Readonly<Record<string, MapperLike>> {
  const className = mapper.type.className;
  const properties = mapper.type.modelProperties ?? (className === undefined ? undefined : models[className]?.type.modelProperties);
  if (properties === undefined) throw new Error(`no model properties for ${className ?? "an anonymous composite"}`);
  return properties;
}

/** Known keys only, under their wire names, in mapper order, with members already in wire shape. */
function inWireOrder(record: Record<string, unknown>, byClientName: ReadonlyMap<string, Member>): boolean {
  let last = -1;
  for (const key in record) {
    const member = byClientName.get(key);
    if (member === undefined || member.index <= last || member.serializedName !== key) return false;
    last = member.index;
    const item = record[key];
    if (member.conform !== identity && member.conform(item) !== item) return false;
  }
  return true;
}

function rebuilt(record: Record<string, unknown>, members: readonly Member[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const member of members) {
    const item = record[member.clientName];
    if (item !== undefined) out[member.serializedName] = member.conform(item);
  }
  return out;
}

const taskCollection = compileConformer(BatchServiceMappers.TaskAddCollectionParameter as unknown as MapperLike);

/** The addtaskcollection body for these tasks (@azure/batch parameter shapes), byte for byte as the SDK writes it. */
export function taskCollectionJson(tasks: readonly unknown[]): string {
  return JSON.stringify(taskCollection({ value: tasks }));
}
