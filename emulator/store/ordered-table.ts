/**
 * A table of entities keyed by case-insensitive id, listed in insertion order.
 *
 * Built for a million rows: get/insert/delete are O(1) (a Map on the lowercased id); each row carries a
 * sequence number and rows sit in an append-only array sorted by it, so a page continuation (the
 * `$skiptoken`) is the last sequence number returned, found again by binary search. Deleted rows are
 * tombstoned and compacted away once they make up half the array.
 */
export interface Keyed {
  readonly id: string;
}

interface Row<T> {
  readonly seq: number;
  entity: T | undefined; // undefined = tombstone
}

export interface TablePage<T> {
  items: T[];
  /** Sequence number to continue after (encode it as the page's `$skiptoken`); absent on the last page. */
  nextSeq?: number;
}

export class OrderedTable<T extends Keyed> {
  private readonly byKey = new Map<string, Row<T>>();
  private rows: Row<T>[] = [];
  private tombstones = 0;
  private nextSeq = 1;

  get size(): number {
    return this.byKey.size;
  }

  get(id: string): T | undefined {
    return this.byKey.get(id.toLowerCase())?.entity;
  }

  has(id: string): boolean {
    return this.byKey.has(id.toLowerCase());
  }

  /** Adds `entity`; returns false (and changes nothing) when its id exists, compared case-insensitively. */
  insert(entity: T): boolean {
    const key = entity.id.toLowerCase();
    if (this.byKey.has(key)) return false;
    const row: Row<T> = { seq: this.nextSeq++, entity };
    this.byKey.set(key, row);
    this.rows.push(row);
    return true;
  }

  /** Replaces the stored entity object with the same id (keeps its position). */
  replace(entity: T): void {
    const row = this.byKey.get(entity.id.toLowerCase());
    if (row === undefined) throw new Error(`no entity ${entity.id} to replace`);
    row.entity = entity;
  }

  delete(id: string): T | undefined {
    const key = id.toLowerCase();
    const row = this.byKey.get(key);
    if (row === undefined) return undefined;
    this.byKey.delete(key);
    const entity = row.entity;
    row.entity = undefined;
    this.tombstones += 1;
    if (this.tombstones > 1024 && this.tombstones * 2 > this.rows.length) this.compact();
    return entity;
  }

  clear(): void {
    this.byKey.clear();
    this.rows = [];
    this.tombstones = 0;
  }

  *values(): IterableIterator<T> {
    for (const row of this.rows) if (row.entity !== undefined) yield row.entity;
  }

  /**
   * One page of entities matching `predicate`, after sequence number `afterSeq` (a previous page's
   * `nextSeq`), at most `limit` long.
   */
  page(options: { afterSeq?: number; limit: number; predicate?: (entity: T) => boolean }): TablePage<T> {
    const start = options.afterSeq === undefined ? 0 : this.positionAfter(options.afterSeq);
    const items: T[] = [];
    const predicate = options.predicate;
    for (let i = start; i < this.rows.length; i++) {
      const entity = (this.rows[i] as Row<T>).entity;
      if (entity === undefined || (predicate !== undefined && !predicate(entity))) continue;
      if (items.length === options.limit) {
        return { items, nextSeq: (this.rows[i - 1] as Row<T>).seq };
      }
      items.push(entity);
    }
    return { items };
  }

  private positionAfter(seq: number): number {
    let lo = 0;
    let hi = this.rows.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.rows[mid] as Row<T>).seq <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private compact(): void {
    this.rows = this.rows.filter((row) => row.entity !== undefined);
    this.tombstones = 0;
  }
}
