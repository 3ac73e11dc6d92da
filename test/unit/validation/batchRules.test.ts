import { describe, expect, it } from "vitest";
import type { BatchResource } from "../../../controller/model/index.js";
import { BATCH_RULES, validateBatchRules, type AuthMode } from "../../../controller/validation/index.js";
import { aJob, aPool, aTask, aSweep } from "../../helpers/resources.js";

const GALLERY = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g/images/i/versions/1.0.0";
const found = (resource: BatchResource, auth: AuthMode = "entra"): string[] =>
  validateBatchRules(resource, { authMode: auth }).map((p) => `${p.severity} ${p.rule} ${p.path}`);

const galleryPool = (nodes: number, resizeTimeoutSeconds?: number): BatchResource =>
  aPool()
    .withImage({ virtualMachineImageId: GALLERY })
    .withScale({ fixed: { targetDedicatedNodes: nodes, ...(resizeTimeoutSeconds === undefined ? {} : { resizeTimeoutSeconds }) } })
    .build();
const containerTask = (containerRunOptions: string, extra = {}): ReturnType<typeof aTask> =>
  aTask("t", { containerSettings: { imageName: "r.azurecr.io/app:1", containerRunOptions }, ...extra });
const relativeOutput = {
  outputFiles: [
    {
      filePattern: "out.txt",
      destination: { container: { containerUrl: "https://a.blob.core.windows.net/c" } },
      uploadOptions: { uploadCondition: "tasksuccess" as const },
    },
  ],
};

describe("Batch-aware rules", () => {
  it.each<[string, BatchResource, AuthMode, string[]]>([
    [
      "a marketplace container pool passes everything",
      aPool({}, { containerConfiguration: { type: "dockerCompatible", containerImageNames: ["r.azurecr.io/app:1"] } }).build(),
      "shared-key",
      [],
    ],
    [
      "gallery image under shared key is an error",
      galleryPool(2),
      "shared-key",
      ["error gallery-image-needs-entra spec.image.virtualMachineImageId"],
    ],
    ["gallery image under Entra ID is fine", galleryPool(2), "entra", []],
    [
      "ubuntu-hpc 2204 with the 20.04 agent",
      aPool({}, { nodeAgentSkuId: "batch.node.ubuntu 20.04" }).build(),
      "entra",
      ["error node-agent-sku-mismatch spec.nodeAgentSkuId"],
    ],
    [
      "an Ubuntu image with the EL agent",
      aPool({}, { nodeAgentSkuId: "batch.node.el 8" }).build(),
      "entra",
      ["error node-agent-sku-mismatch spec.nodeAgentSkuId"],
    ],
    [
      "almalinux 8-hpc with batch.node.el 8",
      aPool()
        .withImage({ marketplace: { publisher: "almalinux", offer: "almalinux-hpc", sku: "8_7-hpc-gen2" } })
        .withSpec({ nodeAgentSkuId: "batch.node.el 8" })
        .build(),
      "entra",
      [],
    ],
    ["300 gallery nodes is not large", galleryPool(300), "entra", []],
    [
      "2000 gallery nodes with the default timeout",
      galleryPool(2000),
      "entra",
      ["warning gallery-replicas-per-300-vms spec.scale.fixed", "warning resize-timeout-large-pool spec.scale.fixed.resizeTimeoutSeconds"],
    ],
    ["2000 gallery nodes with 30 minutes", galleryPool(2000, 1800), "entra", ["warning gallery-replicas-per-300-vms spec.scale.fixed"]],
    [
      "retiring microsoft-azure-batch image",
      aPool()
        .withImage({ marketplace: { publisher: "microsoft-azure-batch", offer: "ubuntu-server-container", sku: "20-04-lts" } })
        .withSpec({ nodeAgentSkuId: "batch.node.ubuntu 20.04" })
        .build(),
      "entra",
      ["warning retiring-image spec.image.marketplace.publisher"],
    ],
    [
      "Docker Hub prefetch without credentials",
      aPool(
        {},
        {
          containerConfiguration: {
            type: "dockerCompatible",
            containerImageNames: ["r.azurecr.io/a:1", "python:3.11", "docker.io/library/redis:7"],
          },
        },
      ).build(),
      "entra",
      [
        "warning dockerhub-without-credentials spec.containerConfiguration.containerImageNames[1]",
        "warning dockerhub-without-credentials spec.containerConfiguration.containerImageNames[2]",
      ],
    ],
    [
      "Docker Hub prefetch with Docker Hub credentials",
      aPool(
        {},
        {
          containerConfiguration: {
            type: "dockerCompatible",
            containerImageNames: ["python:3.11"],
            containerRegistries: [{ registryServer: "docker.io", username: "me", passwordSecretRef: { name: "hub", key: "token" } }],
          },
        },
      ).build(),
      "entra",
      [],
    ],
    [
      "container pool subnet inside 172.17.0.0/16",
      aPool(
        {},
        {
          containerConfiguration: { type: "dockerCompatible" },
          networkConfiguration: { subnetId: "/s/subnet", subnetAddressPrefix: "172.16.0.0/12" },
        },
      ).build(),
      "entra",
      ["warning docker-bridge-overlap spec.networkConfiguration.subnetAddressPrefix"],
    ],
    [
      "container pool subnet 10.0.0.0/16",
      aPool(
        {},
        {
          containerConfiguration: { type: "dockerCompatible" },
          networkConfiguration: { subnetId: "/s/subnet", subnetAddressPrefix: "10.0.0.0/16" },
        },
      ).build(),
      "entra",
      [],
    ],
    [
      "-v in task run options",
      aJob()
        .withTasks([containerTask("-v /mnt:/data")])
        .build(),
      "entra",
      ["error container-run-options-short-form spec.tasks[0].containerSettings.containerRunOptions"],
    ],
    [
      "--volume in task run options",
      aJob()
        .withTasks([containerTask("--volume /mnt:/data --workdir /app")])
        .build(),
      "entra",
      [],
    ],
    [
      "--rm in task run options",
      aJob()
        .withTasks([containerTask("--rm")])
        .build(),
      "entra",
      ["warning container-run-options-rm spec.tasks[0].containerSettings.containerRunOptions"],
    ],
    [
      "--gpus in task run options",
      aJob()
        .withTasks([containerTask("--gpus=all")])
        .build(),
      "entra",
      ["warning container-run-options-gpus spec.tasks[0].containerSettings.containerRunOptions"],
    ],
    [
      "short option in a start task's container settings",
      aPool(
        {},
        { startTask: { commandLine: "x", containerSettings: { imageName: "r.azurecr.io/a:1", containerRunOptions: "-e A=1" } } },
      ).build(),
      "entra",
      ["error container-run-options-short-form spec.startTask.containerSettings.containerRunOptions"],
    ],
    [
      "short option in a task factory template",
      aJob()
        .withTaskFactory(aSweep(10, { containerSettings: { imageName: "r.azurecr.io/a:1", containerRunOptions: "-w /app" } }))
        .build(),
      "entra",
      ["error container-run-options-short-form spec.taskFactory.parametricSweep.taskTemplate.containerSettings.containerRunOptions"],
    ],
    [
      "--workdir with a relative output pattern",
      aJob()
        .withTasks([containerTask("--workdir /app", relativeOutput)])
        .build(),
      "entra",
      ["warning workdir-relative-output spec.tasks[0].outputFiles[0].filePattern"],
    ],
    [
      "relative output pattern without --workdir",
      aJob()
        .withTasks([containerTask("--volume /a:/b", relativeOutput)])
        .build(),
      "entra",
      [],
    ],
  ])("%s", (_name, resource, auth, expected) => {
    expect(found(resource, auth)).toEqual(expected);
  });

  it("every rule names what to do in its message and has a unique id", () => {
    const ids = BATCH_RULES.map((r) => r.id);
    expect(new Set(ids).size).toBe(ids.length);
    const problems = validateBatchRules(galleryPool(2000), { authMode: "shared-key" });
    for (const p of problems) expect(p.message).toMatch(/use|run|keep|need|add|drop|move|choose|write/);
  });
});
