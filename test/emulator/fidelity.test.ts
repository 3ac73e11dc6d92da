/**
 * Answers the real service gives that recorded traffic showed the emulator getting wrong (issue 11, item 4),
 * each checked through the unmodified @azure/batch SDK.
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { addReadyPool, batchError, startSdkHarness, type SdkHarness } from "./helpers/sdk.js";

let h: SdkHarness;

beforeEach(async () => {
  h = await startSdkHarness();
});

afterEach(async () => {
  expect(h.violations).toEqual([]);
  await h.close();
});

const jammy = { publisher: "canonical", offer: "0001-com-ubuntu-server-jammy", sku: "22_04-lts" };

function poolWith(id: string, image: Record<string, string>, nodeAgentSKUId: string) {
  return { id, vmSize: "standard_d2s_v3", virtualMachineConfiguration: { imageReference: image, nodeAgentSKUId }, targetDedicatedNodes: 0 };
}

describe("marketplace images", () => {
  it("refuses an image the account does not list as supported with 400 InvalidPropertyValue", async () => {
    const typo = await batchError(
      h.client.pool.add(poolWith("typo", { ...jammy, offer: "0001-com-ubuntu-server-jamy" }, "batch.node.ubuntu 22.04")),
    );
    expect(typo).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(typo.values).toContainEqual({ key: "PropertyName", value: "imageReference" });
    expect((await h.client.pool.exists("typo")).body).toBe(false);
  });

  it("refuses a node agent SKU that does not match the image", async () => {
    const error = await batchError(
      h.client.pool.add(poolWith("agent", { publisher: "microsoft-dsvm", offer: "ubuntu-hpc", sku: "2204" }, "batch.node.ubuntu 20.04")),
    );
    expect(error).toMatchObject({ status: 400, code: "InvalidPropertyValue" });
    expect(error.values).toContainEqual({ key: "PropertyName", value: "nodeAgentSKUId" });
  });

  it("accepts every listed image with its listed agent, whatever the case of publisher/offer/sku", async () => {
    const images = await h.client.account.listSupportedImages();
    expect(images.length).toBeGreaterThan(5);
    let n = 0;
    for (const image of images) {
      const ref = image.imageReference;
      await h.client.pool.add(
        poolWith(
          `img${n++}`,
          { publisher: ref.publisher?.toUpperCase() ?? "", offer: ref.offer ?? "", sku: ref.sku ?? "" },
          image.nodeAgentSKUId,
        ),
      );
    }
    expect((await h.client.pool.list()).length).toBe(images.length);
  });
});

describe("durations", () => {
  it("accepts years, months and weeks and answers in days, as the service does", async () => {
    await addReadyPool(h, "p");
    await h.client.job.add({ id: "j", poolInfo: { poolId: "p" }, constraints: { maxWallClockTime: "P3Y6M4DT12H30M5S" } });
    expect((await h.client.job.get("j")).constraints?.maxWallClockTime).toBe("P1279DT12H30M5S");
    await h.client.task.add("j", { id: "t", commandLine: "true", constraints: { retentionTime: "P2W" } });
    expect((await h.client.task.get("j", "t")).constraints?.retentionTime).toBe("P14D");
  });
});

describe("jobs", () => {
  it("does not terminate a job whose job manager has not run yet (onAllTasksComplete: terminatejob)", async () => {
    await h.client.job.add({
      id: "jm",
      poolInfo: { poolId: "nopool" },
      onAllTasksComplete: "terminatejob",
      jobManagerTask: { id: "manager", commandLine: "true" },
    });
    h.advance(60_000);
    const job = await h.client.job.get("jm");
    expect(job.state).toBe("active");
    expect(job.jobManagerTask).toMatchObject({
      killJobOnCompletion: true,
      runExclusive: true,
      allowLowPriorityNode: true,
      userIdentity: { autoUser: { scope: "pool", elevationLevel: "nonadmin" } },
    });
    expect((await h.client.task.list("jm")).map((t) => t.id)).toEqual(["manager"]);
  });

  it("gives a job manager without constraints the job's maxTaskRetryCount, as the service records show", async () => {
    await h.client.job.add({
      id: "jm5",
      poolInfo: { poolId: "nopool" },
      constraints: { maxTaskRetryCount: 5 },
      jobManagerTask: { id: "manager", commandLine: "true" },
    });
    await h.client.job.add({
      id: "jm1",
      poolInfo: { poolId: "nopool" },
      constraints: { maxTaskRetryCount: 5 },
      jobManagerTask: { id: "manager", commandLine: "true", constraints: { maxTaskRetryCount: 1 } },
    });
    expect((await h.client.job.get("jm5")).jobManagerTask?.constraints).toMatchObject({ maxTaskRetryCount: 5, retentionTime: "P7D" });
    expect((await h.client.job.get("jm1")).jobManagerTask?.constraints?.maxTaskRetryCount).toBe(1);
  });

  it("ends the job with JMComplete once the job manager has run", async () => {
    await addReadyPool(h, "p");
    await h.client.job.add({ id: "jm", poolInfo: { poolId: "p" }, jobManagerTask: { id: "manager", commandLine: "true" } });
    h.advance(60_000);
    const job = await h.client.job.get("jm");
    expect(job.state).toBe("completed");
    expect(job.executionInfo?.terminateReason).toBe("JMComplete");
  });

  it("answers a second delete of a job being deleted with 409 JobBeingDeleted, and of a pool with PoolBeingDeleted", async () => {
    await addReadyPool(h, "p");
    await h.client.job.add({ id: "j", poolInfo: { poolId: "p" } });
    await h.client.job.deleteMethod("j");
    expect(await batchError(h.client.job.deleteMethod("j"))).toMatchObject({ status: 409, code: "JobBeingDeleted" });
    await h.client.pool.deleteMethod("p");
    expect(await batchError(h.client.pool.deleteMethod("p"))).toMatchObject({ status: 409, code: "PoolBeingDeleted" });
  });

  it("fills in the service's defaults and leaves out an empty metadata list", async () => {
    await h.client.job.add({
      id: "j",
      poolInfo: { poolId: "p" },
      metadata: [],
      jobPreparationTask: { commandLine: "prep" },
      jobReleaseTask: { commandLine: "rel" },
    });
    const job = await h.client.job.get("j");
    expect(job.metadata).toBeUndefined();
    expect(job.jobPreparationTask).toMatchObject({
      id: "jobpreparation",
      waitForSuccess: true,
      rerunOnNodeRebootAfterSuccess: true,
      constraints: { maxTaskRetryCount: 0, retentionTime: "P7D" },
    });
    expect(job.jobReleaseTask).toMatchObject({ id: "jobrelease", maxWallClockTime: "PT15M", retentionTime: "P7D" });
  });
});

describe("pools", () => {
  it("never returns passwords, fills in start task and image defaults, writes nodeFillType as Spread and vmSize in lower case", async () => {
    await h.client.pool.add({
      ...poolWith("secret", jammy, "batch.node.ubuntu 22.04"),
      vmSize: "Standard_D2s_v3",
      userAccounts: [{ name: "ops", password: "s3cret-Passw0rd" }],
      startTask: { commandLine: "/bin/true" },
      metadata: [],
    });
    const pool = await h.client.pool.get("secret");
    const text = JSON.stringify(pool);
    expect(text).not.toContain("s3cret-Passw0rd");
    expect(pool.userAccounts?.[0]?.name).toBe("ops");
    expect(pool.startTask).toMatchObject({
      maxTaskRetryCount: 0,
      waitForSuccess: true,
      userIdentity: { autoUser: { scope: "pool", elevationLevel: "nonadmin" } },
    });
    expect(pool.virtualMachineConfiguration?.imageReference.version).toBe("latest");
    // As recorded from the service (azure-cli's test_batch_pools_and_nodes): "Spread", and the size in lower case.
    expect(pool.taskSchedulingPolicy?.nodeFillType).toBe("Spread");
    expect(pool.vmSize).toBe("standard_d2s_v3");
    expect(pool.metadata).toBeUndefined();
    expect(JSON.stringify(await h.client.pool.list())).not.toContain("s3cret-Passw0rd");
    // The REST spec shares UserAccount between requests and answers, so it marks the write-only password as
    // required in answers too; the service leaves it out, and so does the emulator.
    const onlyPassword = (v: { errors: string[] }): boolean => v.errors.every((e) => e.includes("must have required property 'password'"));
    h.violations.splice(0, h.violations.length, ...h.violations.filter((v) => !onlyPassword(v)));
  });

  it("sends Location only on creates, and DataServiceId on evaluateautoscale", async () => {
    const added = await h.client.pool.add({
      ...poolWith("auto", jammy, "batch.node.ubuntu 22.04"),
      targetDedicatedNodes: undefined,
      enableAutoScale: true,
      autoScaleFormula: "$TargetDedicatedNodes = 0;",
    });
    expect(added._response.headers.get("location")).toBe(`${h.emulator.url}/pools/auto`);
    const patched = await h.client.pool.patch("auto", { metadata: [{ name: "a", value: "b" }] });
    expect(patched._response.headers.get("location")).toBeUndefined();
    const evaluated = await h.client.pool.evaluateAutoScale("auto", "$TargetDedicatedNodes = 1;");
    // An action names itself (recorded: …/pools/azure-cli-test-iaas/evaluateautoscale), as resize and the others do.
    expect(evaluated._response.headers.get("dataserviceid")).toBe(`${h.emulator.url}/pools/auto/evaluateautoscale`);
  });

  it("keeps the pool's etag on stopresize and disableautoscale and names the action in DataServiceId, as recorded", async () => {
    await h.client.pool.add({ ...poolWith("moving", jammy, "batch.node.ubuntu 22.04"), targetDedicatedNodes: 0 });
    const resized = await h.client.pool.resize("moving", { targetDedicatedNodes: 3 });
    expect(resized._response.headers.get("dataserviceid")).toBe(`${h.emulator.url}/pools/moving/resize`);
    const stopped = await h.client.pool.stopResize("moving");
    expect(stopped._response.headers.get("etag")).toBe(resized._response.headers.get("etag"));
    expect(stopped._response.headers.get("dataserviceid")).toBe(`${h.emulator.url}/pools/moving/stopresize`);
    h.advance(60_000);
    const enabled = await h.client.pool.enableAutoScale("moving", { autoScaleFormula: "$TargetDedicatedNodes = 1;" });
    const disabled = await h.client.pool.disableAutoScale("moving");
    expect([disabled._response.headers.get("etag"), disabled._response.headers.get("last-modified")]).toEqual([
      enabled._response.headers.get("etag"),
      enabled._response.headers.get("last-modified"),
    ]);
  });

  it("refuses application package references to packages that do not exist with 409", async () => {
    const error = await batchError(
      h.client.pool.add({
        ...poolWith("apps", jammy, "batch.node.ubuntu 22.04"),
        applicationPackageReferences: [{ applicationId: "ffmpeg", version: "1.0" }],
      }),
    );
    expect(error).toMatchObject({ status: 409, code: "InvalidApplicationPackageReferences" });
    await addReadyPool(h, "p");
    await h.client.job.add({ id: "j", poolInfo: { poolId: "p" } });
    const taskError = await batchError(
      h.client.task.add("j", { id: "t", commandLine: "x", applicationPackageReferences: [{ applicationId: "nope" }] }),
    );
    expect(taskError).toMatchObject({ status: 409, code: "InvalidApplicationPackageReferences" });
  });
});

describe("nodes and tasks", () => {
  it("shows a node's SSH endpoint, its agent once booted, its recent tasks and the exact image version", async () => {
    await h.client.pool.add({ ...poolWith("p", jammy, "batch.node.ubuntu 22.04"), targetDedicatedNodes: 1 });
    const [booting] = await h.client.computeNode.list("p");
    expect(booting?.nodeAgentInfo).toBeUndefined();
    h.advance(60_000);
    await h.client.job.add({ id: "j", poolInfo: { poolId: "p" } });
    await h.client.task.add("j", {
      id: "t1",
      commandLine: "true",
      outputFiles: [
        {
          filePattern: "*.txt",
          destination: { container: { containerUrl: "http://127.0.0.1:10000/devstoreaccount1/out" } },
          uploadOptions: { uploadCondition: "tasksuccess" },
        },
      ],
    });
    h.advance(60_000);
    const [node] = await h.client.computeNode.list("p");
    expect(node?.endpointConfiguration?.inboundEndpoints[0]).toMatchObject({ name: "SSHRule.0", protocol: "tcp", backendPort: 22 });
    expect(node?.nodeAgentInfo?.version).toBeTruthy();
    expect(node?.virtualMachineInfo?.imageReference).toMatchObject({ ...jammy, version: "latest" });
    expect(node?.virtualMachineInfo?.imageReference?.exactVersion).toMatch(/^\d+\.\d+\.\d+$/);
    expect(node?.recentTasks?.[0]).toMatchObject({ jobId: "j", taskId: "t1", taskState: "completed", executionInfo: { exitCode: 0 } });
    const task = await h.client.task.get("j", "t1");
    expect(task.nodeInfo?.taskRootDirectory).toBe("/workitems/j/job-1/t1");
    expect(task.nodeInfo?.taskRootDirectoryUrl).toBe(`${h.emulator.url}/pools/p/nodes/${node?.id}/files/workitems/j/job-1/t1`);
    expect(task.outputFiles?.[0]?.uploadOptions.uploadCondition).toBe("TaskSuccess");
    expect(task.userIdentity).toEqual({ autoUser: { scope: "pool", elevationLevel: "nonadmin" } });
  });
});
