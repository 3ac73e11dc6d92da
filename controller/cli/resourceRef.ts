/**
 * `kind[/name]` and `kind/namespace/name` arguments of get, diff, suspend, resume and reconcile.
 * Kinds are accepted as kubectl accepts them: BatchPool, batchpool(s), bpool, pool (and the job and
 * account forms likewise: bjob, bacct).
 */
import type { ResourceKind } from "../runtime/ports.js";
import { UsageError } from "./usage.js";

const KIND_NAMES: Record<string, ResourceKind> = {
  batchpool: "BatchPool",
  batchpools: "BatchPool",
  bpool: "BatchPool",
  pool: "BatchPool",
  pools: "BatchPool",
  batchjob: "BatchJob",
  batchjobs: "BatchJob",
  bjob: "BatchJob",
  job: "BatchJob",
  jobs: "BatchJob",
  batchaccount: "BatchAccount",
  batchaccounts: "BatchAccount",
  bacct: "BatchAccount",
  account: "BatchAccount",
  accounts: "BatchAccount",
};

export interface ResourceSelector {
  kind?: ResourceKind;
  namespace?: string;
  name?: string;
}

export function parseKind(text: string): ResourceKind {
  const kind = KIND_NAMES[text.toLowerCase()];
  if (kind === undefined)
    throw new UsageError(`unknown kind "${text}": use BatchPool (pool, bpool), BatchJob (job, bjob) or BatchAccount (account, bacct)`);
  return kind;
}

/** `kind`, `kind/name` or `kind/namespace/name`; the --namespace flag fills a missing namespace. */
export function parseSelector(text: string | undefined, namespace: string | undefined): ResourceSelector {
  if (text === undefined) return { namespace };
  const parts = text.split("/");
  if (parts.length > 3 || parts.some((p) => p === "")) throw new UsageError(`"${text}" is not kind, kind/name or kind/namespace/name`);
  const [kind, a, b] = parts;
  const selected = parseKind(kind ?? "");
  return b === undefined ? { kind: selected, namespace, name: a } : { kind: selected, namespace: a, name: b };
}

/**
 * One named resource (suspend, resume, reconcile, diff): kind and name are required. A BatchAccount has
 * nothing to suspend or diff (it owns nothing in Batch), so only the commands that take one pass `withAccounts`.
 */
export function parseOneResource(
  text: string | undefined,
  namespace: string | undefined,
  options: { withAccounts?: boolean } = {},
): Required<ResourceSelector> {
  const selector = parseSelector(text, namespace);
  if (selector.kind === undefined || selector.name === undefined)
    throw new UsageError("name one resource: kind/name or kind/namespace/name, e.g. pool/render");
  if (selector.kind === "BatchAccount" && options.withAccounts !== true)
    throw new UsageError(`${text ?? ""}: a BatchAccount owns nothing in Batch; name a BatchPool or BatchJob`);
  return { kind: selector.kind, namespace: selector.namespace ?? "default", name: selector.name };
}

export function matches(selector: ResourceSelector, ref: { kind: string; namespace: string; name: string }): boolean {
  return (
    (selector.kind === undefined || selector.kind === ref.kind) &&
    (selector.namespace === undefined || selector.namespace === ref.namespace) &&
    (selector.name === undefined || selector.name === ref.name)
  );
}
