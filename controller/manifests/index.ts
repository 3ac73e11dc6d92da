export {
  accountRefOf,
  loadManifests,
  loadManifestFile,
  missingAccountMessage,
  missingPoolMessage,
  parseManifestText,
  resourceKey,
  DEFAULT_NAMESPACE,
} from "./loader.js";
export {
  listManifestFiles,
  readManifestFile,
  decodeManifest,
  isManifestFile,
  isHiddenPath,
  nodeFs,
  unreadManifestsMessage,
} from "./files.js";
export type { ManifestFs, ManifestRead, EncodingProblem, FileProblem } from "./files.js";
export type {
  Candidate,
  LoadedResource,
  LoadManifestsOptions,
  LoadOptions,
  LoadResult,
  ParsedFile,
  RejectedResource,
  ResourceCheck,
  SourceLocation,
} from "./loader.js";
export { generationOf, canonicalJson } from "./generation.js";
export { resourcePlaces, type TreePlace } from "./listItems.js";
export { accountMismatchProblems } from "./accountMismatch.js";
export { batchIdProblems } from "./batchIdCollisions.js";
export { containerMismatchProblems, containerReportPaths } from "./containerMatch.js";
