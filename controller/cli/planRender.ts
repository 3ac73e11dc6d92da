/** The forms of a plan: the terminal diff, a JSON/YAML document for tools, Markdown for pull requests. */
import { describeAction, type Action } from "../core/actions.js";
import { hasPendingChanges, planTotals, type PlanTotals, type ResourcePlan } from "../core/planAll.js";

export { hasPendingChanges } from "../core/planAll.js";
import type { Problem } from "../model/index.js";
import { formatPlanProblem } from "./planning.js";

export interface RenderOptions {
  /** ANSI colours on the signs (+ green, ~ yellow, - red), as terraform; only for a terminal. */
  color?: boolean;
  /** Manifest errors printed above the plan: the summary must not say Batch matches. */
  errors?: number;
}

const COLORS: Record<string, string> = { "+": "\u001b[32m", "~": "\u001b[33m", "-": "\u001b[31m", "!": "\u001b[31m" };
const RESET = "\u001b[0m";

function paint(line: string, color: boolean): string {
  const sign = line.trimStart()[0] ?? "";
  const code = COLORS[sign];
  return color && code !== undefined ? `${code}${line}${RESET}` : line;
}

function changed(plan: ResourcePlan): boolean {
  return plan.actions.length > 0 || plan.blocked !== undefined || plan.drift.length > 0;
}

/** The lines of one resource's block (without a trailing blank line). */
function resourceLines(plan: ResourcePlan): string[] {
  const lines = [`${plan.key}: ${headline(plan)}`];
  for (const d of plan.drift) lines.push(`    drift: ${d}`);
  for (const action of plan.actions) lines.push(`  ${describeAction(action)}`);
  if (plan.blocked !== undefined) lines.push(`  ! blocked: ${plan.blocked.reason}: ${plan.blocked.message}`);
  return lines;
}

function headline(plan: ResourcePlan): string {
  if (plan.driftPolicy === "Alert") return "drifted (Alert: not corrected)";
  if (plan.driftPolicy === "Correct") return "drifted (Correct: will be corrected)";
  return `${plan.status} (${plan.reason})`;
}

/** The last line of a plan; with manifest errors it never says that Batch matches the manifests. */
export function summaryLine(t: PlanTotals, errors = 0): string {
  const line = totalsLine(t);
  if (errors === 0) return line;
  const invalid = `${errors} manifest error(s): what those manifests declare is neither applied nor deleted.`;
  return line.startsWith("No changes. Batch matches") ? `No changes for the valid manifests. ${invalid}` : `${line} ${invalid}`;
}

function totalsLine(t: PlanTotals): string {
  const tasks = t.taskSubmissions > 0 ? ` Tasks to submit to ${t.taskSubmissions} job(s).` : "";
  const pending = t.create + t.change + t.destroy + t.taskSubmissions > 0;
  const drifted = t.driftNotCorrected > 0 ? ` ${t.driftNotCorrected} resource(s) drifted (Alert: not corrected).` : "";
  const blocked = t.blocked > 0 ? ` ${t.blocked} resource(s) blocked until a user acts.` : "";
  const adopted = t.adopt > 0 ? ` ${t.adopt} to adopt (ownership metadata only, not a change).` : "";
  const inSync = `${adopted} ${t.inSync} resource(s) in sync.`;
  if (pending) return `Plan: ${t.create} to create, ${t.change} to change, ${t.destroy} to delete.${tasks}${drifted}${blocked}${inSync}`;
  if (blocked !== "") return `No changes can be applied:${blocked}${drifted}${inSync}`;
  if (drifted !== "") return `No changes to apply, but Batch does not match the manifests:${drifted}${inSync}`;
  return `No changes. Batch matches the manifests.${inSync}`;
}

/** Human-readable plan: one block per resource with pending changes, then totals. */
export function renderPlan(plans: readonly ResourcePlan[], options: RenderOptions = {}): string {
  const lines: string[] = [];
  for (const plan of plans.filter(changed)) {
    lines.push(...resourceLines(plan).map((l) => paint(l, options.color ?? false)), "");
  }
  lines.push(summaryLine(planTotals(plans), options.errors));
  return lines.join("\n");
}

/** The JSON/YAML form: every resource (in sync ones too), each action with its one-line description. */
export function planDocument(plans: readonly ResourcePlan[], problems: readonly Problem[]): object {
  return {
    pending: hasPendingChanges(plans),
    totals: planTotals(plans),
    resources: plans.map((p) => ({ ...p, actions: p.actions.map((a: Action) => ({ ...a, description: describeAction(a) })) })),
    problems,
  };
}

/** For a pull-request comment: the summary, a table of changed resources, the diff folded below. */
export function renderPlanMarkdown(plans: readonly ResourcePlan[], problems: readonly Problem[]): string {
  const lines = ["### batch-gitops plan", "", `**${summaryLine(planTotals(plans), problems.length)}**`, ""];
  if (problems.length > 0) {
    lines.push("Invalid manifests (nothing from them is planned):", "", ...problems.map((p) => `- \`${formatPlanProblem(p)}\``), "");
  }
  const shown = plans.filter(changed);
  if (shown.length === 0) return lines.join("\n").trimEnd();
  lines.push("| Resource | Status | Changes |", "| --- | --- | --- |");
  for (const plan of shown) lines.push(`| \`${plan.key}\` | ${plan.status} | ${plan.actions.length} |`);
  lines.push("", "<details><summary>Plan</summary>", "", "```diff");
  for (const plan of shown) lines.push(...resourceLines(plan), "");
  lines.push("```", "", "</details>");
  return lines.join("\n");
}
