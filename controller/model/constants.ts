/** API group, version and kinds of the batch-gitops resources. */
export const GROUP = "azurebatch.gitops.dev";
export const VERSION = "v1alpha1";
export const API_VERSION = `${GROUP}/${VERSION}`;

export const POOL_KIND = "BatchPool";
export const JOB_KIND = "BatchJob";
export const ACCOUNT_KIND = "BatchAccount";
export const KINDS = [POOL_KIND, JOB_KIND, ACCOUNT_KIND] as const;
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

/**
 * Limits that mirror what Batch accepts or can carry, so `validate` refuses what the service would.
 * Integers are int32 on the wire; request bodies are at most 1 MiB (addtaskcollection: 100 tasks).
 */
export const INT32_MAX = 2_147_483_647;
/** No Batch pool is this large; a typo guard well above any real pool (dedicated cores quota tops out far lower). */
export const MAX_POOL_NODES = 100_000;
/** addtaskcollection's body limit; one task must fit in it with room for the envelope. */
export const MAX_REQUEST_BYTES = 1_048_576;
export const MAX_TASK_BYTES = MAX_REQUEST_BYTES - 4096;
/** Tasks per addtaskcollection call. */
export const MAX_TASKS_PER_CALL = 100;
/** Kubernetes' limit on the total size of a resource's annotations. */
export const MAX_ANNOTATIONS_BYTES = 256 * 1024;
/** String limits: short names (VM sizes, SKUs), URLs and ids (SAS URLs are long), command lines and values. */
export const SHORT_STRING_MAX = 256;
export const LONG_STRING_MAX = 8192;
/** Windows' command-line limit; longer scripts belong in a resource file. */
export const COMMAND_LINE_MAX = 32_768;
export const VALUE_MAX = 32_768;
