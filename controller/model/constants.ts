/** API group, version and kinds of the batch-gitops resources. */
export const GROUP = "azurebatch.gitops.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const POOL_KIND = "BatchPool";
export const JOB_KIND = "BatchJob";
export const KINDS = [POOL_KIND, JOB_KIND] as const;
export type Kind = (typeof KINDS)[number];

/** Batch ids: letters, digits, hyphens and underscores, at most 64 characters (service rule). */
export const BATCH_ID_PATTERN = "^[A-Za-z0-9_-]+$";
export const BATCH_ID_MAX_LENGTH = 64;
/**
 * Resource names are DNS labels of at most 55 characters, so that a replacement pool id
 * `<name>-<hash8>` still fits the Batch limit of 64.
 */
export const NAME_MAX_LENGTH = 55;
export const NAME_PATTERN = "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$";
