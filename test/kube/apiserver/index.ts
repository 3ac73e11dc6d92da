/** The test Kubernetes API server: see README.md in this folder. */
export { startTestApiServer } from "./server.js";
export type { TestApiServer, TestApiServerOptions } from "./server.js";
export type { ApiServerControl, InjectedError, ObjectRef, RequestFilter, RequestLogEntry } from "./control.js";
export type { CustomResourceDefinition } from "./crd.js";
export type { KubeObject, ObjectMeta, Verb } from "./types.js";
