/**
 * The lean addtaskcollection path (controller/batch/leanPost.ts, docs/adr/0026) against the emulator's strict
 * authentication: its body is byte for byte what @azure/batch sends for the same tasks, its SharedKey
 * signature is the SDK's, Microsoft Entra ID bearer tokens work through the same credential, and failures
 * (throttling, lost answers, per-task errors, a wrong key) come back classified as before.
 */
import { createServer, request, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { BatchServiceClient, BatchSharedKeyCredentials, type BatchServiceModels } from "@azure/batch";
import { WebResource } from "@azure/ms-rest-js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createBatchAdapter } from "../../controller/batch/batchAdapter.js";
import { entraCredentials, sharedKeyCredentials } from "../../controller/batch/credentials.js";
import { BatchCallError } from "../../controller/batch/errors.js";
import { taskCollectionJson } from "../../controller/batch/mapperJson.js";
import { sharedKeySigner } from "../../controller/batch/sharedKeySigner.js";
import { taskBody } from "../../controller/core/taskBody.js";
import { taskIntent } from "../../controller/core/taskContent.js";
import type { JsonObject } from "../../controller/core/intent.js";
import { EmulatorControlClient } from "../../emulator/control-client.js";
import { devAccount, startEmulator, type RunningEmulator } from "../../emulator/index.js";

interface Recorded {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly status: number;
}

/** An HTTP proxy in front of the emulator that keeps every addtaskcollection request as it went on the wire. */
async function recordingProxy(target: string): Promise<{ url: string; recorded: Recorded[]; server: Server }> {
  const recorded: Recorded[] = [];
  const upstream = new URL(target);
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const record = (status: number): void => {
        if (req.url?.includes("/addtaskcollection") === true)
          recorded.push({ path: req.url, headers: req.headers, body: body.toString("utf8"), status });
      };
      const forward = request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          record(answer.statusCode ?? 0);
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      // No answer (the emulator dropped the connection): recorded as status 0, and passed on as a reset.
      forward.on("error", () => {
        record(0);
        res.destroy();
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, recorded, server };
}

/** Tasks with most of the shapes a manifest can produce, in the engine's own (parameter) shape. */
function variedTasks(): JsonObject[] {
  return [
    taskIntent({ id: "plain", commandLine: "echo 1" }).body,
    taskIntent({
      // Built in an order the SDK does not use, with the client-side name userName.
      constraints: { retentionTime: "PT1H", maxTaskRetryCount: 2, maxWallClockTime: "PT30M" },
      id: "container",
      commandLine: 'python run.py --seed 7 "quoted" ü',
      containerSettings: {
        imageName: "contoso.azurecr.io/sim:1",
        registry: { registryServer: "contoso.azurecr.io", userName: "bob", password: "pw" },
        containerRunOptions: "--rm",
      },
      environmentSettings: [{ name: "MODE", value: "fast" }],
      resourceFiles: [
        { httpUrl: "https://example.org/in.txt", filePath: "in.txt" },
        { storageContainerUrl: "https://acct.blob.core.windows.net/c", blobPrefix: "p/" },
      ],
      outputFiles: [
        {
          filePattern: "out/*.txt",
          destination: { container: { containerUrl: "https://acct.blob.core.windows.net/out", path: "x" } },
          uploadOptions: { uploadCondition: "taskcompletion" },
        },
      ],
      userIdentity: { autoUser: { elevationLevel: "admin", scope: "task" } },
    }).body,
    taskIntent({
      id: "deps",
      commandLine: "echo 3",
      dependsOn: { taskIds: ["plain"], taskIdRanges: [{ start: 1, end: 4 }] },
      requiredSlots: 1,
    }).body,
    taskIntent({ id: "unknown-field", commandLine: "echo 4", notABatchField: "dropped" }).body,
  ];
}

describe("the lean addtaskcollection path", () => {
  let emulator: RunningEmulator;
  let proxy: Awaited<ReturnType<typeof recordingProxy>>;
  let control: EmulatorControlClient;
  let poolCreated = false;

  beforeAll(async () => {
    emulator = await startEmulator({ port: 0 });
    proxy = await recordingProxy(emulator.url);
    control = new EmulatorControlClient(emulator.url);
  });
  afterAll(async () => {
    await new Promise((resolve) => proxy.server.close(resolve));
    await emulator.close();
  });

  const adapter = (options: Partial<Parameters<typeof createBatchAdapter>[0]> = {}) =>
    createBatchAdapter({
      accountUrl: proxy.url,
      credentials: sharedKeyCredentials(devAccount.name, devAccount.key),
      retry: { baseDelayMs: 1, maxDelayMs: 5 },
      ...options,
    });

  async function newJob(id: string): Promise<void> {
    const batch = adapter();
    if (!poolCreated) {
      const image = { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" };
      await batch.createPool({
        id: "lean-pool",
        vmSize: "standard_d2s_v3",
        virtualMachineConfiguration: { imageReference: image, nodeAgentSKUId: "batch.node.ubuntu 22.04" },
      });
      poolCreated = true;
    }
    await batch.createJob({ id, poolInfo: { poolId: "lean-pool" }, usesTaskDependencies: true });
  }

  it("sends the bytes @azure/batch sends for the same tasks, and the emulator accepts both", async () => {
    await newJob("by-sdk");
    await newJob("by-lean");
    const tasks = variedTasks();
    const sdk = new BatchServiceClient(new BatchSharedKeyCredentials(devAccount.name, devAccount.key), proxy.url, { noRetryPolicy: true });
    const sdkResult = await sdk.task.addCollection("by-sdk", tasks as unknown as BatchServiceModels.TaskAddParameter[]);
    const leanResult = await adapter().addTasks("by-lean", tasks);

    const sent = (job: string) => proxy.recorded.filter((r) => r.path.startsWith(`/jobs/${job}/`));
    const [bySdk] = sent("by-sdk");
    const [byLean] = sent("by-lean");
    expect(bySdk?.status).toBe(200);
    expect(byLean?.status).toBe(200);
    expect(byLean?.body).toBe(bySdk?.body);
    expect(byLean?.body).toContain('"username":"bob"');
    expect(byLean?.body).not.toContain("notABatchField");
    for (const name of ["content-type", "accept-language"]) expect(byLean?.headers[name]).toBe(bySdk?.headers[name]);
    expect(byLean?.headers.authorization).toMatch(/^SharedKey /);
    expect(sdkResult.value?.map((r) => String(r.status).toLowerCase())).toEqual(tasks.map(() => "success"));
    expect(leanResult.map((r) => r.outcome)).toEqual(tasks.map(() => "added"));
    // What Batch stored is the same too.
    const fields = [
      "id",
      "commandLine",
      "containerSettings",
      "resourceFiles",
      "outputFiles",
      "environmentSettings",
      "constraints",
      "userIdentity",
      "dependsOn",
      "requiredSlots",
    ];
    for (const id of ["plain", "container", "deps"]) {
      const content = async (job: string) => {
        const task = (await sdk.task.get(job, id)) as unknown as Record<string, unknown>;
        return Object.fromEntries(fields.map((field) => [field, task[field]]));
      };
      expect(await content("by-lean")).toEqual(await content("by-sdk"));
    }
  });

  it("gets a factory task's body already in wire order, so it is written without being copied", () => {
    const body = taskIntent(taskBody({ id: "t-000001", commandLine: "echo 1", constraints: { maxTaskRetryCount: 1 } })).body;
    expect(taskCollectionJson([body])).toBe(JSON.stringify({ value: [body] }));
  });

  it("signs exactly as the SDK's BatchSharedKeyCredentials", async () => {
    const url = "https://acct.westeurope.batch.azure.com/jobs/job-1_x/addtaskcollection?api-version=2022-10-01.16.0&timeout=30";
    const headers: Record<string, string> = {
      "content-type": "application/json; odata=minimalmetadata; charset=utf-8",
      "content-length": "1234",
      "ocp-date": "Wed, 02 Dec 2026 01:43:34 GMT",
      "x-ms-client-request-id": "4743e6e8-b615-4e23-abe5-0a5636226656",
    };
    const resource = new WebResource(url, "POST", "{}", undefined, { ...headers });
    await new BatchSharedKeyCredentials("acct", devAccount.key).signRequest(resource);
    expect(sharedKeySigner("acct", devAccount.key).authorization("POST", new URL(url), headers)).toBe(
      resource.headers.get("authorization"),
    );
  });

  it("is refused with a wrong key: a permanent 403, not retried", async () => {
    await newJob("wrong-key");
    const before = proxy.recorded.length;
    const wrong = adapter({ credentials: sharedKeyCredentials(devAccount.name, Buffer.from("not the key").toString("base64")) });
    const error = await wrong.addTasks("wrong-key", [taskIntent({ id: "t", commandLine: "x" }).body]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BatchCallError);
    expect((error as BatchCallError).statusCode).toBe(403);
    expect((error as BatchCallError).errorClass).toBe("permanent");
    expect(proxy.recorded.length - before).toBe(1);
  });

  it("sends a Microsoft Entra ID bearer token from the same credential", async () => {
    await newJob("by-entra");
    const token = batchToken();
    const credential = { getToken: async () => ({ token, expiresOnTimestamp: Date.now() + 3_600_000 }) };
    const outcomes = await adapter({ credentials: entraCredentials(credential) }).addTasks("by-entra", [
      taskIntent({ id: "t", commandLine: "x" }).body,
    ]);
    expect(outcomes.map((o) => o.outcome)).toEqual(["added"]);
    const sent = proxy.recorded.filter((r) => r.path.startsWith("/jobs/by-entra/"));
    expect(sent.map((r) => [r.status, r.headers.authorization])).toEqual([[200, `Bearer ${token}`]]);
  });

  it("retries a throttled request after Retry-After and settles a lost answer as TaskExists", async () => {
    await newJob("faults");
    await control.addFault({ operationId: "Task_AddCollection", kind: "throttle", count: 1, retryAfterSeconds: 0 });
    await control.addFault({ operationId: "Task_AddCollection", kind: "responseLost", count: 1 });
    const tasks = [taskIntent({ id: "a", commandLine: "x" }).body, taskIntent({ id: "b", commandLine: "y" }).body];
    const outcomes = await adapter({ attemptTimeoutMs: 5_000 }).addTasks("faults", tasks);
    await control.clearFaults();
    // throttled, then processed with the answer lost, then answered TaskExists for both.
    expect(proxy.recorded.filter((r) => r.path.startsWith("/jobs/faults/")).map((r) => r.status)).toEqual([429, 0, 200]);
    expect(outcomes.map((o) => [o.taskId, o.outcome, o.code])).toEqual([
      ["a", "exists", "TaskExists"],
      ["b", "exists", "TaskExists"],
    ]);
  });

  it("ends a stalled request at the attempt timeout, and an in-flight one when the caller aborts", async () => {
    await newJob("stalled");
    // Each answer held for 10 s: only the timeout or the abort can end these calls first.
    await control.addFault({ operationId: "Task_AddCollection", kind: "latency", latencyMs: 10_000, count: 2 });
    const task = [taskIntent({ id: "t", commandLine: "x" }).body];
    const timedOut = await adapter({ attemptTimeoutMs: 50, retry: { maxAttempts: 1 } })
      .addTasks("stalled", task)
      .catch((e: unknown) => e);
    expect(timedOut).toBeInstanceOf(BatchCallError);
    const caller = new AbortController();
    const pending = adapter({ attemptTimeoutMs: 60_000 }).addTasks("stalled", task, { signal: caller.signal });
    setImmediate(() => caller.abort(new Error("shutting down")));
    await expect(pending).rejects.toThrow();
    expect(caller.signal.aborted).toBe(true);
    await control.clearFaults();
  });

  it("reports per-task errors from a partly failed collection", async () => {
    await newJob("partial");
    const tasks = [
      taskIntent({ id: "ok", commandLine: "x" }).body,
      { id: "no-command-line" },
      taskIntent({ id: "ok2", commandLine: "y" }).body,
    ];
    const outcomes = await adapter().addTasks("partial", tasks);
    expect(outcomes.map((o) => [o.taskId, o.outcome])).toEqual([
      ["ok", "added"],
      ["no-command-line", "failed"],
      ["ok2", "added"],
    ]);
    expect(outcomes[1]?.code).toBeTruthy();
  });
});

/** An unsigned JWT for the Batch audience: the emulator checks audience and expiry, not signatures. */
function batchToken(): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString("base64url");
  const claims = { aud: "https://batch.core.windows.net/", exp: Math.floor(Date.now() / 1000) + 3600, tid: "tenant", oid: "object" };
  return `${part({ alg: "none", typ: "JWT" })}.${part(claims)}.`;
}
