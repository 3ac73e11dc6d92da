export { loadManifests, parseManifestText, listManifestFiles, resourceKey, DEFAULT_NAMESPACE } from "./loader.js";
export type { Candidate, LoadedResource, LoadOptions, LoadResult, ParsedFile, RejectedResource, ResourceCheck, SourceLocation } from "./loader.js";
export { generationOf, canonicalJson } from "./generation.js";
