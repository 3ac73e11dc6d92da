/** A request body as the client sent it; stored entities keep it to show fixed properties from. */
export type Body = Record<string, unknown>;

/** What every stored entity carries for ETag / Last-Modified and conditional requests. */
export interface EntityMeta {
  readonly id: string;
  eTag: string;
  /** Epoch ms on the emulator clock. */
  lastModified: number;
  readonly creationTime: number;
}

let etagCounter = 0;
const etagPrefix = `0x8${Math.floor(Date.now() / 1000)
  .toString(16)
  .toUpperCase()
  .padStart(8, "0")
  .slice(-6)}`;

/**
 * A fresh entity tag shaped like the service's (unquoted, 0x + 15 hex digits), unique within the process.
 * Every added task gets one, so it is cheap: the prefix with all but the last two hex digits changes once in
 * 256 tags, and the last two come from a table (one concatenation per tag).
 */
export function newETag(): string {
  etagCounter += 1;
  const low = etagCounter & 0xff;
  if (low === 0 || etagHigh === "") etagHigh = etagPrefix + upperHex(Math.floor(etagCounter / 256), 6);
  const etag = etagHigh + (HEX_PAIRS[low] as string);
  // Concatenation yields a rope (prefix + digits); reading it flattens it, and the GC then keeps only the flat
  // 17-character string: ~40 instead of ~90 bytes for every one of a million tasks.
  etag.charCodeAt(0);
  return etag;
}

const upperHex = (n: number, width: number): string => n.toString(16).toUpperCase().padStart(width, "0");
const HEX_PAIRS = Array.from({ length: 256 }, (_, i) => upperHex(i, 2));
let etagHigh = "";

/** Gives an entity a new ETag and Last-Modified, as every mutation does on the service. */
export function touch(entity: EntityMeta, nowMs: number): void {
  entity.eTag = newETag();
  entity.lastModified = nowMs;
}

export function newMeta(id: string, nowMs: number): EntityMeta {
  return { id, eTag: newETag(), lastModified: nowMs, creationTime: nowMs };
}
