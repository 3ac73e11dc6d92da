/**
 * A job runs on a pool of its own account: a job whose `poolRef` pool is in another account (its own
 * `accountRef` differs from the pool's) is an error, reported on the job. A job naming an account that is not
 * declared is missing-account's to report, not this rule's.
 */
import { JOB_KIND, POOL_KIND } from "../model/index.js";
import type { Problem } from "../model/index.js";
import { record, type ProblemAt, type RuleCandidate as Candidate } from "./ruleCandidate.js";

export function accountMismatchProblems<C extends Candidate>(
  candidates: readonly C[],
  problemAt: ProblemAt<C>,
  declared: (namespace: string, account: string) => boolean,
): Problem[] {
  const pools = new Map<string, string | undefined>();
  for (const pool of candidates.filter((c) => c.kind === POOL_KIND && c.valid))
    pools.set(`${pool.namespace}/${pool.name ?? ""}`, accountRefOf(pool.object.spec));
  return candidates
    .filter((c) => c.kind === JOB_KIND && c.valid)
    .flatMap((job) => {
      const account = accountRefOf(job.object.spec);
      if (account !== undefined && !declared(job.namespace, account)) return [];
      const poolRef = record(record(job.object.spec).poolRef).name;
      const poolKey = typeof poolRef === "string" ? `${job.namespace}/${poolRef}` : undefined;
      if (poolKey === undefined || !pools.has(poolKey) || pools.get(poolKey) === account) return [];
      const message = `the job is in ${label(account)} but its pool ${String(poolRef)} is in ${label(pools.get(poolKey))}; a Batch job runs on a pool of its own account`;
      return [problemAt(job, "account-mismatch", account === undefined ? "spec.poolRef.name" : "spec.accountRef.name", message)];
    });
}

/** The BatchAccount name a pool or job names, undefined for the controller's default account. */
export function accountRefOf(spec: unknown): string | undefined {
  const ref = record(record(spec).accountRef).name;
  return typeof ref === "string" ? ref : undefined;
}

function label(name: string | undefined): string {
  return name === undefined ? "the default account" : `BatchAccount ${name}`;
}
