/**
 * Lookups into one Batch listing by id and by owner, built once per listing. Every reconcile of a
 * resync gets the same listing array from the observation cache; scanning it whole for each key made
 * one resync of N pools cost N² comparisons (10,000 pools: about half of the pass's CPU). The index
 * is kept per array (a WeakMap: it goes with the listing), so callers keep passing plain arrays.
 */
import { OWNER_KEY } from "./ownership.js";

export interface Listed {
  readonly id: string;
  readonly metadata: Readonly<Record<string, string>>;
}

export interface ListingIndex<T extends Listed> {
  /** Entries whose id equals `id` ignoring case (Batch ids are case-insensitive), in listing order. */
  withId(id: string): readonly T[];
  /** Entries whose owner metadata is `owner`, in listing order. */
  ownedBy(owner: string): readonly T[];
}

const NONE: readonly never[] = [];
const indexes = new WeakMap<readonly Listed[], ListingIndex<Listed>>();

export function listingIndex<T extends Listed>(listing: readonly T[]): ListingIndex<T> {
  const known = indexes.get(listing);
  if (known !== undefined) return known as ListingIndex<T>;
  const byId = new Map<string, T[]>();
  const byOwner = new Map<string, T[]>();
  for (const entry of listing) {
    push(byId, entry.id.toLowerCase(), entry);
    const owner = entry.metadata[OWNER_KEY];
    if (owner !== undefined) push(byOwner, owner, entry);
  }
  const index: ListingIndex<T> = {
    withId: (id) => byId.get(id.toLowerCase()) ?? NONE,
    ownedBy: (owner) => byOwner.get(owner) ?? NONE,
  };
  indexes.set(listing, index);
  return index;
}

function push<T>(map: Map<string, T[]>, key: string, entry: T): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [entry]);
  else list.push(entry);
}
