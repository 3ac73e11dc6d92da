/**
 * Two declared resources that would own one Batch object. Batch ids are unique per account and compared
 * case-insensitively, and a job's id is its name (or `adopt.jobId`) whatever its namespace, so `team-a/render`
 * and `team-b/render`, or a job adopting `RENDER` beside them, would fight over one job: the first in file order
 * keeps it, each later one is an error naming the first, and is neither applied nor deleted. Pools collide only
 * through `adopt.poolId` (their ids carry a hash of namespace and name).
 */
import { JOB_KIND, POOL_KIND } from "../model/index.js";
import type { Problem } from "../model/index.js";
import { accountRefOf } from "./accountMismatch.js";
import { record, type ProblemAt, type RuleCandidate as Candidate } from "./ruleCandidate.js";

export function batchIdProblems<C extends Candidate>(candidates: readonly C[], problemAt: ProblemAt<C>): Problem[] {
  const first = new Map<string, C>();
  const problems: Problem[] = [];
  for (const candidate of candidates) {
    const claim = claimOf(candidate);
    if (claim === undefined) continue;
    const owner = first.get(claim.key);
    if (owner === undefined) {
      first.set(claim.key, candidate);
      continue;
    }
    const message =
      `Batch ${claim.noun} id "${claim.id}" is already ${describe(owner)}'s (${owner.source.file}:${owner.source.line}); ` +
      `Batch ids are unique per account and case-insensitive: change ${claim.path} of one of them (this one is neither applied nor deleted)`;
    problems.push(problemAt(candidate, "batch-id-unique", claim.path, message));
  }
  return problems;
}

/** The Batch object a candidate would own: account, kind and lowercased id, with the field that sets the id. */
function claimOf(candidate: Candidate): { key: string; id: string; noun: string; path: string } | undefined {
  if (!candidate.valid || candidate.name === undefined) return undefined;
  const spec = record(candidate.object.spec);
  const adopt = record(spec.adopt);
  const ref = accountRefOf(spec);
  const account = ref === undefined ? "" : `${candidate.namespace}/${ref}`;
  if (candidate.kind === JOB_KIND) {
    const adopted = typeof adopt.jobId === "string" ? adopt.jobId : undefined;
    const id = adopted ?? candidate.name;
    return {
      key: `${account}|job|${id.toLowerCase()}`,
      id,
      noun: "job",
      path: adopted === undefined ? "metadata.name" : "spec.adopt.jobId",
    };
  }
  if (candidate.kind === POOL_KIND && typeof adopt.poolId === "string") {
    return { key: `${account}|pool|${adopt.poolId.toLowerCase()}`, id: adopt.poolId, noun: "pool", path: "spec.adopt.poolId" };
  }
  return undefined;
}

function describe(candidate: Candidate): string {
  return `${candidate.kind}/${candidate.namespace}/${candidate.name ?? ""}`;
}
