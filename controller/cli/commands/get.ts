/**
 * `batch-gitops get [kind[/name]]`: the declared resources with their Ready condition, like
 * `kubectl get`. Directory mode reads the manifests and the controller's status (its /status, else
 * its status file); cluster mode lists the objects.
 */
import type { Command } from "../command.js";
import { connectCluster } from "../clusterClient.js";
import { OUTPUT_FORMATS, parseOutput, renderColumns, renderStructured } from "../output.js";
import { atMost, parseResourceArgs, type ResourceArgs } from "../resourceArgs.js";
import { matches, parseSelector, type ResourceSelector } from "../resourceRef.js";
import { requireManifestsDir, TARGET_USAGE, type Target } from "../target.js";
import { EXIT_USAGE } from "../usage.js";
import { readStatus } from "./status.js";
import { loadManifests } from "../../manifests/index.js";
import { RESOURCE_KINDS, type CustomResource } from "../../kubernetes/resources.js";

const USAGE = `Usage: batch-gitops get [kind[/name]] [options]

Lists BatchPools and BatchJobs with their Ready condition, like kubectl get. kind is BatchPool
(pool, bpool) or BatchJob (job, bjob); kind/name or kind/namespace/name picks one.

Options:
  --output, -o FORMAT     table (default), json or yaml (a v1 List of the objects, status included)
${TARGET_USAGE}

Exit codes: 0 found, 1 the named resource does not exist (or an error), ${EXIT_USAGE} bad usage.`;

interface Listed {
  object: CustomResource;
  kind: string;
  namespace: string;
  name: string;
}

interface ConditionView {
  type?: string;
  status?: string;
  reason?: string;
  message?: string;
}

function conditionOf(object: CustomResource, type: string): ConditionView | undefined {
  const conditions = object.status?.conditions;
  return Array.isArray(conditions) ? (conditions as ConditionView[]).find((c) => c.type === type) : undefined;
}

async function fromDirectory(target: Extract<Target, { kind: "directory" }>): Promise<Listed[]> {
  // A --dir typo is an error, not an empty list ("No resources found").
  const loaded = await loadManifests(await requireManifestsDir(target));
  // Only what is not listed is "left out": a listed resource with an error (a missing pool) shows its own status.
  const errors = loaded.problems.filter((p) => p.severity === "error").length;
  const left = loaded.rejected.length === 0 ? "" : `; ${loaded.rejected.length} resource(s) left out of this list`;
  if (errors > 0) console.error(`note: ${errors} manifest error(s)${left}; run batch-gitops validate ${target.dir}`);
  const status = await readStatus(target.url, target.stateDir).catch(() => undefined);
  const byKey = new Map((status?.document.resources ?? []).map((r) => [r.key as string, r.status]));
  return loaded.resources.map((r) => {
    const object = { ...(r.resource as unknown as CustomResource) };
    const observed = byKey.get(r.key);
    return {
      object: observed === undefined ? object : { ...object, status: observed as unknown as Record<string, unknown> },
      kind: r.kind,
      namespace: r.namespace,
      name: r.name,
    };
  });
}

async function fromCluster(target: Extract<Target, { kind: "cluster" }>, selector: ResourceSelector): Promise<Listed[]> {
  const cluster = await connectCluster(target);
  const kinds = selector.kind === undefined ? RESOURCE_KINDS : [selector.kind];
  const lists = await Promise.all(
    kinds.map(async (kind) =>
      (await cluster.list(kind, selector.namespace)).map((object) => ({
        object: { ...object, kind, apiVersion: object.apiVersion },
        kind,
        namespace: object.metadata?.namespace ?? "default",
        name: object.metadata?.name ?? "",
      })),
    ),
  );
  return lists.flat();
}

function row(item: Listed): string[] {
  const ready = conditionOf(item.object, "Ready");
  return [
    item.kind,
    item.namespace,
    item.name,
    ready?.status ?? "Unknown",
    ready?.reason ?? "-",
    item.object.spec?.suspend === true ? "True" : "False",
    ready?.message ?? "",
  ];
}

/** Directory mode shows every namespace unless one is named; a cluster defaults to "default", as kubectl. */
function namespaceOf(parsed: ResourceArgs): string | undefined {
  if (parsed.allNamespaces) return undefined;
  return parsed.namespace ?? (parsed.target.kind === "cluster" ? "default" : undefined);
}

export const getCommand: Command = {
  name: "get",
  summary: "list BatchPools and BatchJobs with their Ready condition, like kubectl get",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const parsed = parseResourceArgs(args);
    const [text] = atMost(parsed.positionals, 1, "get takes at most one kind[/name]");
    const output = parseOutput(parsed.output, OUTPUT_FORMATS, "table");
    const namespace = namespaceOf(parsed);
    const selector = parseSelector(text, namespace);
    const all = parsed.target.kind === "cluster" ? await fromCluster(parsed.target, selector) : await fromDirectory(parsed.target);
    const items = all
      .filter((i) => matches(selector, i))
      .sort((a, b) => a.kind.localeCompare(b.kind) || a.namespace.localeCompare(b.namespace) || a.name.localeCompare(b.name));
    if (selector.name !== undefined && items.length === 0) {
      console.error(`batch-gitops get: ${selector.kind ?? ""}/${selector.namespace ?? "default"}/${selector.name} not found`);
      return 1;
    }
    if (output !== "table") {
      console.log(renderStructured({ apiVersion: "v1", kind: "List", items: items.map((i) => i.object) }, output));
    } else if (items.length === 0) {
      console.error("No resources found.");
    } else {
      console.log(renderColumns(["KIND", "NAMESPACE", "NAME", "READY", "REASON", "SUSPENDED", "MESSAGE"], items.map(row)));
    }
    return 0;
  },
};
