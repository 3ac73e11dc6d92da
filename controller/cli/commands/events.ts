/**
 * `batch-gitops events [kind[/name]]` (cluster mode): the Kubernetes Events the controller
 * recorded about BatchPools and BatchJobs, oldest first, like `kubectl events`.
 */
import type { CoreV1Event } from "@kubernetes/client-node";
import type { Command } from "../command.js";
import { connectCluster, eventTime } from "../clusterClient.js";
import { OUTPUT_FORMATS, parseOutput, renderColumns, renderStructured } from "../output.js";
import { atMost, parseResourceArgs } from "../resourceArgs.js";
import { matches, parseSelector } from "../resourceRef.js";
import { TARGET_USAGE } from "../target.js";
import { EXIT_USAGE, UsageError } from "../usage.js";

const USAGE = `Usage: batch-gitops events [kind[/name]] --kubeconfig FILE [options]

Cluster mode only: prints the Events recorded about BatchPools and BatchJobs, oldest first.
In directory mode the same records are log lines of the controller (msg "event").

Options:
  --output, -o FORMAT     table (default), json or yaml
${TARGET_USAGE}

Exit codes: 0 success, 1 an error, ${EXIT_USAGE} bad usage (including directory mode).`;

function row(event: CoreV1Event): string[] {
  const at = eventTime(event);
  const object = event.involvedObject;
  return [
    at === 0 ? "-" : new Date(at).toISOString(),
    event.type ?? "",
    event.reason ?? "",
    `${object.kind ?? ""}/${object.namespace ?? ""}/${object.name ?? ""}`,
    String(event.count ?? 1),
    event.message ?? "",
  ];
}

export const eventsCommand: Command = {
  name: "events",
  summary: "show the Kubernetes Events about BatchPools and BatchJobs (cluster mode)",
  usage: USAGE,
  async run(args: string[]): Promise<number> {
    const parsed = parseResourceArgs(args);
    const [text] = atMost(parsed.positionals, 1, "events takes at most one kind[/name]");
    const output = parseOutput(parsed.output, OUTPUT_FORMATS, "table");
    if (parsed.target.kind !== "cluster") {
      throw new UsageError(
        "events reads a cluster: give --kubeconfig, --context or --source kubernetes (in directory mode, events are the controller's log lines)",
      );
    }
    const namespace = parsed.allNamespaces ? undefined : (parsed.namespace ?? "default");
    const selector = parseSelector(text, namespace);
    const cluster = await connectCluster(parsed.target);
    const events = (await cluster.events(namespace)).filter((e) =>
      matches(selector, {
        kind: e.involvedObject.kind ?? "",
        namespace: e.involvedObject.namespace ?? "",
        name: e.involvedObject.name ?? "",
      }),
    );
    if (output !== "table") {
      console.log(renderStructured({ apiVersion: "v1", kind: "List", items: events }, output));
    } else if (events.length === 0) {
      console.error("No events found.");
    } else {
      console.log(renderColumns(["LAST SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"], events.map(row)));
    }
    return 0;
  },
};
