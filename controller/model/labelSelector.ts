/**
 * Checks a label selector as kube-apiserver parses one (apimachinery's labels.Parse): requirements
 * separated by commas, each `key`, `!key`, `key=value`, `key==value`, `key!=value`, `key in (a,b)`,
 * `key notin (a,b)`, `key>1` or `key<1`, keys and values following the label rules. A selector the
 * server would refuse is refused before the controller starts, not by every list it would send.
 */
import { labelValueProblems, qualifiedNameProblems } from "./metadataKeys.js";

/** Why `selector` is not a label selector, or undefined when it is one (the empty selector selects everything). */
export function labelSelectorProblem(selector: string): string | undefined {
  if (selector.trim() === "") return undefined;
  for (const requirement of splitRequirements(selector)) {
    const problem = requirementProblem(requirement.trim());
    if (problem !== undefined) return problem;
  }
  return undefined;
}

/** Commas inside `( )` belong to a value set, not between requirements. */
function splitRequirements(selector: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < selector.length; i++) {
    const c = selector[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(selector.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(selector.slice(start));
  return parts;
}

const SET = /^(\S+)\s+(in|notin)\s*\((.*)\)$/;
const COMPARE = /^([^!=<>\s]+)\s*(==|=|!=|>|<)\s*(.*)$/;

function requirementProblem(requirement: string): string | undefined {
  if (requirement === "") return "a requirement is empty (two commas in a row, or one at an end)";
  const set = SET.exec(requirement);
  if (set !== null) return setProblem(set[1] ?? "", set[3] ?? "");
  const compare = COMPARE.exec(requirement);
  if (compare !== null) return compareProblem(requirement, compare[1] ?? "", compare[2] ?? "", compare[3] ?? "");
  return keyProblem(requirement.startsWith("!") ? requirement.slice(1).trim() : requirement);
}

/** `key in (a, b)`: `in ()` is the set of the empty value, as the server reads it. */
function setProblem(key: string, values: string): string | undefined {
  return (
    keyProblem(key) ??
    values
      .split(",")
      .map((v) => valueProblem(v.trim()))
      .find((p) => p !== undefined)
  );
}

function compareProblem(requirement: string, key: string, operator: string, value: string): string | undefined {
  if ((operator === ">" || operator === "<") && !/^-?\d+$/.test(value)) return `"${requirement}": '${operator}' compares with an integer`;
  return keyProblem(key) ?? valueProblem(value);
}

function keyProblem(key: string): string | undefined {
  const problem = qualifiedNameProblems(key)[0];
  return problem === undefined ? undefined : `key "${key}": ${problem}`;
}

function valueProblem(value: string): string | undefined {
  const problem = labelValueProblems(value)[0];
  return problem === undefined ? undefined : `value "${value}": ${problem}`;
}
