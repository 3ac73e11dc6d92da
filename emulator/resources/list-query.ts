import type { RequestContext } from "../http/context.js";
import type { EmulatorResponse } from "../http/response.js";
import { errors } from "../http/errors.js";
import type { OrderedTable, Keyed } from "../store/ordered-table.js";
import {
  applySelect,
  compileFilter,
  decodeSkipToken,
  encodeSkipToken,
  parseMaxResults,
  parseSelect,
  ODataQueryError,
  type CompiledFilter,
  type Selection,
} from "../odata/index.js";

/** The OData options of one list request, parsed and checked (bad values → 400 via ODataQueryError). */
export interface ListQuery {
  filter?: CompiledFilter;
  select?: Selection;
  maxResults: number;
  /** Where the previous page ended: a sequence number (insertion-ordered lists) or an id (id-ordered ones). */
  afterSeq?: number;
  afterId?: string;
}

export interface ListLimits {
  defaultMaxResults: number;
  maxMaxResults: number;
  /** Property paths clients may filter by. */
  filterPaths: readonly string[];
}

export function parseListQuery(ctx: RequestContext, limits: ListLimits): ListQuery {
  const query: ListQuery = {
    maxResults: parseMaxResults(ctx.query("maxresults") ?? null, { defaultValue: limits.defaultMaxResults, max: limits.maxMaxResults }),
  };
  const filter = ctx.query("$filter");
  if (filter !== undefined && filter.trim() !== "") query.filter = compileFilter(filter, { allowedPaths: limits.filterPaths });
  const select = ctx.query("$select");
  if (select !== undefined && select.trim() !== "") query.select = parseSelect(select);
  const token = ctx.query("$skiptoken");
  if (token !== undefined) {
    const key = decodeSkipToken(token);
    if (typeof key === "number") query.afterSeq = key;
    else query.afterId = key;
  }
  return query;
}

/** `$expand` of pools, jobs and tasks (get and list): the only expandable property is `stats`; anything else is 400. */
export function checkExpand(ctx: RequestContext): void {
  const expand = ctx.query("$expand");
  if (expand === undefined || expand.trim() === "") return;
  for (const item of expand.split(",")) {
    if (item.trim() !== "stats") throw errors.invalidQuery("$expand", expand, "only 'stats' can be expanded");
  }
}

/** Parses $select for a get (no paging, no filter). */
export function parseGetSelect(ctx: RequestContext): Selection | undefined {
  const select = ctx.query("$select");
  return select === undefined || select.trim() === "" ? undefined : parseSelect(select);
}

export function project(wire: Record<string, unknown>, selection: Selection | undefined): Record<string, unknown> {
  return selection === undefined ? wire : applySelect(wire, selection);
}

/** What a list answers from: its `odata.metadata` fragment, its table, and the wire form of one row. */
export interface ListSource<T extends Keyed> {
  fragment: string;
  table: OrderedTable<T>;
  toWire: (entity: T) => Record<string, unknown>;
  /** "id": listed by id, as the service lists pools and jobs (recorded); default insertion order. */
  order?: "id";
}

/** One page of `table` in the list's order, with the skiptoken of the next. */
export function pageOf<T extends Keyed>(
  table: OrderedTable<T>,
  query: ListQuery,
  options: { order?: "id"; predicate?: (entity: T) => boolean },
): { items: T[]; nextToken?: string } {
  const predicate = options.predicate === undefined ? {} : { predicate: options.predicate };
  if (options.order === "id") {
    if (query.afterSeq !== undefined) throw invalidToken(String(query.afterSeq));
    const page = table.byIdPage({
      ...(query.afterId === undefined ? {} : { afterId: query.afterId }),
      limit: query.maxResults,
      ...predicate,
    });
    return { items: page.items, ...(page.nextId === undefined ? {} : { nextToken: encodeSkipToken(page.nextId) }) };
  }
  if (query.afterId !== undefined) throw invalidToken(query.afterId);
  const page = table.page({ ...(query.afterSeq === undefined ? {} : { afterSeq: query.afterSeq }), limit: query.maxResults, ...predicate });
  return { items: page.items, ...(page.nextSeq === undefined ? {} : { nextToken: encodeSkipToken(page.nextSeq) }) };
}

function invalidToken(value: string): ODataQueryError {
  return new ODataQueryError({ parameterName: "$skiptoken", parameterValue: value, reason: "the continuation token is not valid" });
}

/**
 * Answers a list request from an OrderedTable: filters on the wire form (as the service filters on
 * what it returns), projects $select, and pages with an `odata.nextLink`.
 */
export function listFromTable<T extends Keyed>(ctx: RequestContext, query: ListQuery, source: ListSource<T>): EmulatorResponse {
  const { fragment, table, toWire } = source;
  const filter = query.filter;
  const page = pageOf(table, query, {
    ...(source.order === undefined ? {} : { order: source.order }),
    ...(filter === undefined ? {} : { predicate: (entity: T) => filter.matches(toWire(entity)) }),
  });
  const items = page.items.map((entity) => project(toWire(entity), query.select));
  return ctx.list(fragment, items, page.nextToken);
}
