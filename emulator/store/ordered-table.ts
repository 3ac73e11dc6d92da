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

export interface Page<T> {
  items: T[];
  /** The continuation token for the next page, absent on the last page. */
  next?: string;
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
   * One page of entities matching `predicate`, after the continuation token `after` (from a previous
   * page's `next`), at most `limit` long. An unknown or malformed token restarts nowhere: it yields
   * undefined so the caller can report an invalid query parameter.
   */
  page(options: { after?: string; limit: number; predicate?: (entity: T) => boolean }): Page<T> | undefined {
    const start = options.after === undefined ? 0 : this.positionAfter(options.after);
    if (start === undefined) return undefined;
    const items: T[] = [];
    const predicate = options.predicate;
    for (let i = start; i < this.rows.length; i++) {
      const entity = (this.rows[i] as Row<T>).entity;
      if (entity === undefined || (predicate !== undefined && !predicate(entity))) continue;
      if (items.length === options.limit) {
        return { items, next: String((this.rows[i - 1] as Row<T>).seq) };
      }
      items.push(entity);
    }
    return { items };
  }

  private positionAfter(token: string): number | undefined {
    if (!/^\d{1,15}$/.test(token)) return undefined;
    const seq = Number(token);
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
