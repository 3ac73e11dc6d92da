/**
 * What the service refuses that a client could send: the spec's required properties and enums at any depth
 * (emulator/resources/request-schema.ts), the rules its descriptions state (prose-rules.ts), and operations
 * the emulator does not implement (501, not a 404 an exists-check would misread).
 */
import { readFileSync } from "node:fs";
import { BatchServiceClient, BatchSharedKeyCredentials } from "@azure/batch";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { OUTPUT_PATH, generateRequestSchemas } from "../../scripts/gen-emulator-spec.js";
import { addReadyPool, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;

beforeEach(async () => {
  h = await startSdkHarness();
  await addReadyPool(h, "pool-1", { nodes: 1 });
  await h.client.job.add({ id: "job-1", poolInfo: { poolId: "pool-1" } });
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

type Answer = {
  status: number;
  code?: string;
  values?: { key: string; value: string }[];
  result?: { status?: string; error?: { code?: string } };
};

/** A signed request with a body the SDK would refuse to build (its serializer checks required properties). */
async function send(method: "POST" | "PUT" | "GET", path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await h.client.sendRequest({
    method,
    url: `${h.emulator.url}${path}?api-version=2022-10-01.16.0`,
    ...(body === undefined ? {} : { body: JSON.stringify(body), disableJsonStringifyOnBody: true }),
    headers: { "Content-Type": "application/json; odata=minimalmetadata; charset=utf-8", ...headers },
  });
  const parsed = JSON.parse(response.bodyAsText || "{}") as { code?: string; values?: { key: string; value: string }[]; value?: unknown[] };
  const result = (parsed.value?.[0] ?? undefined) as Answer["result"];
  return { status: response.status, code: parsed.code, values: parsed.values, result };
}

const task = (extra: Record<string, unknown>) => ({ id: "t1", commandLine: "echo hi", ...extra });
const poolBody = (extra: Record<string, unknown>) => ({
  id: "p2",
  vmSize: "standard_d2s_v3",
  virtualMachineConfiguration: {
    imageReference: { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts", version: "latest" },
    nodeAgentSKUId: "batch.node.ubuntu 22.04",
  },
  targetDedicatedNodes: 1,
  ...extra,
});

describe("the spec's required properties and enums, at any depth", () => {
  it.each([
    ["an environment setting without name", task({ environmentSettings: [{ value: "1" }] }), "environmentSettings.name"],
    ["container settings without imageName", task({ containerSettings: { containerRunOptions: "--rm" } }), "containerSettings.imageName"],
    [
      "an output file without destination",
      task({ outputFiles: [{ filePattern: "*.txt", uploadOptions: { uploadCondition: "taskCompletion" } }] }),
      "outputFiles.destination",
    ],
    ["an exit code mapping without code", task({ exitConditions: { exitCodes: [{ exitOptions: {} }] } }), "exitConditions.exitCodes.code"],
    [
      "multi-instance settings without coordinationCommandLine",
      task({ multiInstanceSettings: { numberOfInstances: 2 } }),
      "multiInstanceSettings.coordinationCommandLine",
    ],
  ])("refuses a task with %s: MissingRequiredProperty naming it", async (_name, body, property) => {
    const answer = await send("POST", "/jobs/job-1/tasks", body);
    expect(answer).toMatchObject({ status: 400, code: "MissingRequiredProperty" });
    expect(answer.values).toContainEqual({ key: "PropertyName", value: property });
  });

  it("answers the same refusal per task in an addtaskcollection, and adds the valid ones", async () => {
    const answer = await send("POST", "/jobs/job-1/addtaskcollection", {
      value: [task({ id: "bad", environmentSettings: [{ value: "1" }] })],
    });
    expect(answer.status).toBe(200);
    expect(answer.result).toMatchObject({ status: "ClientError", error: { code: "MissingRequiredProperty" } });
  });

  it("refuses an enum value outside the spec's list whatever its case, and takes a listed one in any case", async () => {
    expect(await send("POST", "/pools", poolBody({ taskSchedulingPolicy: { nodeFillType: "bogus" } }))).toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
    expect(await send("POST", "/pools", poolBody({ taskSchedulingPolicy: {} }))).toMatchObject({
      status: 400,
      code: "MissingRequiredProperty",
    });
    expect(await send("POST", "/pools", poolBody({ userAccounts: [{ name: "u" }] }))).toMatchObject({
      status: 400,
      code: "MissingRequiredProperty",
    });
    expect(await send("POST", "/pools", poolBody({ taskSchedulingPolicy: { nodeFillType: "Pack" } }))).toMatchObject({ status: 201 });
    // Read back in the service's own casing (service-defaults.ts).
    expect((await h.client.pool.get("p2")).taskSchedulingPolicy?.nodeFillType).toBe("Pack");
  });

  it("takes an extension's free-form settings as the spec's own example sends them, a string of JSON, and keeps protectedSettings secret", async () => {
    const extension = {
      name: "batchextension1",
      type: "SecurityMonitoringForLinux",
      publisher: "Microsoft.Azure.Security.Monitoring",
      typeHandlerVersion: "1.0",
      settings: '{"settingsKey":"settingsValue"}',
      protectedSettings: '{"protectedSettingsKey":"protectedSettingsValue"}',
    };
    const vm = poolBody({}).virtualMachineConfiguration;
    expect(await send("POST", "/pools", poolBody({ virtualMachineConfiguration: { ...vm, extensions: [extension] } }))).toMatchObject({
      status: 201,
    });
    const read = (await h.client.pool.get("p2")).virtualMachineConfiguration?.extensions?.[0];
    expect(read?.settings).toEqual(extension.settings);
    expect(read?.protectedSettings).toBeUndefined();
    // The spec types the answer's settings as an object too, and its own example answers a string.
    h.violations.splice(0, h.violations.length, ...h.violations.filter((v) => !v.errors.every((e) => e.includes("settings"))));
  });

  it("refuses a required body that is absent (Task_Update)", async () => {
    await h.client.task.add("job-1", { id: "t1", commandLine: "echo hi" });
    expect(await send("PUT", "/jobs/job-1/tasks/t1")).toMatchObject({ status: 400, code: "InvalidRequestBody" });
  });
});

describe("rules the spec states in its descriptions", () => {
  it("refuses a resource file with no source or with two", async () => {
    expect(await send("POST", "/jobs/job-1/tasks", task({ resourceFiles: [{ filePath: "a" }] }))).toMatchObject({
      status: 400,
      code: "MissingRequiredProperty",
    });
    const two = task({ resourceFiles: [{ httpUrl: "https://x/a", storageContainerUrl: "https://x/c" }] });
    expect(await send("POST", "/jobs/job-1/tasks", two)).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    const startTask = { commandLine: "echo", resourceFiles: [{ filePath: "a" }] };
    expect(await send("POST", "/pools", poolBody({ startTask }))).toMatchObject({ status: 400, code: "MissingRequiredProperty" });
  });

  it("refuses a user identity naming both a user and an auto user", async () => {
    const identity = { username: "me", autoUser: { scope: "task" } };
    expect(await send("POST", "/jobs/job-1/tasks", task({ userIdentity: identity }))).toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
  });

  it("refuses an exit jobAction while the job's onTaskFailure is noaction, and takes it once it is performexitoptionsjobaction", async () => {
    const exitConditions = { default: { jobAction: "terminate" } };
    const refused = await send("POST", "/jobs/job-1/tasks", task({ exitConditions }));
    expect(refused).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(refused.values).toContainEqual({ key: "PropertyName", value: "exitConditions.jobAction" });
    await h.client.job.add({ id: "job-2", poolInfo: { poolId: "pool-1" }, onTaskFailure: "performexitoptionsjobaction" });
    expect(await send("POST", "/jobs/job-2/tasks", task({ exitConditions }))).toMatchObject({ status: 201 });
  });

  it("refuses a multi-instance task that asks for more than one slot", async () => {
    const body = task({ requiredSlots: 2, multiInstanceSettings: { numberOfInstances: 2, coordinationCommandLine: "echo" } });
    expect(await send("POST", "/jobs/job-1/tasks", body)).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
  });

  it("refuses a displayName over 1,024 characters on pools, jobs and tasks", async () => {
    const long = "x".repeat(1025);
    expect(await send("POST", "/pools", poolBody({ displayName: long }))).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(await send("POST", "/jobs", { id: "j3", displayName: long, poolInfo: { poolId: "pool-1" } })).toMatchObject({ status: 400 });
    expect(await send("POST", "/jobs/job-1/tasks", task({ displayName: long }))).toMatchObject({ status: 400 });
    expect(await send("POST", "/jobs/job-1/tasks", task({ displayName: "x".repeat(1024) }))).toMatchObject({ status: 201 });
  });

  it("refuses an autoscale formula on a pool that does not autoscale, instead of dropping it", async () => {
    const answer = await send("POST", "/pools", poolBody({ autoScaleFormula: "$TargetDedicatedNodes = 1;" }));
    expect(answer).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(answer.values).toContainEqual({ key: "PropertyName", value: "autoScaleFormula" });
  });

  it("refuses a job naming both a pool and an auto pool; says plainly that auto pools are not emulated", async () => {
    const autoPoolSpecification = { poolLifetimeOption: "job", pool: { vmSize: "standard_d2s_v3" } };
    expect(await send("POST", "/jobs", { id: "j4", poolInfo: { poolId: "pool-1", autoPoolSpecification } })).toMatchObject({
      status: 400,
      code: "InvalidPropertyValue",
    });
    expect(await send("POST", "/jobs", { id: "j5", poolInfo: { autoPoolSpecification } })).toMatchObject({
      status: 501,
      code: "NotImplemented",
    });
  });
});

describe("operations and headers", () => {
  it("answers 501 NotImplemented for an operation of the spec it does not implement, 404 InvalidUri for a URI of none", async () => {
    expect(await send("GET", "/jobschedules")).toMatchObject({ status: 501, code: "NotImplemented" });
    expect(await send("POST", "/pools/pool-1/removenodes", { nodeList: ["n1"] })).toMatchObject({ status: 501, code: "NotImplemented" });
    // Through a client without the harness's spec check, which has no operation for this URI.
    const plain = new BatchServiceClient(new BatchSharedKeyCredentials(h.emulator.account.name, h.emulator.account.key), h.emulator.url);
    const none = await plain.sendRequest({ method: "GET", url: `${h.emulator.url}/no-such-thing?api-version=2022-10-01.16.0` });
    expect(none.status).toBe(404);
    expect(JSON.parse(none.bodyAsText ?? "{}")).toMatchObject({ code: "InvalidUri" });
  });

  it("echoes client-request-id when return-client-request-id is true in any case", async () => {
    const response = await h.client.sendRequest({
      method: "GET",
      url: `${h.emulator.url}/pools?api-version=2022-10-01.16.0`,
      headers: { "client-request-id": "4c2b7a52-0000-4000-8000-000000000001", "return-client-request-id": "True" },
    });
    expect(response.headers.get("client-request-id")).toBe("4c2b7a52-0000-4000-8000-000000000001");
  });
});

it("emulator/spec/batch-api.generated.ts is what `npm run gen:emulator-spec` makes from the spec", () => {
  expect(readFileSync(OUTPUT_PATH, "utf8")).toBe(generateRequestSchemas());
});
