import { checkDisplayName, checkTaskLike } from "./prose-rules.js";
import { BatchError, errors } from "../http/errors.js";
import type { AuthKind } from "../http/authenticate.js";
import { findSupportedImage } from "./supported-images.js";
import { parseFormula, FormulaSyntaxError } from "../lifecycle/autoscale-formula.js";
import {
  checkMetadata,
  optionalArray,
  optionalBoolean,
  optionalDuration,
  optionalInt,
  optionalObject,
  requireId,
  requireString,
} from "./validate.js";

export interface PoolAddInput {
  id: string;
  targetDedicatedNodes: number;
  targetLowPriorityNodes: number;
  enableAutoScale: boolean;
  autoScaleFormula?: string;
  autoScaleEvaluationIntervalMs?: number;
  resizeTimeoutMs?: number;
  taskSlotsPerNode: number;
}

const minute = 60_000;

/** Checks a Pool_Add body the way the service does, returning the typed parts the emulator acts on. */
export function checkPoolAdd(body: Record<string, unknown>): PoolAddInput {
  const id = requireId(body);
  requireString(body, "vmSize");
  checkConfiguration(body);
  const enableAutoScale = optionalBoolean(body, "enableAutoScale") ?? false;
  const dedicated = optionalInt(body, "targetDedicatedNodes", 0, 100_000);
  const lowPriority = optionalInt(body, "targetLowPriorityNodes", 0, 100_000);
  const input: PoolAddInput = {
    id,
    targetDedicatedNodes: dedicated ?? 0,
    targetLowPriorityNodes: lowPriority ?? 0,
    enableAutoScale,
    taskSlotsPerNode: optionalInt(body, "taskSlotsPerNode", 1, 256) ?? 1,
  };
  const resizeTimeoutMs = optionalDuration(body, "resizeTimeout", 5 * minute, 7 * 24 * 60 * minute);
  if (resizeTimeoutMs !== undefined) input.resizeTimeoutMs = resizeTimeoutMs;
  if (enableAutoScale) checkAutoScale(body, input, { dedicated, lowPriority });
  else checkNoAutoScaleSettings(body);
  checkDisplayName(body);
  checkMetadata(optionalArray(body, "metadata"));
  const startTask = optionalObject(body, "startTask");
  if (startTask !== undefined) requireString(startTask, "commandLine", "startTask.commandLine");
  checkTaskLike(startTask, "startTask");
  return input;
}

/** An autoscale pool has a formula that parses and no fixed targets. */
function checkAutoScale(body: Record<string, unknown>, input: PoolAddInput, targets: { dedicated?: number; lowPriority?: number }): void {
  const { dedicated, lowPriority } = targets;
  if (dedicated !== undefined)
    throw errors.invalidProperty("targetDedicatedNodes", dedicated, "targetDedicatedNodes cannot be set when enableAutoScale is true");
  if (lowPriority !== undefined)
    throw errors.invalidProperty(
      "targetLowPriorityNodes",
      lowPriority,
      "targetLowPriorityNodes cannot be set when enableAutoScale is true",
    );
  input.autoScaleFormula = requireString(body, "autoScaleFormula");
  checkFormulaSyntax(input.autoScaleFormula);
  const interval = optionalDuration(body, "autoScaleEvaluationInterval", 5 * minute, 168 * 60 * minute);
  if (interval !== undefined) input.autoScaleEvaluationIntervalMs = interval;
}

/** "must not be specified if enableAutoScale is set to false" (autoScaleFormula, autoScaleEvaluationInterval). */
function checkNoAutoScaleSettings(body: Record<string, unknown>): void {
  for (const name of ["autoScaleFormula", "autoScaleEvaluationInterval"]) {
    if (body[name] != null) throw errors.invalidProperty(name, body[name], `${name} cannot be set when enableAutoScale is false`);
  }
}

function checkConfiguration(body: Record<string, unknown>): void {
  const vm = optionalObject(body, "virtualMachineConfiguration");
  const cloudService = optionalObject(body, "cloudServiceConfiguration");
  if (vm === undefined && cloudService === undefined) throw errors.missingProperty("virtualMachineConfiguration");
  if (vm !== undefined && cloudService !== undefined) {
    throw errors.invalidProperty(
      "cloudServiceConfiguration",
      "set",
      "a pool has either virtualMachineConfiguration or cloudServiceConfiguration",
    );
  }
  if (vm === undefined) return;
  const image = optionalObject(vm, "imageReference");
  if (image === undefined) throw errors.missingProperty("virtualMachineConfiguration.imageReference");
  requireString(vm, "nodeAgentSKUId", "virtualMachineConfiguration.nodeAgentSKUId");
  if (image.virtualMachineImageId === undefined) checkMarketplaceImage(vm, image);
}

/**
 * A marketplace image must be one the account lists as supported (Account_ListSupportedImages), and the
 * node agent SKU must be the one listed for it: the service refuses anything else with 400 at creation.
 */
function checkMarketplaceImage(vm: Record<string, unknown>, image: Record<string, unknown>): void {
  const [publisher, offer, sku] = ["publisher", "offer", "sku"].map((part) =>
    requireString(image, part, `virtualMachineConfiguration.imageReference.${part}`),
  );
  const ref = { publisher: publisher ?? "", offer: offer ?? "", sku: sku ?? "" };
  const supported = findSupportedImage(ref);
  if (supported === undefined) {
    throw errors.invalidProperty(
      "imageReference",
      `${ref.publisher}:${ref.offer}:${ref.sku}`,
      "The specified imageReference is not supported by Azure Batch (see Account_ListSupportedImages).",
    );
  }
  const agent = String(vm.nodeAgentSKUId);
  if (agent.toLowerCase() !== supported.nodeAgentSKUId.toLowerCase()) {
    throw errors.invalidProperty(
      "nodeAgentSKUId",
      agent,
      `The node agent SKU does not match the image; this image uses ${supported.nodeAgentSKUId}.`,
    );
  }
}

const galleryImageId =
  /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Compute\/galleries\/[^/]+\/images\/[^/]+(\/versions\/[^/]+)?$/i;

/**
 * Custom images must come from an Azure Compute Gallery, and such pools need Microsoft Entra ID:
 * with SharedKey the service refuses them as an authentication failure.
 */
export function checkImage(body: Record<string, unknown>, auth: AuthKind): void {
  const vm = body.virtualMachineConfiguration as { imageReference?: { virtualMachineImageId?: unknown } } | undefined;
  const imageId = vm?.imageReference?.virtualMachineImageId;
  if (imageId === undefined) return;
  if (typeof imageId !== "string" || !galleryImageId.test(imageId)) {
    throw errors.invalidProperty(
      "virtualMachineConfiguration.imageReference.virtualMachineImageId",
      imageId,
      "The image must be an Azure Compute Gallery image",
    );
  }
  if (auth === "sharedKey") {
    throw new BatchError(403, "AuthenticationFailed", undefined, [
      {
        key: "AuthenticationErrorDetail",
        value: "The specified type of authentication SharedKey is not allowed when external resources of type Compute are linked.",
      },
    ]);
  }
}

/** A formula that does not parse is refused when it is set (add, enableautoscale). */
export function checkFormulaSyntax(formula: string): void {
  try {
    parseFormula(formula);
  } catch (err: unknown) {
    if (!(err instanceof FormulaSyntaxError)) throw err;
    throw new BatchError(400, "AutoScalingFormulaSyntaxError", undefined, [{ key: "Message", value: err.message }]);
  }
}
