/**
 * Batch-aware validation: rules from the Azure Batch documentation that go beyond the schema.
 * Pure: each rule reads one resource and the validation context.
 */
import type { BatchResource, FieldProblem } from "../model/index.js";
import { containerRunOptionsGpus, containerRunOptionsRm, containerRunOptionsShortForm, workdirRelativeOutput } from "./containerRules.js";
import {
  dockerBridgeOverlap,
  dockerHubWithoutCredentials,
  galleryImageNeedsEntra,
  galleryReplicasPer300Vms,
  nodeAgentSkuMismatch,
  resizeTimeoutLargePool,
  retiringImage,
} from "./poolRules.js";
import {
  identityNeedsArm,
  identityNotAssigned,
  mountNeedsLinux,
  mountOnCustomImage,
  mountOptionsWithoutCredentials,
} from "./identityRules.js";
import { toProblems, type BatchRule, type ValidationContext } from "./rule.js";

export type { AuthMode, BatchRule, Finding, ValidationContext } from "./rule.js";

/** Every rule, in the order `validate` documents them. */
export const BATCH_RULES: readonly BatchRule[] = [
  galleryImageNeedsEntra,
  nodeAgentSkuMismatch,
  galleryReplicasPer300Vms,
  resizeTimeoutLargePool,
  retiringImage,
  dockerHubWithoutCredentials,
  dockerBridgeOverlap,
  containerRunOptionsShortForm,
  containerRunOptionsRm,
  containerRunOptionsGpus,
  workdirRelativeOutput,
  identityNeedsArm,
  identityNotAssigned,
  mountNeedsLinux,
  mountOnCustomImage,
  mountOptionsWithoutCredentials,
];

/** Runs every rule on a schema-valid resource. */
export function validateBatchRules(
  resource: BatchResource,
  context: ValidationContext,
  rules: readonly BatchRule[] = BATCH_RULES,
): FieldProblem[] {
  if (resource.kind === "BatchAccount") return [];
  return rules.flatMap((rule) => {
    if (resource.kind === "BatchPool") return toProblems(rule, rule.checkPool?.(resource, context) ?? []);
    return toProblems(rule, rule.checkJob?.(resource, context) ?? []);
  });
}
