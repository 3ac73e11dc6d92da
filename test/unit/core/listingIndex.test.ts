import { describe, expect, it } from "vitest";
import { listingIndex } from "../../../controller/core/listingIndex.js";
import type { ObservedPool } from "../../../controller/core/observed.js";
import { OWNER_KEY } from "../../../controller/core/ownership.js";
import { planPool } from "../../../controller/core/poolPlan.js";
import type { PoolIntent } from "../../../controller/core/intent.js";
import { ctx, livePool, poolIntent } from "./fixtures.js";

/** `count` in-sync pools (render-0000…) with their live pools, the listing a resync plans them against. */
function inSyncAccount(count: number): { intents: PoolIntent[]; listing: ObservedPool[] } {
  const intents = Array.from({ length: count }, (_, i) => {
    const name = `render-${String(i).padStart(4, "0")}`;
    return poolIntent({ key: `BatchPool/default/${name}`, name });
  });
  return { intents, listing: intents.map((intent) => livePool(intent)) };
}

/** The same pools, each counting how often its metadata (owner, manager, hashes) is read. */
function countingMetadataReads(listing: readonly ObservedPool[]): { listing: ObservedPool[]; reads: () => number } {
  let reads = 0;
  const counted = listing.map((pool) => {
    const { metadata, ...rest } = pool;
    return Object.defineProperty({ ...rest }, "metadata", {
      enumerable: true,
      get: () => {
        reads++;
        return metadata;
      },
    }) as ObservedPool;
  });
  return { listing: counted, reads: () => reads };
}

describe("listingIndex", () => {
  const pool = (id: string, owner?: string): ObservedPool =>
    livePool(poolIntent(), { id, metadata: owner === undefined ? {} : { [OWNER_KEY]: owner } });

  it("finds entries by id ignoring case and by owner, in listing order", () => {
    const a = pool("Render-A", "BatchPool/default/render");
    const b = pool("render-b", "BatchPool/default/render");
    const c = pool("other", "BatchPool/default/other");
    const d = pool("loose");
    const index = listingIndex([a, b, c, d]);
    expect(index.withId("render-a")).toEqual([a]);
    expect(index.withId("LOOSE")).toEqual([d]);
    expect(index.withId("missing")).toEqual([]);
    expect(index.ownedBy("BatchPool/default/render")).toEqual([a, b]);
    expect(index.ownedBy("BatchPool/default/none")).toEqual([]);
  });

  it("is built once per listing array and never shared between listings", () => {
    const listing = [pool("p1", "BatchPool/default/p1")];
    expect(listingIndex(listing)).toBe(listingIndex(listing));
    const next = [pool("p2", "BatchPool/default/p2")];
    expect(listingIndex(next).withId("p1")).toEqual([]);
    expect(listingIndex(next).withId("p2")).toEqual(next);
  });
});

describe("a resync plans every pool against one listing in linear work", () => {
  it("planning 2,000 in-sync pools reads each listed pool's metadata a bounded number of times", () => {
    const pools = 2000;
    const account = inSyncAccount(pools);
    const { listing, reads } = countingMetadataReads(account.listing);
    const statuses = account.intents.map((intent) => planPool(intent, listing, ctx).state.status);
    expect(new Set(statuses)).toEqual(new Set(["InSync"]));
    // Scanning the listing per pool reads metadata pools² times (4,000,000 here); indexed, a few per pool.
    expect(reads()).toBeLessThanOrEqual(10 * pools);
  });

  it("still finds the pool to adopt and the pool that takes the desired id", () => {
    const { intents, listing } = inSyncAccount(3);
    const [first, second] = intents as [PoolIntent, PoolIntent];
    const unstamped = { ...listing[0], metadata: { team: "vfx" } } as ObservedPool;
    const adopting = planPool({ ...first, adoptPoolId: unstamped.id }, [unstamped, ...listing.slice(1)], ctx);
    expect(adopting.state.status).toBe("Adopting");
    const conflict = planPool(second, [unstamped, { ...listing[1], id: listing[1]?.id.toUpperCase(), metadata: {} } as ObservedPool], ctx);
    expect(conflict.state.status).toBe("Conflict");
  });
});
