/** BatchAccount: one Azure Batch account the controller serves, named by pools and jobs (`spec.accountRef`). */
import { Type, type Static } from "@sinclair/typebox";
import { ACCOUNT_KIND, API_VERSION, LONG_STRING_MAX, NAME_MAX_LENGTH } from "./constants.js";
import { ConditionsSchema, NAME_RULE, ObjectMetaSchema, SecretKeyRefSchema } from "./common.js";
import { Strict } from "./schemaHelpers.js";

/** `https://{account}.{region}.batch.azure.com`: the account name is the URL's first label. */
export const DERIVABLE_ACCOUNT_URL_PATTERN = "^https://[a-z0-9]{3,24}\\.[a-z0-9-]+\\.batch\\.azure\\.com/?$";

export const AccountAuthSchema = Strict(
  {
    entra: Type.Optional(
      Strict({}, { description: "Microsoft Entra ID through DefaultAzureCredential (workload identity in AKS, az login locally)" }),
    ),
    sharedKey: Type.Optional(Strict({ secretRef: SecretKeyRefSchema }, { description: "the account's shared key, read from a secret" })),
  },
  {
    description: "Exactly one of entra or sharedKey.",
    rules: [
      {
        id: "account-auth-exactly-one",
        rule: "has(self.entra) != has(self.sharedKey)",
        message: "auth sets exactly one of entra or sharedKey",
      },
    ],
  },
);
export type AccountAuth = Static<typeof AccountAuthSchema>;

export const BatchAccountSpecSchema = Strict(
  {
    url: Type.String({
      minLength: 1,
      maxLength: 2048,
      pattern: "^https?://",
      description: "the account endpoint, e.g. https://teama.westeurope.batch.azure.com",
    }),
    accountName: Type.Optional(
      Type.String({
        minLength: 3,
        maxLength: 24,
        pattern: "^[a-z0-9]+$",
        description: "needed with sharedKey when the URL does not start with it (emulator, private endpoint)",
      }),
    ),
    auth: AccountAuthSchema,
    armResourceId: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: LONG_STRING_MAX,
        pattern: "^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Batch/batchAccounts/[^/]+$",
        description: "the account's Azure Resource Manager id; pools that only ARM can create (managed identities) need it",
      }),
    ),
  },
  {
    rules: [
      {
        id: "account-shared-key-needs-name",
        // CEL string literals take backslashes escaped.
        rule: `!has(self.auth.sharedKey) || has(self.accountName) || self.url.matches('${DERIVABLE_ACCOUNT_URL_PATTERN.replace(/\\/g, "\\\\")}')`,
        message: "a shared key signs with the account name: set accountName when the URL is not https://{account}.{region}.batch.azure.com",
      },
    ],
  },
);
export type BatchAccountSpec = Static<typeof BatchAccountSpecSchema>;

export const BatchAccountStatusSchema = Strict({
  observedGeneration: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
  conditions: Type.Optional(ConditionsSchema),
  lastSyncTime: Type.Optional(Type.String({ format: "date-time" })),
  sourceRevision: Type.Optional(Type.String({ description: "Git revision of the manifest this status describes (directory mode)" })),
});
export type BatchAccountStatus = Static<typeof BatchAccountStatusSchema>;

export const BatchAccountSchema = Strict(
  {
    apiVersion: Type.Literal(API_VERSION),
    kind: Type.Literal(ACCOUNT_KIND),
    metadata: ObjectMetaSchema,
    spec: BatchAccountSpecSchema,
    status: Type.Optional(BatchAccountStatusSchema),
  },
  { rules: [NAME_RULE] },
);
export type BatchAccount = Static<typeof BatchAccountSchema>;

/** `spec.accountRef` of BatchPool and BatchJob: a BatchAccount in the same namespace. */
export const AccountRefSchema = Strict(
  { name: Type.String({ minLength: 1, maxLength: NAME_MAX_LENGTH }) },
  { description: "a BatchAccount in the same namespace; default: the account given to the controller (--batch-url, BATCH_ACCOUNT_URL)" },
);

/** The account name a URL implies (`https://teama.westeurope.batch.azure.com` → teama), if any. */
export function accountNameFromUrl(url: string): string | undefined {
  if (!new RegExp(DERIVABLE_ACCOUNT_URL_PATTERN).test(url)) return undefined;
  return new URL(url).hostname.split(".")[0];
}
