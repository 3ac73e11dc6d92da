/** The built-in resources the controller uses: Namespaces, Secrets, core/v1 and events.k8s.io/v1 Events, Leases. */
import { isPlainObject } from "./schema.js";
import type { FieldCause, JsonObject, KubeObject, ResourceType } from "./types.js";

type BuiltinSpec = Pick<ResourceType, "group" | "version" | "kind" | "plural" | "namespaced"> & Partial<ResourceType>;

function builtin(spec: BuiltinSpec): ResourceType {
  const apiVersion = spec.group === "" ? spec.version : `${spec.group}/${spec.version}`;
  return {
    listKind: `${spec.kind}List`,
    singular: spec.kind.toLowerCase(),
    shortNames: [],
    custom: false,
    hasStatusSubresource: false,
    tracksGeneration: false,
    allowUnconditionalUpdate: true,
    allowCreateOnUpdate: false,
    storageKey: `${spec.group}/${spec.plural}`,
    extraFieldLabels: {},
    toStorage: (obj) => obj,
    fromStorage: (obj) => ({ ...obj, apiVersion, kind: spec.kind }),
    normalize: () => [],
    validate: () => [],
    ...spec,
  };
}

/** Where Namespaces are stored; namespace lifecycle code looks them up directly. */
export const NAMESPACE_STORAGE_KEY = "/namespaces";

const namespaces = builtin({
  group: "",
  version: "v1",
  kind: "Namespace",
  plural: "namespaces",
  namespaced: false,
  storageKey: NAMESPACE_STORAGE_KEY,
  shortNames: ["ns"],
  hasStatusSubresource: true,
  normalize: (obj) => {
    obj.spec = { finalizers: ["kubernetes"], ...(isPlainObject(obj.spec) ? obj.spec : {}) };
    obj.status = { phase: obj.metadata.deletionTimestamp ? "Terminating" : "Active" };
    return [];
  },
});

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

function validateSecret(obj: KubeObject, old: KubeObject | undefined): FieldCause[] {
  const causes: FieldCause[] = [];
  const data = isPlainObject(obj.data) ? obj.data : {};
  for (const [key, value] of Object.entries(data)) {
    if (!SECRET_KEY.test(key))
      causes.push({
        reason: "FieldValueInvalid",
        field: `data[${key}]`,
        message: `Invalid value: "${key}": a valid config key must consist of alphanumeric characters, '-', '_' or '.'`,
      });
    if (typeof value !== "string" || value.length % 4 !== 0 || !BASE64.test(value)) {
      causes.push({ reason: "FieldValueInvalid", field: `data[${key}]`, message: "Invalid value: <value omitted>: illegal base64 data" });
    }
  }
  if (old && old.type !== obj.type)
    causes.push({ reason: "FieldValueInvalid", field: "type", message: "Invalid value: <type>: field is immutable" });
  if (old?.immutable === true && (JSON.stringify(old.data ?? {}) !== JSON.stringify(obj.data ?? {}) || obj.immutable !== true)) {
    causes.push({ reason: "FieldValueForbidden", field: "data", message: "Forbidden: field is immutable when `immutable` is set" });
  }
  return causes;
}

/** stringData is write-only: merged into data (base64) and never stored, like the real server. */
function secretToStorage(obj: KubeObject): KubeObject {
  const out: KubeObject = { ...obj, type: typeof obj.type === "string" && obj.type !== "" ? obj.type : "Opaque" };
  if (isPlainObject(obj.stringData)) {
    const data: JsonObject = { ...(isPlainObject(obj.data) ? obj.data : {}) };
    for (const [key, value] of Object.entries(obj.stringData)) data[key] = Buffer.from(String(value), "utf8").toString("base64");
    out.data = data;
  }
  delete out.stringData;
  return out;
}

const secrets = builtin({
  group: "",
  version: "v1",
  kind: "Secret",
  plural: "secrets",
  namespaced: true,
  toStorage: secretToStorage,
  validate: (obj, old) => validateSecret(secretToStorage(obj), old),
  extraFieldLabels: { type: (obj) => (typeof obj.type === "string" ? obj.type : undefined) },
});

const field = (obj: unknown, ...path: string[]): string | undefined => {
  let value: unknown = obj;
  for (const key of path) value = isPlainObject(value) ? value[key] : undefined;
  return typeof value === "string" ? value : undefined;
};

function normalizeEventTimes(obj: KubeObject): string[] {
  normalizeMicroTimes(obj, ["eventTime"]);
  normalizeMicroTimes(obj.series, ["lastObservedTime"]);
  return [];
}

/** Both Event APIs share one storage (core/v1 shape), so an event written through either is listed by both. */
const EVENT_STORAGE = "events";

const coreEvents = builtin({
  group: "",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  shortNames: ["ev"],
  allowCreateOnUpdate: true,
  storageKey: EVENT_STORAGE,
  normalize: normalizeEventTimes,
  validate: (obj) =>
    isPlainObject(obj.involvedObject) ? [] : [{ reason: "FieldValueRequired", field: "involvedObject", message: "Required value" }],
  extraFieldLabels: {
    "involvedObject.kind": (obj) => field(obj, "involvedObject", "kind"),
    "involvedObject.name": (obj) => field(obj, "involvedObject", "name"),
    "involvedObject.namespace": (obj) => field(obj, "involvedObject", "namespace"),
    "involvedObject.uid": (obj) => field(obj, "involvedObject", "uid"),
    "involvedObject.apiVersion": (obj) => field(obj, "involvedObject", "apiVersion"),
    reason: (obj) => field(obj, "reason"),
    reportingComponent: (obj) => field(obj, "reportingComponent"),
    source: (obj) => field(obj, "source", "component"),
    type: (obj) => field(obj, "type"),
  },
});

/** events.k8s.io/v1 field ↔ core/v1 field (the rest share names). */
const EVENT_FIELD_RENAMES: Array<[string, string]> = [
  ["regarding", "involvedObject"],
  ["note", "message"],
  ["reportingController", "reportingComponent"],
  ["deprecatedSource", "source"],
  ["deprecatedFirstTimestamp", "firstTimestamp"],
  ["deprecatedLastTimestamp", "lastTimestamp"],
  ["deprecatedCount", "count"],
];

function renameFields(obj: KubeObject, renames: Array<[string, string]>): KubeObject {
  const out: KubeObject = { ...obj };
  for (const [from, to] of renames) {
    delete out[from];
    if (obj[from] !== undefined) out[to] = obj[from];
  }
  return out;
}

function validateEventsV1(obj: KubeObject): FieldCause[] {
  const required = ["eventTime", "reportingController", "reportingInstance", "action", "reason"];
  const causes: FieldCause[] = required
    .filter((key) => obj[key] === undefined || obj[key] === "")
    .map((key) => ({ reason: "FieldValueRequired", field: key, message: "Required value" }));
  if (obj.type !== "Normal" && obj.type !== "Warning") {
    causes.push({
      reason: "FieldValueInvalid",
      field: "type",
      message: `Invalid value: ${JSON.stringify(obj.type ?? "")}: has invalid value: ${JSON.stringify(obj.type ?? "")}`,
    });
  }
  if (typeof obj.note === "string" && obj.note.length > 1024)
    causes.push({ reason: "FieldValueTooLong", field: "note", message: "Too long: may not be more than 1024 bytes" });
  return causes;
}

const eventsV1 = builtin({
  group: "events.k8s.io",
  version: "v1",
  kind: "Event",
  plural: "events",
  namespaced: true,
  shortNames: ["ev"],
  allowCreateOnUpdate: true,
  storageKey: EVENT_STORAGE,
  normalize: normalizeEventTimes,
  toStorage: (obj) => ({ ...renameFields(obj, EVENT_FIELD_RENAMES), apiVersion: "v1", kind: "Event" }),
  fromStorage: (obj) => ({
    ...renameFields(
      obj,
      EVENT_FIELD_RENAMES.map(([a, b]) => [b, a]),
    ),
    apiVersion: "events.k8s.io/v1",
    kind: "Event",
  }),
  validate: validateEventsV1,
  extraFieldLabels: {
    "regarding.kind": (obj) => field(obj, "involvedObject", "kind"),
    "regarding.name": (obj) => field(obj, "involvedObject", "name"),
    "regarding.namespace": (obj) => field(obj, "involvedObject", "namespace"),
    "regarding.uid": (obj) => field(obj, "involvedObject", "uid"),
    reason: (obj) => field(obj, "reason"),
    reportingController: (obj) => field(obj, "reportingComponent"),
    type: (obj) => field(obj, "type"),
  },
});

function validateLease(obj: KubeObject): FieldCause[] {
  const spec = isPlainObject(obj.spec) ? obj.spec : {};
  const causes: FieldCause[] = [];
  const duration = spec.leaseDurationSeconds;
  if (duration !== undefined && duration !== null && (typeof duration !== "number" || !Number.isInteger(duration) || duration <= 0)) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.leaseDurationSeconds",
      message: `Invalid value: ${JSON.stringify(duration)}: must be greater than 0`,
    });
  }
  const transitions = spec.leaseTransitions;
  if (transitions !== undefined && transitions !== null && (typeof transitions !== "number" || transitions < 0)) {
    causes.push({
      reason: "FieldValueInvalid",
      field: "spec.leaseTransitions",
      message: `Invalid value: ${JSON.stringify(transitions)}: must be greater than or equal to 0`,
    });
  }
  return causes;
}

/** MicroTime fields come back with exactly six fractional digits, whatever precision the client sent. */
function toMicroTime(value: unknown): unknown {
  if (typeof value !== "string") return value;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const fraction = /\.(\d+)/.exec(value)?.[1] ?? "";
  return `${date.toISOString().slice(0, 19)}.${fraction.padEnd(6, "0").slice(0, 6)}Z`;
}

function normalizeMicroTimes(target: unknown, keys: string[]): void {
  if (!isPlainObject(target)) return;
  for (const key of keys) if (target[key] !== undefined) target[key] = toMicroTime(target[key]);
}

const leases = builtin({
  group: "coordination.k8s.io",
  version: "v1",
  kind: "Lease",
  plural: "leases",
  namespaced: true,
  allowCreateOnUpdate: true,
  validate: validateLease,
  normalize: (obj) => {
    normalizeMicroTimes(obj.spec, ["acquireTime", "renewTime"]);
    return [];
  },
});

export const builtinResources = (): ResourceType[] => [namespaces, secrets, coreEvents, eventsV1, leases];
