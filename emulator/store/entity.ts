import { newETag } from "../http/wire-format.js";

/** What every stored entity carries for ETag / Last-Modified and conditional requests. */
export interface EntityMeta {
  readonly id: string;
  eTag: string;
  /** Epoch ms on the emulator clock. */
  lastModified: number;
  readonly creationTime: number;
}

/** Gives an entity a new ETag and Last-Modified, as every mutation does on the service. */
export function touch(entity: EntityMeta, nowMs: number): void {
  entity.eTag = newETag();
  entity.lastModified = nowMs;
}

export function newMeta(id: string, nowMs: number): EntityMeta {
  return { id, eTag: newETag(), lastModified: nowMs, creationTime: nowMs };
}
