/** Option parsing shared by the resource commands (get, diff, suspend, resume, reconcile, events). */
import { parseArgs } from "node:util";
import { OUTPUT_OPTION } from "./output.js";
import { TARGET_OPTIONS, parseTarget, type Target } from "./target.js";
import { messageOf, UsageError } from "./usage.js";

export interface ResourceArgs {
  positionals: string[];
  target: Target;
  namespace: string | undefined;
  allNamespaces: boolean;
  output: string | undefined;
  values: Record<string, string | boolean | undefined>;
}

type ExtraOptions = Record<string, { type: "string" | "boolean"; short?: string }>;

export function parseResourceArgs(args: string[], extra: ExtraOptions = {}): ResourceArgs {
  let parsed;
  try {
    parsed = parseArgs({ args, allowPositionals: true, strict: true, options: { ...TARGET_OPTIONS, ...OUTPUT_OPTION, ...extra } });
  } catch (error: unknown) {
    throw new UsageError(messageOf(error));
  }
  const values = parsed.values as Record<string, string | boolean | undefined> & {
    namespace?: string;
    "all-namespaces"?: boolean;
    output?: string;
  };
  if (values.namespace !== undefined && values["all-namespaces"] === true)
    throw new UsageError("--namespace and --all-namespaces exclude each other");
  return {
    positionals: parsed.positionals,
    target: parseTarget(parsed.values),
    namespace: values.namespace,
    allNamespaces: values["all-namespaces"] ?? false,
    output: values.output,
    values,
  };
}

/** At most `max` positionals; more is a usage error naming the surplus. */
export function atMost(positionals: string[], max: number, what: string): (string | undefined)[] {
  if (positionals.length > max) throw new UsageError(`${what}; unexpected "${positionals.slice(max).join(" ")}"`);
  return positionals;
}
