import type { RequestContext } from "../http/context.js";
import { BatchError, errors } from "../http/errors.js";
import type { EmulatorResponse } from "../http/response.js";
import type { Router } from "../http/router.js";
import { formatHttpDate, formatTime } from "../http/wire-format.js";
import { encodeSkipToken } from "../odata/index.js";
import { poolStore, type NodeEntity, type PoolEntity } from "../store/pool-store.js";
import { DiskNodeFiles } from "../files/disk-files.js";
import { SimulatedNodeFiles } from "../files/simulated-files.js";
import { childrenOf, cleanPath, parseRange, type FileEntry, type NodeFileSource } from "../files/node-files.js";
import { jobStore } from "./jobs-store.js";
import { param } from "./jobs.js";
import { parseListQuery } from "./list-query.js";
import { taskRootDirectory, type TaskRecord } from "../store/job-records.js";

/**
 * The Batch file API: files of a task (relative to its directory) and of a node (relative to its root).
 * In simulated mode the files are synthesized; with `--execute local` they are the node's real files.
 */
export function registerRoutes(router: Router): void {
  const task = "/jobs/{jobId}/tasks/{taskId}/files";
  const node = "/pools/{poolId}/nodes/{nodeId}/files";
  router.addAll([
    { operationId: "File_ListFromTask", method: "GET", path: task, handler: (ctx) => list(ctx, taskScope(ctx)) },
    { operationId: "File_GetFromTask", method: "GET", path: `${task}/{filePath*}`, handler: (ctx) => getFile(ctx, taskScope(ctx)) },
    {
      operationId: "File_GetPropertiesFromTask",
      method: "HEAD",
      path: `${task}/{filePath*}`,
      handler: (ctx) => getProperties(ctx, taskScope(ctx)),
    },
    {
      operationId: "File_DeleteFromTask",
      method: "DELETE",
      path: `${task}/{filePath*}`,
      handler: (ctx) => deleteFile(ctx, taskScope(ctx)),
    },
    { operationId: "File_ListFromComputeNode", method: "GET", path: node, handler: (ctx) => list(ctx, nodeScope(ctx)) },
    { operationId: "File_GetFromComputeNode", method: "GET", path: `${node}/{filePath*}`, handler: (ctx) => getFile(ctx, nodeScope(ctx)) },
    {
      operationId: "File_GetPropertiesFromComputeNode",
      method: "HEAD",
      path: `${node}/{filePath*}`,
      handler: (ctx) => getProperties(ctx, nodeScope(ctx)),
    },
    {
      operationId: "File_DeleteFromComputeNode",
      method: "DELETE",
      path: `${node}/{filePath*}`,
      handler: (ctx) => deleteFile(ctx, nodeScope(ctx)),
    },
  ]);
}

/** Where the request's paths live: a directory of a node, and the URL its file names hang under. */
interface FileScope {
  source: NodeFileSource;
  /** Directory relative to the node root ("" for the node's own API). */
  base: string;
  url: string;
}

function sourceFor(ctx: RequestContext, node: NodeEntity, extraTask?: TaskRecord): NodeFileSource {
  if (node.rootDir !== undefined) return new DiskNodeFiles(node.rootDir);
  const jobs = jobStore(ctx.store).jobs;
  const tasks: TaskRecord[] = [];
  for (const recent of node.recentTasks) {
    const task = jobs.get(recent.jobId)?.tasks.get(recent.taskId);
    if (task !== undefined && task !== extraTask) tasks.push(task);
  }
  if (extraTask !== undefined) tasks.push(extraTask);
  return new SimulatedNodeFiles(node, tasks, (node.deletedFiles ??= new Set()), ctx.clock.now());
}

function findNode(ctx: RequestContext, poolId: string, nodeId: string): { pool: PoolEntity; node: NodeEntity } {
  const pool = poolStore(ctx.store).get(poolId);
  if (pool === undefined) throw errors.notFound("PoolNotFound");
  const node = pool.nodes.get(nodeId);
  if (node === undefined) throw errors.notFound("NodeNotFound");
  return { pool, node };
}

function nodeScope(ctx: RequestContext): FileScope {
  const { pool, node } = findNode(ctx, param(ctx, "poolId"), param(ctx, "nodeId"));
  return {
    source: sourceFor(ctx, node),
    base: "",
    url: ctx.url(`/pools/${encodeURIComponent(pool.id)}/nodes/${encodeURIComponent(node.id)}/files`),
  };
}

/** A task's files are on the node it ran on; a task that has not started has none yet. */
function taskScope(ctx: RequestContext): FileScope {
  const job = jobStore(ctx.store).require(param(ctx, "jobId"));
  const task = job.tasks.get(param(ctx, "taskId"));
  if (task === undefined) throw errors.notFound("TaskNotFound");
  if (task.node === undefined || task.run?.startTime === undefined) {
    throw new BatchError(409, "OperationInvalidForCurrentState", "The task has not been scheduled on a node yet, so it has no files.");
  }
  const { node } = findNode(ctx, task.node.poolId, task.node.nodeId);
  const url = ctx.url(`/jobs/${encodeURIComponent(job.id)}/tasks/${encodeURIComponent(task.id)}/files`);
  return { source: sourceFor(ctx, node, task), base: taskRootDirectory(task), url };
}

function join(base: string, path: string): string {
  return base === "" ? path : path === "" ? base : `${base}/${path}`;
}

/** The request's file path, inside the scope; '..' and the like are refused. */
function filePath(ctx: RequestContext, scope: FileScope): string {
  const raw = param(ctx, "filePath");
  const clean = cleanPath(raw);
  if (clean === undefined) throw errors.invalidQuery("filePath", raw, "a file path may not leave its directory");
  return join(scope.base, clean);
}

function fileNotFound(): BatchError {
  return new BatchError(404, "FileNotFound", "The specified file does not exist.");
}

function nodeFileWire(entry: FileEntry, name: string, scope: FileScope): Record<string, unknown> {
  return {
    name,
    url: `${scope.url}/${name.split("/").map(encodeURIComponent).join("/")}`,
    isDirectory: entry.isDirectory,
    properties: {
      creationTime: formatTime(entry.creationTime),
      lastModified: formatTime(entry.lastModified),
      contentLength: entry.size,
      contentType: entry.isDirectory ? "" : "application/octet-stream",
      fileMode: entry.isDirectory ? "0040755" : "0100644",
    },
  };
}

/** recursive=true lists every entry below the directory, else only its own entries; $filter on name. */
function list(ctx: RequestContext, scope: FileScope): EmulatorResponse {
  const query = parseListQuery(ctx, { defaultMaxResults: 1000, maxMaxResults: 1000, filterPaths: ["name"] });
  const all = scope.source.walk(scope.base);
  if (all === undefined) throw fileNotFound();
  const entries = ctx.query("recursive")?.toLowerCase() === "true" ? all : childrenOf(all, scope.base);
  const prefix = scope.base === "" ? 0 : scope.base.length + 1;
  const named = entries.map((entry) => ({ entry, name: entry.path.slice(prefix) }));
  const matching = query.filter === undefined ? named : named.filter(({ name }) => query.filter?.matches({ name }) === true);
  const start = query.afterSeq ?? 0;
  const page = matching.slice(start, start + query.maxResults);
  const next = start + query.maxResults < matching.length ? encodeSkipToken(start + query.maxResults) : undefined;
  return ctx.list(
    "files",
    page.map(({ entry, name }) => nodeFileWire(entry, name, scope)),
    next,
  );
}

function fileHeaders(entry: FileEntry, url: string): Record<string, string> {
  return {
    "ocp-creation-time": formatHttpDate(entry.creationTime),
    "ocp-batch-file-isdirectory": String(entry.isDirectory),
    "ocp-batch-file-url": url,
    "ocp-batch-file-mode": entry.isDirectory ? "0040755" : "0100644",
    "content-type": "application/octet-stream",
    "content-length": String(entry.size),
    "last-modified": formatHttpDate(entry.lastModified),
  };
}

function fileUrl(scope: FileScope, path: string): string {
  const name = scope.base === "" ? path : path.slice(scope.base.length + 1);
  return `${scope.url}/${name.split("/").map(encodeURIComponent).join("/")}`;
}

/** GET: the file's bytes, or the `ocp-range` (bytes=start-end) of them. */
function getFile(ctx: RequestContext, scope: FileScope): EmulatorResponse {
  const path = filePath(ctx, scope);
  const range = parseRange(ctx.header("ocp-range"));
  if (range === "invalid") throw new BatchError(400, "InvalidHeaderValue", undefined, [{ key: "HeaderName", value: "ocp-range" }]);
  const entry = scope.source.stat(path);
  if (entry === undefined || entry.isDirectory) throw fileNotFound();
  const content = scope.source.read(path, range);
  if (content === undefined) throw fileNotFound();
  const headers = fileHeaders(entry, fileUrl(scope, path));
  return { status: 200, headers: { ...headers, "content-length": String(content.length) }, raw: content };
}

/** HEAD: the file's properties as headers (ocp-creation-time, ocp-batch-file-isdirectory, content-length…). */
function getProperties(ctx: RequestContext, scope: FileScope): EmulatorResponse {
  const path = filePath(ctx, scope);
  const entry = scope.source.stat(path);
  if (entry === undefined) return { status: 404, headers: {} };
  return { status: 200, headers: fileHeaders(entry, fileUrl(scope, path)) };
}

function deleteFile(ctx: RequestContext, scope: FileScope): EmulatorResponse {
  const path = filePath(ctx, scope);
  const outcome = scope.source.remove(path, ctx.query("recursive")?.toLowerCase() === "true");
  if (outcome === "notFound") throw fileNotFound();
  if (outcome === "notEmpty") throw new BatchError(409, "DirectoryNotEmpty", "The directory is not empty; delete it with recursive=true.");
  return { status: 200, headers: {} };
}
