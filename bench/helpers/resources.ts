/** The resources the benchmarks reconcile, as desired resources (in-process) and as manifest YAML (child process). */
import type { DesiredResource } from "../../controller/runtime/ports.js";

const IMAGE = { marketplace: { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204", version: "latest" } };
const NODE_AGENT = "batch.node.ubuntu 22.04";

/** A fixed-scale pool with no nodes: tasks added to its jobs stay active, so every one can be counted. */
export function emptyPool(name: string): DesiredResource {
  return {
    kind: "BatchPool",
    namespace: "default",
    name,
    generation: 1,
    source: { location: `bench:${name}` },
    spec: { vmSize: "standard_d2s_v3", image: IMAGE, nodeAgentSkuId: NODE_AGENT, scale: { fixed: { targetDedicatedNodes: 0 } } },
  };
}

/** A parametric sweep of `tasks` tasks (ids t-000000…), generated and submitted as a stream by the engine. */
export function sweepJob(name: string, poolName: string, tasks: number): DesiredResource {
  return {
    kind: "BatchJob",
    namespace: "default",
    name,
    generation: 1,
    source: { location: `bench:${name}` },
    spec: { poolRef: { name: poolName }, taskFactory: sweepFactory(tasks) },
  };
}

export function sweepFactory(tasks: number): Record<string, unknown> {
  return {
    parametricSweep: { parameters: [{ name: "i", start: 0, end: tasks - 1 }], taskTemplate: { id: "t-{i:06}", commandLine: "echo {i}" } },
  };
}

/** The same resources as manifest documents, for the CLI's directory source. */
export function manifestYaml(resource: DesiredResource): string {
  const doc = {
    apiVersion: "azurebatch.gitops.dev/v1alpha1",
    kind: resource.kind,
    metadata: { name: resource.name, namespace: resource.namespace },
    spec: resource.spec,
  };
  // JSON is YAML: one flow-style document per resource keeps this free of a serializer.
  return `---\n${JSON.stringify(doc)}\n`;
}
