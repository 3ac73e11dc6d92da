/**
 * The resource model of batch-gitops: one TypeBox definition per kind gives the TypeScript types
 * (Static<>), the runtime validation (ajv + the CEL rules via cel-js) and the CRD schemas.
 */
export {
  ACCOUNT_KIND,
  API_VERSION,
  BATCH_ID_MAX_LENGTH,
  BATCH_ID_PATTERN,
  GROUP,
  JOB_KIND,
  KINDS,
  NAME_MAX_LENGTH,
  POOL_KIND,
  VERSION,
  type Kind,
} from "./constants.js";
export * from "./common.js";
export * from "./pool.js";
export * from "./poolMounts.js";
export * from "./job.js";
export * from "./account.js";
export { validateResource, isValidJob, isValidPool, ajvErrorToProblem } from "./validate.js";
export { evaluateCelRules, listCelRules, toCelValue } from "./cel.js";
export { createAjv } from "./ajv.js";
export { buildCrds, openApiSchema, renderCrdFiles } from "./crd.js";
export { jsonSchemaFileName, renderJsonSchemaFiles } from "./jsonSchema.js";
export {
  expandTaskFactory,
  taskAt,
  taskFactoryCount,
  parameterCount,
  checkTaskFactory,
  isValidTaskId,
  MAX_FACTORY_TASKS,
  type ExpandOptions,
} from "./taskFactory.js";
export { joinPath, pointerToPath, type FieldProblem, type Problem, type Severity } from "./problem.js";

import type { BatchAccount } from "./account.js";
import type { BatchJob } from "./job.js";
import type { BatchPool } from "./pool.js";
/** Any resource kind. */
export type BatchResource = BatchPool | BatchJob | BatchAccount;
