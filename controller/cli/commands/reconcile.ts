/**
 * `batch-gitops reconcile kind/name`: ask for an immediate reconcile instead of waiting for the
 * resync. Cluster mode sets the reconcile.fluxcd.io/requestedAt annotation (as `flux reconcile`);
 * directory mode asks the running controller over its loopback HTTP API.
 */
import type { Command } from "../command.js";
import { connectCluster, requestReconcilePatch } from "../clusterClient.js";
import { atMost, parseResourceArgs } from "../resourceArgs.js";
import { parseOneResource } from "../resourceRef.js";
import { TARGET_USAGE } from "../target.js";
import { EXIT_USAGE } from "../usage.js";

const USAGE = `Usage: batch-gitops reconcile kind/name [options]

Requests an immediate reconcile of one resource.
Cluster mode sets the annotation reconcile.fluxcd.io/requestedAt to the current time.
Directory mode sends POST /reconcile/<Kind>/<namespace>/<name> to the running controller
(--url, default http://127.0.0.1:8080; the controller must run with --http-addr on).

Options:
${TARGET_USAGE}

Exit codes: 0 requested, 1 not found, no controller answering, or an error, ${EXIT_USAGE} bad usage.`;

async function overHttp(url: string, key: string): Promise<number> {
  const endpoint = new URL(`/reconcile/${key}`, url).toString();
  let response: Response;
  try {
    response = await fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
      signal: AbortSignal.timeout(5000),
    });
  } catch {
    console.error(
      `batch-gitops reconcile: no controller answers at ${url}; start it with \`batch-gitops run\` (its --http-addr), or pass --url`,
    );
    return 1;
  }
  if (response.status === 202) {
    console.log(`${key}: reconcile requested`);
    return 0;
  }
  console.error(
    `batch-gitops reconcile: ${response.status === 404 ? `the controller at ${url} does not know ${key}` : `the controller answered ${response.status}`}`,
  );
  return 1;
}

export const reconcileCommand: Command = {
  name: "reconcile",
  summary: "request an immediate reconcile of one resource",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const parsed = parseResourceArgs(args);
    const [text] = atMost(parsed.positionals, 1, "reconcile takes one kind/name");
    const ref = parseOneResource(text, parsed.namespace, { withAccounts: true });
    const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
    if (parsed.target.kind === "directory") return overHttp(parsed.target.url, key);
    const cluster = await connectCluster(parsed.target);
    if ((await cluster.get(ref.kind, ref.namespace, ref.name)) === undefined) {
      console.error(`batch-gitops reconcile: ${key} not found`);
      return 1;
    }
    await cluster.mergePatch(ref.kind, ref.namespace, ref.name, requestReconcilePatch(new Date()));
    console.log(`${key}: reconcile requested`);
    return 0;
  },
};
