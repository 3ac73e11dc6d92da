/**
 * A table of entities keyed by case-insensitive id, listed in insertion order (or by id: byIdPage).
 *
 * Built for a million rows: get/insert/delete are O(1) (a Map on the lowercased id); each row carries a
 * sequence number and rows sit in an append-only array sorted by it, so a page continuation (the
 * `$skiptoken`) is the last sequence number returned, found again by binary search. Deleted rows are
 * tombstoned and compacted away once they make up half the array.
 */
export interface Keyed {
  readonly id: string;
}

export interface TablePage<T> {
  items: T[];
  /** Sequence number to continue after (encode it as the page's `$skiptoken`); absent on the last page. */
  nextSeq?: number;
}

export class OrderedTable<T extends Keyed> {
  /** Lowercased id → position in `entities` / `seqs` (a small integer: no object per row). */
  private readonly byKey = new Map<string, number>();
  /** Rows in sequence order: the entity (undefined = tombstone) and its sequence number, side by side. */
  private entities: (T | undefined)[] = [];
  private seqs: number[] = [];
  private tombstones = 0;
  private nextSeq = 1;
  /** Live rows sorted by lowercased id, built on the first sorted page after a change (byIdPage). */
  private sortedById: { key: string; entity: T }[] | undefined;

  get size(): number {
    return this.byKey.size;
  }

  get(id: string): T | undefined {
    const position = this.byKey.get(id.toLowerCase());
    return position === undefined ? undefined : this.entities[position];
  }

  has(id: string): boolean {
    return this.byKey.has(id.toLowerCase());
  }

  /** Adds `entity`; returns false (and changes nothing) when its id exists, compared case-insensitively. */
  insert(entity: T): boolean {
    const key = entity.id.toLowerCase();
    if (this.byKey.has(key)) return false;
    this.byKey.set(key, this.entities.length);
    this.entities.push(entity);
    this.seqs.push(this.nextSeq++);
    this.sortedById = undefined;
    return true;
  }

  /** Replaces the stored entity object with the same id (keeps its position). */
  replace(entity: T): void {
    const position = this.byKey.get(entity.id.toLowerCase());
    if (position === undefined) throw new Error(`no entity ${entity.id} to replace`);
    this.entities[position] = entity;
    this.sortedById = undefined;
  }

  delete(id: string): T | undefined {
    const key = id.toLowerCase();
    const position = this.byKey.get(key);
    if (position === undefined) return undefined;
    this.byKey.delete(key);
    const entity = this.entities[position];
    this.entities[position] = undefined;
    this.tombstones += 1;
    this.sortedById = undefined;
    if (this.tombstones > 1024 && this.tombstones * 2 > this.entities.length) this.compact();
    return entity;
  }

  clear(): void {
    this.sortedById = undefined;
    this.byKey.clear();
    this.entities = [];
    this.seqs = [];
    this.tombstones = 0;
  }

  *values(): IterableIterator<T> {
    for (const entity of this.entities) if (entity !== undefined) yield entity;
  }

  /**
   * One page of entities matching `predicate`, after sequence number `afterSeq` (a previous page's
   * `nextSeq`), at most `limit` long.
   */
  page(options: { afterSeq?: number; limit: number; predicate?: (entity: T) => boolean }): TablePage<T> {
    const start = options.afterSeq === undefined ? 0 : this.positionAfter(options.afterSeq);
    const items: T[] = [];
    const predicate = options.predicate;
    for (let i = start; i < this.entities.length; i++) {
      const entity = this.entities[i];
      if (entity === undefined || (predicate !== undefined && !predicate(entity))) continue;
      if (items.length === options.limit) {
        return { items, nextSeq: this.seqs[i - 1] as number };
      }
      items.push(entity);
    }
    return { items };
  }

  /**
   * One page in id order (lowercased, ordinal), as the service lists pools and jobs, after the id `afterId` (a
   * previous page's `nextId`). The sorted rows are kept until the table changes, so paging through n rows
   * sorts them once.
   */
  byIdPage(options: { afterId?: string; limit: number; predicate?: (entity: T) => boolean }): { items: T[]; nextId?: string } {
    const sorted = (this.sortedById ??= [...this.values()]
      .map((entity) => ({ key: entity.id.toLowerCase(), entity }))
      .sort((a, b) => ordinal(a.key, b.key)));
    const after = options.afterId?.toLowerCase();
    let lo = 0;
    for (let hi = sorted.length; after !== undefined && lo < hi;) {
      const mid = (lo + hi) >> 1;
      if (ordinal((sorted[mid] as { key: string }).key, after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    const items: T[] = [];
    for (let i = lo; i < sorted.length; i++) {
      const entity = (sorted[i] as { entity: T }).entity;
      if (options.predicate !== undefined && !options.predicate(entity)) continue;
      if (items.length === options.limit) return { items, nextId: (items[items.length - 1] as T).id };
      items.push(entity);
    }
    return { items };
  }

  private positionAfter(seq: number): number {
    let lo = 0;
    let hi = this.seqs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((this.seqs[mid] as number) <= seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Drops the tombstones; the rows that move get their new position in `byKey`. */
  private compact(): void {
    const entities: T[] = [];
    const seqs: number[] = [];
    for (let i = 0; i < this.entities.length; i++) {
      const entity = this.entities[i];
      if (entity === undefined) continue;
      if (i !== entities.length) this.byKey.set(entity.id.toLowerCase(), entities.length);
      entities.push(entity);
      seqs.push(this.seqs[i] as number);
    }
    this.entities = entities;
    this.seqs = seqs;
    this.tombstones = 0;
  }
}

function ordinal(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
