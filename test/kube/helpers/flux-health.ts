/**
 * Flux's healthCheckExprs from manifests/deploy/flux, evaluated with a CEL engine the way Flux does
 * (RFC-0009): observedGeneration behind generation is InProgress, then failed, then current, else
 * InProgress.
 */
import { readFileSync } from "node:fs";
import { evaluate } from "@marcbachmann/cel-js";
import { parseAllDocuments } from "yaml";
import type { FluxHealthStatus } from "./lua-health-fixtures.js";

export interface HealthCheckExprs {
  apiVersion: string;
  kind: string;
  inProgress?: string;
  failed?: string;
  current: string;
}

const KUSTOMIZATIONS = new URL("../../../manifests/deploy/flux/kustomizations.yaml", import.meta.url);

export function healthCheckExprs(): HealthCheckExprs[] {
  const docs = parseAllDocuments(readFileSync(KUSTOMIZATIONS, "utf8")).map(
    (d) => d.toJS() as { spec?: { healthCheckExprs?: HealthCheckExprs[] } },
  );
  return docs.flatMap((d) => d.spec?.healthCheckExprs ?? []);
}

export function exprsFor(kind: string): HealthCheckExprs {
  const found = healthCheckExprs().find((e) => e.kind === kind && e.apiVersion === "azurebatch.gitops.dev/v1alpha1");
  if (found === undefined) {
    throw new Error(`no healthCheckExprs for ${kind}`);
  }
  return found;
}

export function fluxStatus(exprs: HealthCheckExprs, obj: Record<string, unknown>): FluxHealthStatus {
  const status = obj.status as { observedGeneration?: number } | undefined;
  const metadata = obj.metadata as { generation?: number };
  if (status?.observedGeneration !== undefined && status.observedGeneration !== metadata.generation) {
    return "InProgress";
  }
  const ordered: [string | undefined, FluxHealthStatus][] = [
    [exprs.inProgress, "InProgress"],
    [exprs.failed, "Failed"],
    [exprs.current, "Current"],
  ];
  try {
    for (const [expr, result] of ordered) {
      if (expr !== undefined && evaluate(expr, obj) === true) {
        return result;
      }
    }
  } catch {
    return "Error";
  }
  return "InProgress";
}

/** The Flux health of an object of ours, with the expressions shipped for its kind. */
export function fluxHealth(kind: "BatchPool" | "BatchJob", obj: object): FluxHealthStatus {
  return fluxStatus(exprsFor(kind), obj as Record<string, unknown>);
}
