/**
 * Fails when imports form any cycle, between files or between folders, in controller/ and emulator/.
 * madge builds the import graph (type-only imports included: a type cycle is still a layering
 * cycle); folders are compared by each file's directory, so `core` → `runtime` → `core` fails even
 * when no single file cycle exists. Run with `npm run check:cycles` (also in .ci/run).
 */
import { relative, resolve } from "node:path";
import madge from "madge";

const ROOTS = ["controller", "emulator"];

const root = resolve(import.meta.dirname, "..");

/**
 * The unit a file belongs to: its top-level folder (`controller/runtime`, `emulator/http`; nested
 * folders, if any, count with their parent), or the file itself when
 * it sits directly in a root (`emulator/clock.ts`, `emulator/index.ts`).
 */
function unitOf(file: string): string {
  const parts = file.split("/");
  return parts.length <= 2 ? file : parts.slice(0, 2).join("/");
}

interface Edge {
  readonly from: string;
  readonly to: string;
}

/** Folder-level edges, each with one file import that makes it (for the message). */
function folderEdges(graph: Record<string, string[]>): Map<string, Map<string, Edge>> {
  const edges = new Map<string, Map<string, Edge>>();
  for (const [file, deps] of Object.entries(graph)) {
    for (const dep of deps) {
      const [a, b] = [unitOf(file), unitOf(dep)];
      if (a === b) continue;
      const out = edges.get(a) ?? new Map<string, Edge>();
      if (!out.has(b)) out.set(b, { from: file, to: dep });
      edges.set(a, out);
    }
  }
  return edges;
}

/** Strongly connected components of more than one unit (Tarjan), each a folder cycle. */
function folderCycles(edges: Map<string, Map<string, Edge>>): string[][] {
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const cycles: string[][] = [];
  const at = (map: Map<string, number>, node: string): number => map.get(node) ?? Number.POSITIVE_INFINITY;
  const visit = (node: string): void => {
    index.set(node, index.size);
    low.set(node, at(index, node));
    stack.push(node);
    for (const next of edges.get(node)?.keys() ?? []) {
      if (!index.has(next)) visit(next);
      if (stack.includes(next)) low.set(node, Math.min(at(low, node), at(low, next)));
    }
    if (at(low, node) === at(index, node)) {
      const component = stack.splice(stack.indexOf(node));
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) visit(node);
  return cycles;
}

/** A folder cycle with one import per edge, so the message says which file to change. */
function describeFolderCycle(cycle: string[], edges: Map<string, Map<string, Edge>>): string {
  const members = new Set(cycle);
  const lines = [`folder cycle: ${cycle.join(" ⇄ ")}`];
  for (const from of cycle) {
    const inCycle = [...(edges.get(from) ?? [])].filter(([to]) => members.has(to));
    for (const [to, edge] of inCycle) lines.push(`  ${from} → ${to}  (${relative(root, resolve(root, edge.from))} imports ${edge.to})`);
  }
  return lines.join("\n");
}

const result = await madge(
  ROOTS.map((r) => resolve(root, r)),
  { baseDir: root, fileExtensions: ["ts"], tsConfig: resolve(root, "tsconfig.json") },
);
const graph = result.obj();
const fileCycles = result.circular();
const edges = folderEdges(graph);
const cycles = folderCycles(edges);

const found = [
  ...fileCycles.map((cycle) => `file cycle: ${cycle.join(" → ")} → ${cycle[0] ?? ""}`),
  ...cycles.map((cycle) => describeFolderCycle(cycle, edges)),
];
for (const text of found) console.error(text);
const files = Object.keys(graph).length;
if (found.length > 0) {
  console.error(`${found.length} import cycle(s) in ${files} files: move the shared piece down a layer or invert the dependency`);
  process.exit(1);
}
console.log(`no import cycles between files or folders (${files} files in ${ROOTS.join(", ")})`);
