/**
 * Where the resource commands (get, diff, suspend, resume, reconcile, events) find resources:
 * a directory of manifests (the default, as `run`), or a cluster when --kubeconfig, --context or
 * --source kubernetes is given.
 */
import { stat } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "./usage.js";

export const TARGET_OPTIONS = {
  dir: { type: "string" },
  source: { type: "string" },
  kubeconfig: { type: "string" },
  context: { type: "string" },
  namespace: { type: "string", short: "n" },
  "all-namespaces": { type: "boolean", short: "A" },
  url: { type: "string" },
  "state-dir": { type: "string" },
} as const;

export const TARGET_USAGE = `Where (directory mode unless a cluster flag is given):
  --dir DIR               manifests directory (default manifests/examples, as run)
  --url URL               the running controller's HTTP address (default http://127.0.0.1:8080)
  --state-dir DIR         the controller's state dir, read when it is not running (default .batch-gitops)
  --source kubernetes     cluster mode, with the kubeconfig of KUBECONFIG or ~/.kube/config
  --kubeconfig FILE       cluster mode with this kubeconfig
  --context NAME          cluster mode with this kubeconfig context
  --namespace, -n NS      the namespace (default: default; get and events: all in directory mode)
  --all-namespaces, -A    every namespace (get, events)`;

export type Target =
  { kind: "directory"; dir: string; url: string; stateDir: string } | { kind: "cluster"; kubeconfig?: string; context?: string };

export interface TargetValues {
  dir?: string;
  source?: string;
  kubeconfig?: string;
  context?: string;
  url?: string;
  "state-dir"?: string;
}

/** Whether the flags name a cluster; contradictory flags are a usage error. */
function wantsCluster(values: TargetValues): boolean {
  if (values.source !== undefined && values.source !== "kubernetes" && values.source !== "directory") {
    throw new UsageError(`--source must be directory or kubernetes; got "${values.source}"`);
  }
  const cluster = values.source === "kubernetes" || values.kubeconfig !== undefined || values.context !== undefined;
  if (cluster && values.source === "directory") throw new UsageError("--kubeconfig and --context are for --source kubernetes");
  if (cluster && values.dir !== undefined) throw new UsageError("--dir is for directory mode; --kubeconfig/--context select a cluster");
  return cluster;
}

export function parseTarget(values: TargetValues): Target {
  if (wantsCluster(values)) return { kind: "cluster", kubeconfig: values.kubeconfig, context: values.context };
  return {
    kind: "directory",
    dir: resolve(values.dir ?? "manifests/examples"),
    url: values.url ?? "http://127.0.0.1:8080",
    stateDir: resolve(values["state-dir"] ?? ".batch-gitops"),
  };
}

/** Why the directory a flag names cannot be read as one (a typo, a file), or undefined when it can. */
export async function directoryProblem(flag: string, dir: string): Promise<string | undefined> {
  try {
    if ((await stat(dir)).isDirectory()) return undefined;
    return `${flag} ${dir} is a file, not a directory`;
  } catch (error: unknown) {
    const code = (error as NodeJS.ErrnoException).code;
    return code === "ENOENT" ? `${flag} ${dir} does not exist` : `${flag} ${dir} cannot be read (${code ?? String(error)})`;
  }
}

/** The manifests directory a command reads: one that does not exist is a typo (exit 64), not an empty set. */
export async function requireManifestsDir(target: Extract<Target, { kind: "directory" }>): Promise<string> {
  const problem = await directoryProblem("--dir", target.dir);
  if (problem !== undefined) throw new UsageError(problem);
  return target.dir;
}
