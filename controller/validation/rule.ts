/** The shape of one Batch-aware validation rule (see ../shared/DESIGN.md, "Rules and warnings"). */
import type { BatchJob, BatchPool, FieldProblem, Severity } from "../model/index.js";

export type AuthMode = "entra" | "shared-key";

export interface ValidationContext {
  /** How the controller authenticates to Batch; gallery images need Microsoft Entra ID. */
  readonly authMode: AuthMode;
  /**
   * Whether pools can be written through Azure Resource Manager (the account's ARM resource id is known):
   * false makes an identity pool an error; undefined (unknown here) leaves it to `run`.
   */
  readonly arm?: boolean;
}

/** A finding of a rule, before the loader locates it in a file. */
export interface Finding {
  readonly path: string;
  readonly message: string;
}

export interface BatchRule {
  /** Stable id printed in brackets by `validate`, e.g. `node-agent-sku-mismatch`. */
  readonly id: string;
  readonly severity: Severity;
  /** One line for docs: what the rule checks and why. */
  readonly summary: string;
  readonly checkPool?: (pool: BatchPool, context: ValidationContext) => Finding[];
  readonly checkJob?: (job: BatchJob, context: ValidationContext) => Finding[];
}

export function toProblems(rule: BatchRule, findings: readonly Finding[]): FieldProblem[] {
  return findings.map((f) => ({ severity: rule.severity, rule: rule.id, path: f.path, message: f.message }));
}
