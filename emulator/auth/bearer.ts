/**
 * Microsoft Entra ID bearer tokens. The emulator decodes the JWT and checks its audience and expiry the
 * way the service reports them, but does NOT verify the signature (it has no Entra keys and runs
 * offline): any well-formed, unexpired token for the Batch audience is accepted.
 */
export const BATCH_AUDIENCES: ReadonlySet<string> = new Set(["https://batch.core.windows.net/", "https://batch.core.windows.net"]);
/** Resource Manager (emulator/arm/): both names Entra issues management tokens for. */
export const MANAGEMENT_AUDIENCES: ReadonlySet<string> = new Set([
  "https://management.azure.com/",
  "https://management.azure.com",
  "https://management.core.windows.net/",
  "https://management.core.windows.net",
]);

export type BearerCheck = { ok: true } | { ok: false; detail: string };

export function checkBearerToken(token: string, nowMs: number, acceptedAudiences: ReadonlySet<string> = BATCH_AUDIENCES): BearerCheck {
  const claims = decodeClaims(token);
  if (claims === undefined) return { ok: false, detail: "The access token is not a well-formed JWT." };
  const audience = checkAudience(claims, acceptedAudiences);
  if (!audience.ok) return audience;
  if (typeof claims.exp !== "number") return { ok: false, detail: "The access token has no expiry (exp) claim." };
  if (claims.exp * 1000 <= nowMs) {
    return {
      ok: false,
      detail: `The access token expiry UTC time '${new Date(claims.exp * 1000).toUTCString()}' is earlier than current UTC time.`,
    };
  }
  if (typeof claims.nbf === "number" && claims.nbf * 1000 > nowMs + 5 * 60_000) {
    return { ok: false, detail: "The access token is not yet valid." };
  }
  return { ok: true };
}

function checkAudience(claims: Claims, acceptedAudiences: ReadonlySet<string>): BearerCheck {
  const audiences = Array.isArray(claims.aud) ? claims.aud : [claims.aud];
  if (audiences.some((a) => typeof a === "string" && acceptedAudiences.has(a))) return { ok: true };
  const given = typeof claims.aud === "string" ? claims.aud : JSON.stringify(claims.aud ?? null);
  const allowed = [...acceptedAudiences]
    .filter((a) => a.endsWith("/"))
    .map((a) => `'${a}'`)
    .join(", ");
  return {
    ok: false,
    detail: `The access token has been obtained from wrong audience or resource '${given}'. It should exactly match (including forward slash) with one of the allowed audiences ${allowed}`,
  };
}

interface Claims {
  aud?: unknown;
  exp?: unknown;
  nbf?: unknown;
}

function decodeClaims(token: string): Claims | undefined {
  const parts = token.split(".");
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const json: unknown = JSON.parse(Buffer.from(parts[1], "base64url").toString("utf8"));
    return typeof json === "object" && json !== null && !Array.isArray(json) ? (json as Claims) : undefined;
  } catch {
    return undefined;
  }
}

/** Builds an unsigned test token (for tests and demos; the emulator ignores signatures). */
export function makeTestToken(claims: Record<string, unknown>): string {
  const encode = (v: unknown): string => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${encode({ alg: "none", typ: "JWT" })}.${encode(claims)}.`;
}
