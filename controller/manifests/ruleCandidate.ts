/** What the rules across resources (batch ids, containers, accounts) read of a manifest document. */
import type { Problem } from "../model/index.js";

export interface RuleCandidate {
  readonly kind: string;
  readonly namespace: string;
  readonly name: string | undefined;
  readonly source: { readonly file: string; readonly line: number };
  readonly object: Record<string, unknown>;
  readonly valid: boolean;
}

/** Locates a problem at a path of a candidate: the loader's and the directory index's own way. */
export type ProblemAt<C> = (candidate: C, rule: string, path: string, message: string) => Problem;

export function record(value: unknown): Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
}
