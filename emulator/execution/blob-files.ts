import { mkdirSync, readdirSync, statSync } from "node:fs";
import { dirname, join, posix, relative, resolve } from "node:path";
import { ContainerClient } from "@azure/storage-blob";

/**
 * Resource files from a blob container and output files to one, through @azure/storage-blob: Azurite or a
 * real storage account, addressed by a container URL (with a SAS) as in the Batch API.
 */

/** A container (storageContainerUrl or autoStorageContainerName) + blobPrefix: every blob under the prefix into wd/<filePath>/<blob name>. */
export async function downloadContainer(
  container: ContainerClient,
  file: { blobPrefix?: unknown; filePath?: unknown },
  workingDir: string,
): Promise<void> {
  const prefix = typeof file.blobPrefix === "string" ? file.blobPrefix : undefined;
  const base = typeof file.filePath === "string" ? file.filePath : "";
  for await (const blob of container.listBlobsFlat(prefix === undefined ? {} : { prefix })) {
    const target = resolve(workingDir, base, blob.name);
    if (!target.startsWith(resolve(workingDir))) throw new Error(`blob ${blob.name} would leave the working directory`);
    mkdirSync(dirname(target), { recursive: true });
    await container.getBlockBlobClient(blob.name).downloadToFile(target);
  }
}

interface OutputFile {
  filePattern?: unknown;
  destination?: { container?: { containerUrl?: unknown; path?: unknown } };
  uploadOptions?: { uploadCondition?: unknown };
}

/** Uploads the task's output files whose uploadCondition holds for `exitCode` (patterns relative to wd/). */
export async function uploadOutputFiles(outputFiles: readonly unknown[], workingDir: string, exitCode: number): Promise<void> {
  for (const item of outputFiles) {
    const file = item as OutputFile;
    if (!uploadConditionMet(file, exitCode)) continue;
    const containerUrl = file.destination?.container?.containerUrl;
    if (typeof file.filePattern !== "string" || typeof containerUrl !== "string") continue;
    const container = new ContainerClient(containerUrl);
    const path = blobPath(file);
    for (const match of matchPattern(workingDir, file.filePattern)) {
      await container.getBlockBlobClient(blobName(match, path)).uploadFile(match.absolute);
    }
  }
}

/** uploadCondition (default taskSuccess) against the task's exit code; taskCompletion always uploads. */
function uploadConditionMet(file: OutputFile, exitCode: number): boolean {
  const condition = String(file.uploadOptions?.uploadCondition ?? "tasksuccess").toLowerCase();
  return !((condition === "tasksuccess" && exitCode !== 0) || (condition === "taskfailure" && exitCode === 0));
}

function blobPath(file: OutputFile): string | undefined {
  return typeof file.destination?.container?.path === "string" ? file.destination.container.path : undefined;
}

interface Match {
  absolute: string;
  /** Path below the pattern's fixed base directory (what a wildcard matched). */
  below: string;
  wildcard: boolean;
}

/** A pattern without wildcards names one blob (path, else the file's name); with them, path is a prefix. */
function blobName(match: Match, path: string | undefined): string {
  if (!match.wildcard) return path ?? posix.basename(match.below);
  return path === undefined || path === "" ? match.below : `${path.replace(/\/+$/, "")}/${match.below}`;
}

/** Files matching a Batch file pattern: `**` any directories, `*` within a name, `?` one character. */
export function matchPattern(workingDir: string, pattern: string): Match[] {
  const normalized = pattern.replace(/\\/g, "/");
  const parts = normalized.split("/");
  const firstWild = parts.findIndex((part) => /[*?]/.test(part));
  if (firstWild < 0) {
    const absolute = resolve(workingDir, normalized);
    return isFile(absolute) ? [{ absolute, below: normalized, wildcard: false }] : [];
  }
  const base = resolve(workingDir, parts.slice(0, firstWild).join("/"));
  const regex = globToRegExp(parts.slice(firstWild).join("/"));
  return walkFiles(base)
    .map((absolute) => ({ absolute, below: relative(base, absolute).split("\\").join("/"), wildcard: true }))
    .filter((match) => regex.test(match.below));
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const char = glob[i] ?? "";
    if (glob.startsWith("**/", i)) {
      source += "(?:.*/)?";
      i += 2;
    } else if (glob.startsWith("**", i)) {
      source += ".*";
      i += 1;
    } else if (char === "*") source += "[^/]*";
    else if (char === "?") source += "[^/]";
    else source += char.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${source}$`);
}

function walkFiles(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return isFile(path) ? [path] : walkFiles(path);
  });
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}
