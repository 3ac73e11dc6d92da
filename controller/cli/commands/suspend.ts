/**
 * `batch-gitops suspend|resume kind/name`: stop or restart reconciling one resource through its
 * `spec.suspend`. Cluster mode patches the object; directory mode edits the manifest file in place
 * (comments kept) and says to commit it, since the directory, not this command, is the truth.
 */
import type { Command } from "../command.js";
import { connectCluster } from "../clusterClient.js";
import { ResourceNotFoundError, setSuspend } from "../manifestEdit.js";
import { atMost, parseResourceArgs } from "../resourceArgs.js";
import { parseOneResource } from "../resourceRef.js";
import { requireManifestsDir, TARGET_USAGE } from "../target.js";
import { EXIT_USAGE } from "../usage.js";

function usage(verb: "suspend" | "resume"): string {
  const effect =
    verb === "suspend"
      ? "Sets spec.suspend: true: the controller stops changing the pool (a job is disabled: no new task starts)."
      : "Removes spec.suspend: the controller reconciles the resource again.";
  return `Usage: batch-gitops ${verb} kind/name [options]

${effect}
Directory mode edits the manifest file that declares the resource, in place, keeping its comments;
commit the change (or the next Git sync reverts it). Cluster mode patches the object; with
Argo CD or Flux syncing it, change the manifest in Git instead, or the sync reverts it.

Options:
${TARGET_USAGE}

Exit codes: 0 done (or already so), 1 not found or an error, ${EXIT_USAGE} bad usage.`;
}

function createSuspendCommand(verb: "suspend" | "resume"): Command {
  const suspend = verb === "suspend";
  return {
    name: verb,
    summary: suspend ? "stop reconciling one resource (spec.suspend: true)" : "reconcile a suspended resource again",
    usage: usage(verb),
    async run(args: string[]): Promise<number> {
      const parsed = parseResourceArgs(args);
      const [text] = atMost(parsed.positionals, 1, `${verb} takes one kind/name`);
      const ref = parseOneResource(text, parsed.namespace);
      const key = `${ref.kind}/${ref.namespace}/${ref.name}`;
      if (parsed.target.kind === "cluster") {
        const cluster = await connectCluster(parsed.target);
        if ((await cluster.get(ref.kind, ref.namespace, ref.name)) === undefined) {
          console.error(`batch-gitops ${verb}: ${key} not found`);
          return 1;
        }
        await cluster.mergePatch(ref.kind, ref.namespace, ref.name, { spec: { suspend: suspend ? true : null } });
        console.log(`${key} ${suspend ? "suspended" : "resumed"}`);
        return 0;
      }
      try {
        const edit = await setSuspend(await requireManifestsDir(parsed.target), ref, suspend);
        const what = suspend ? "spec.suspend: true" : "spec.suspend removed";
        console.log(
          edit.changed
            ? `${edit.file}:${edit.line}: ${key}: ${what}; commit this change to keep it`
            : `${key} is already ${suspend ? "suspended" : "not suspended"} (${edit.file}:${edit.line})`,
        );
        return 0;
      } catch (error: unknown) {
        if (!(error instanceof ResourceNotFoundError)) throw error;
        console.error(`batch-gitops ${verb}: ${error.message}`);
        return 1;
      }
    },
  };
}

export const suspendCommand = createSuspendCommand("suspend");
export const resumeCommand = createSuspendCommand("resume");
