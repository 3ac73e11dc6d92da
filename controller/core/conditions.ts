/**
 * The only writer of status conditions (flux runtime/conditions). kstatus: Ready, Reconciling,
 * Stalled, plus our Drifted. `lastTransitionTime` is kept unless status changes; every condition
 * is stamped with the generation it describes. Pure: the caller passes the time.
 */
import type { ConditionRecord } from "./conditionRecord.js";

export type ConditionType = "Ready" | "Reconciling" | "Stalled" | "Drifted";
export type ConditionStatus = "True" | "False" | "Unknown";

/** PascalCase reasons used across the engine: the registry is core/reasons.ts. */
import { Reasons } from "./reasons.js";

export { Reasons };

const ORDER: readonly ConditionType[] = ["Ready", "Reconciling", "Stalled", "Drifted"];
const MAX_MESSAGE = 1024;

export interface ConditionInput {
  readonly type: ConditionType;
  readonly status: ConditionStatus;
  readonly reason: string;
  readonly message: string;
}

/** Sets one condition, keeping lastTransitionTime when status is unchanged. Returns a new array. */
export function setCondition(
  existing: readonly ConditionRecord[],
  input: ConditionInput,
  generation: number,
  nowIso: string,
): ConditionRecord[] {
  const previous = existing.find((c) => c.type === input.type);
  const lastTransitionTime = previous !== undefined && previous.status === input.status ? previous.lastTransitionTime : nowIso;
  const next: ConditionRecord = {
    type: input.type,
    status: input.status,
    reason: input.reason,
    message: trimMessage(input.message),
    lastTransitionTime,
    observedGeneration: generation,
  };
  return sortConditions([...existing.filter((c) => c.type !== input.type), next]);
}

export function removeCondition(existing: readonly ConditionRecord[], type: ConditionType): ConditionRecord[] {
  return existing.filter((c) => c.type !== type);
}

export function getCondition(existing: readonly ConditionRecord[], type: ConditionType): ConditionRecord | undefined {
  return existing.find((c) => c.type === type);
}

/** The outcome of one reconcile, summarized into kstatus conditions. */
export type Summary =
  | { readonly kind: "ready"; readonly message: string }
  | { readonly kind: "progressing"; readonly reason: string; readonly message: string }
  | { readonly kind: "stalled"; readonly reason: string; readonly message: string }
  | { readonly kind: "failed"; readonly reason: string; readonly message: string };

export interface DriftSummary {
  readonly drifted: boolean;
  readonly reason: string;
  readonly message: string;
}

/**
 * Derives the kstatus set from one summary: Reconciling and Stalled are never both True, Ready is
 * True only when converged. Drifted is set when given, left untouched otherwise.
 */
export function summarize(
  existing: readonly ConditionRecord[],
  summary: Summary,
  drift: DriftSummary | undefined,
  at: { readonly generation: number; readonly nowIso: string },
): ConditionRecord[] {
  const { generation, nowIso } = at;
  let conditions = [...existing];
  const set = (input: ConditionInput): void => {
    conditions = setCondition(conditions, input, generation, nowIso);
  };
  switch (summary.kind) {
    case "ready":
      set({ type: "Ready", status: "True", reason: Reasons.Succeeded, message: summary.message });
      conditions = removeCondition(removeCondition(conditions, "Reconciling"), "Stalled");
      break;
    case "progressing":
      set({ type: "Ready", status: "False", reason: summary.reason, message: summary.message });
      set({ type: "Reconciling", status: "True", reason: summary.reason, message: summary.message });
      conditions = removeCondition(conditions, "Stalled");
      break;
    case "stalled":
      set({ type: "Ready", status: "False", reason: summary.reason, message: summary.message });
      set({ type: "Stalled", status: "True", reason: summary.reason, message: summary.message });
      conditions = removeCondition(conditions, "Reconciling");
      break;
    case "failed":
      // A retryable failure: still reconciling, not stalled, not ready.
      set({ type: "Ready", status: "False", reason: summary.reason, message: summary.message });
      set({ type: "Reconciling", status: "True", reason: summary.reason, message: summary.message });
      conditions = removeCondition(conditions, "Stalled");
      break;
  }
  if (drift !== undefined) {
    set({ type: "Drifted", status: drift.drifted ? "True" : "False", reason: drift.reason, message: drift.message });
  }
  return conditions;
}

function sortConditions(conditions: ConditionRecord[]): ConditionRecord[] {
  return conditions.sort((a, b) => rank(a.type) - rank(b.type));
}

function rank(type: string): number {
  const i = ORDER.indexOf(type as ConditionType);
  return i < 0 ? ORDER.length : i;
}

export function trimMessage(message: string): string {
  return message.length > MAX_MESSAGE ? `${message.slice(0, MAX_MESSAGE - 3)}...` : message;
}
