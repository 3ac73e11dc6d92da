/**
 * JSON text for a request body, byte for byte as @azure/batch's (ms-rest-js) serializer writes it:
 * properties in the mapper's order under their serialized names (`userName` goes out as `username`),
 * read-only and unknown properties dropped, `null` kept, `undefined` omitted. The mapper is compiled once
 * into a "conformer" that returns a value unchanged when it already has the wire's shape and key order (the
 * common case: bodies are built in that order) and a reordered copy otherwise; then JSON.stringify writes it
 * natively. That costs a walk over a few keys per task instead of the generic serializer's per-value regular
 * expressions and copies (docs/adr/0026). Unlike the SDK it does not validate constraints or enum values:
 * bodies come from validated manifests, and Batch checks them again.
 *
 * This module does not load @azure/batch: the mappers come in as a plain table (mapperJson.ts builds it
 * from the SDK's), so a task serialization worker can compile the same conformer without the SDK.
 */

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

/** Composite mappers by class name: where a mapper that names its class without members finds them. */
export type MapperTable = Readonly<Record<string, MapperLike | undefined>>;

/** Returns the value in the wire's shape: the same value when it already is, else a reordered copy. */
export type Conformer = (value: unknown) => unknown;

const identity: Conformer = (value) => value;

/** One conformer per composite class, shared by every place the class appears (and so by recursion). */
export function compileConformer(mapper: MapperLike, models: MapperTable, byClass = new Map<string, Conformer>()): Conformer {
  switch (mapper.type.name) {
    case "Composite":
      return compositeConformer(mapper, models, byClass);
    case "Sequence": {
      const element = mapper.type.element;
      if (element === undefined) throw new Error(`sequence ${mapper.serializedName ?? "?"} has no element mapper`);
      return eachConformer(compileConformer(element, models, byClass), "array");
    }
    case "Dictionary": {
      const valueMapper = mapper.type.value;
      if (valueMapper === undefined) throw new Error(`dictionary ${mapper.serializedName ?? "?"} has no value mapper`);
      return eachConformer(compileConformer(valueMapper, models, byClass), "record");
    }
    default:
      // String, Number, Boolean, Enum, TimeSpan, any: the SDK passes these values through as they are.
      return identity;
  }
}

/**
 * The mapper of `className` and of every class it reaches, reduced to what a conformer reads: plain data
 * (no functions, no SDK objects), so it can be posted to a worker thread.
 */
export function mapperTableOf(className: string, models: MapperTable): Record<string, MapperLike> {
  const table: Record<string, MapperLike> = {};
  const visit = (name: string): void => {
    if (Object.hasOwn(table, name)) return;
    const mapper = models[name];
    if (mapper === undefined) throw new Error(`no mapper for ${name}`);
    table[name] = { type: { name: "Composite", className: name } }; // placeholder: a class may contain itself
    table[name] = { type: { name: "Composite", className: name, modelProperties: plainMembers(modelProperties(mapper, models)) } };
  };
  const plain = (mapper: MapperLike): MapperLike => {
    const { name, className, element, value } = mapper.type;
    if (name === "Composite" && className !== undefined) visit(className);
    const members = name === "Composite" && className === undefined ? plainMembers(modelProperties(mapper, models)) : undefined;
    return {
      serializedName: mapper.serializedName,
      readOnly: mapper.readOnly,
      type: { name, className, modelProperties: members, element: element && plain(element), value: value && plain(value) },
    };
  };
  const plainMembers = (members: Readonly<Record<string, MapperLike>>): Record<string, MapperLike> =>
    Object.fromEntries(Object.entries(members).map(([key, member]) => [key, plain(member)]));
  visit(className);
  return table;
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

function compositeConformer(mapper: MapperLike, models: MapperTable, byClass: Map<string, Conformer>): Conformer {
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
  for (const [clientName, property] of Object.entries(modelProperties(mapper, models))) {
    if (property.readOnly === true) continue;
    const serializedName = property.serializedName ?? clientName;
    if (serializedName.includes(".")) throw new Error(`flattened property ${className ?? "?"}.${serializedName} is not supported`);
    const member: Member = { index: members.length, clientName, serializedName, conform: identity };
    members.push(member);
    byClientName.set(clientName, member);
    member.conform = compileConformer(property, models, byClass);
  }
  return conformer;
}

function modelProperties(mapper: MapperLike, models: MapperTable): Readonly<Record<string, MapperLike>> {
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

/** One task (a TaskAddParameter in @azure/batch's shape) as wire JSON, from a table holding that class. */
export function taskWriter(models: MapperTable): (task: unknown) => string {
  const mapper = models.TaskAddParameter;
  if (mapper === undefined) throw new Error("the mapper table has no TaskAddParameter");
  const conform = compileConformer(mapper, models);
  return (task) => JSON.stringify(conform(task));
}

/**
 * The addtaskcollection body from tasks already in wire JSON: what JSON.stringify writes for
 * `{ value: [...] }` (TaskAddCollectionParameter has that one member), without parsing them again.
 */
export function collectionJson(tasksJson: readonly string[]): string {
  return `{"value":[${tasksJson.join(",")}]}`;
}
