// Log search over Elasticsearch for the Logs page: filters, highlight, newest first, deep paging
// (point in time + search_after), a histogram by level, field summaries, a line's context, and
// the reads behind live tail and export. Every request body is built here from validated input.
import type { Client, estypes } from "@elastic/elasticsearch";
import { z } from "zod";
import { BadRequest } from "./errors.ts";
import { esClient, indexPattern } from "@opsdeck/core/elastic";
import { config } from "../../lib/config.ts";
import { parseQuery } from "./query.ts";

let client: Client | undefined;
export const es = () => (client ??= esClient(config()));

const list = z
  .union([z.string(), z.array(z.string())])
  .transform((v) => (Array.isArray(v) ? v : v.split(",")).map((s) => s.trim()).filter(Boolean))
  .pipe(z.array(z.string().max(200)).max(50));
/** An instant: ISO 8601, epoch milliseconds, or Grafana's now / now-15m / now-7d. */
const instant = z
  .string()
  .regex(
    /^(now(-\d+[smhdw])?|\d{10,13}|\d{4}-\d{2}-\d{2}T[\d:.]+(Z|[+-]\d{2}:?\d{2})?)$/,
    "ISO 8601, epoch ms, or now-<n><s|m|h|d|w>",
  )
  .transform((v) => (/^\d+$/.test(v) ? new Date(Number(v)).toISOString() : v));

export const searchSchema = z.object({
  q: z.string().max(2000).default(""),
  service: list.optional(),
  level: list.optional(),
  host: list.optional(),
  from: instant.default("now-1h"),
  to: instant.default("now"),
  /** logs + events (default), or one import. */
  source: z
    .string()
    .regex(/^(all|import:[a-z0-9-]{1,64})$/)
    .default("all"),
  size: z.coerce.number().int().min(1).max(500).default(100),
  /** 0: hits only, no histogram or field summaries. */
  summaries: z
    .enum(["0", "1"])
    .default("1")
    .transform((v) => v === "1"),
  cursor: z
    .string()
    .max(4000)
    .regex(/^[\w-]+$/)
    .optional(),
});
export type SearchInput = z.infer<typeof searchSchema>;

export function indices(source: string): string {
  const prefix = config().elasticsearch.index_prefix;
  return source.startsWith("import:")
    ? `${prefix}-import-${source.slice(7)}`
    : `${indexPattern(prefix, "logs")},${indexPattern(prefix, "events")}`;
}

/** The query and filters, without paging: shared by search, histogram, tail and export. */
export function buildQuery(s: SearchInput): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { "@timestamp": { gte: s.from, lte: s.to } } }];
  for (const [field, values] of [
    ["service.name", s.service],
    ["log.level", s.level],
    ["host.name", s.host],
  ] as const)
    if (values?.length) filter.push({ terms: { [field]: values } });
  return { bool: { must: [parseQuery(s.q)], filter } };
}

export const SORT: estypes.Sort = [{ "@timestamp": { order: "desc" } }, { _shard_doc: { order: "desc" } }];

export interface LogLine {
  id: string;
  index: string;
  ts: string;
  level?: string;
  service?: string;
  host?: string;
  /** The request's trace id (ECS trace.id), where the app's preload wrote it into the line. */
  trace?: string;
  message: string;
  /** message with <mark> around matches; Elasticsearch escaped the rest (encoder: html). */
  highlight?: string;
  source: Record<string, unknown>;
}

const get = (o: Record<string, unknown>, path: string): unknown =>
  o[path] ?? path.split(".").reduce<unknown>((n, k) => (n as Record<string, unknown> | undefined)?.[k], o);

export function toLine(h: estypes.SearchHit<Record<string, unknown>>): LogLine {
  const s = h._source ?? {};
  return {
    id: h._id!,
    index: h._index,
    ts: String(get(s, "@timestamp")),
    level: get(s, "log.level") as string | undefined,
    service: get(s, "service.name") as string | undefined,
    host: get(s, "host.name") as string | undefined,
    trace: get(s, "trace.id") as string | undefined,
    message: String(get(s, "message") ?? ""),
    highlight: h.highlight?.message?.join(" … "),
    source: s,
  };
}

const cursorOf = (pit: string, after: estypes.SortResults) =>
  Buffer.from(JSON.stringify({ pit, after })).toString("base64url");
const cursorSchema = z.strictObject({
  pit: z.string().min(1),
  after: z.array(z.union([z.string(), z.number(), z.boolean(), z.null()])).min(1),
});
/** A cursor this portal gave out; anything else is the client's mistake, not Elasticsearch's. */
function readCursor(cursor: string): { pit: string; after: estypes.SortResults } {
  try {
    return cursorSchema.parse(JSON.parse(Buffer.from(cursor, "base64url").toString()));
  } catch {
    throw new BadRequest("cursor: not a cursor from a previous page; search again");
  }
}

/** ~60 buckets over the range, in a fixed interval Elasticsearch accepts. */
function interval(fromMs: number, toMs: number): string {
  const s = Math.max(1, Math.ceil((toMs - fromMs) / 1000 / 60));
  for (const [n, unit] of [
    [1, "s"],
    [5, "s"],
    [10, "s"],
    [30, "s"],
    [60, "m"],
    [300, "m"],
    [600, "m"],
    [1800, "m"],
    [3600, "h"],
    [10800, "h"],
    [21600, "h"],
    [43200, "h"],
    [86400, "d"],
  ] as const)
    if (s <= n) return unit === "s" ? `${n}s` : unit === "m" ? `${n / 60}m` : unit === "h" ? `${n / 3600}h` : "1d";
  return `${Math.ceil(s / 86400)}d`;
}

export const FACETS = ["service.name", "log.level", "host.name"] as const;

/**
 * The search request for a page: the query, newest first, highlighted; on the first page (and
 * unless `summaries` is off) the histogram by level and the field summaries too.
 */
export function searchRequest(s: SearchInput, pit: string, after?: estypes.SortResults): estypes.SearchRequest {
  const first = !after;
  const range = resolveRange(s);
  return {
    pit: { id: pit, keep_alive: "5m" },
    query: buildQuery(s),
    sort: SORT,
    size: s.size,
    search_after: after,
    track_total_hits: first ? 100_000 : false,
    highlight: {
      encoder: "html",
      pre_tags: ["<mark>"],
      post_tags: ["</mark>"],
      fields: { message: { number_of_fragments: 0 } },
    },
    aggs:
      first && s.summaries
        ? {
            histogram: {
              date_histogram: {
                field: "@timestamp",
                fixed_interval: interval(range.from, range.to),
                min_doc_count: 0,
                extended_bounds: { min: range.from, max: range.to },
              },
              aggs: { level: { terms: { field: "log.level", size: 8 } } },
            },
            ...Object.fromEntries(FACETS.map((f) => [f, { terms: { field: f, size: 10 } }])),
          }
        : undefined,
  };
}

/** A page of results, newest first; the first page also has the histogram and field summaries. */
export async function search(s: SearchInput) {
  const first = !s.cursor;
  let pit: string;
  let after: estypes.SortResults | undefined;
  if (s.cursor) ({ pit, after } = readCursor(s.cursor));
  else pit = (await es().openPointInTime({ index: indices(s.source), keep_alive: "5m", ignore_unavailable: true })).id;
  const res = await es().search<Record<string, unknown>>(searchRequest(s, pit, after));
  const hits = res.hits.hits;
  const last = hits.at(-1);
  type Buckets = {
    buckets: { key: number | string; doc_count: number; level?: { buckets: { key: string; doc_count: number }[] } }[];
  };
  const aggs = res.aggregations as Record<string, Buckets> | undefined;
  return {
    // The page shows these fields; the whole document stays in Elasticsearch (context and
    // export send it), which keeps a page of 500 hits small.
    lines: hits.map((h) => ({ ...toLine(h), source: undefined })),
    total: first ? (res.hits.total as estypes.SearchTotalHits) : undefined,
    cursor: hits.length === s.size && last?.sort ? cursorOf(res.pit_id ?? pit, last.sort) : undefined,
    histogram: aggs?.histogram.buckets.map((b) => ({
      t: Number(b.key),
      count: b.doc_count,
      levels: Object.fromEntries((b.level?.buckets ?? []).map((l) => [l.key, l.doc_count])),
    })),
    fields: aggs
      ? Object.fromEntries(
          FACETS.map((f) => [f, aggs[f].buckets.map((b) => ({ value: String(b.key), count: b.doc_count }))]),
        )
      : undefined,
    took_ms: res.took,
  };
}

/** The range in epoch ms, as Elasticsearch resolves `now-…` (for histogram bounds). */
function resolveRange(s: SearchInput) {
  const abs = (v: string) => {
    const m = /^now(?:-(\d+)([smhdw]))?$/.exec(v);
    if (!m) return Date.parse(v);
    const unit = { s: 1e3, m: 6e4, h: 36e5, d: 864e5, w: 6048e5 }[m[2] as "s"] ?? 0;
    return Date.now() - (m[1] ? Number(m[1]) * unit : 0);
  };
  return { from: abs(s.from), to: abs(s.to) };
}

/** The lines before and after one line from the same source (file, or service on a host). */
export async function context(index: string, id: string, n: number) {
  const doc = await es().get<Record<string, unknown>>({ index, id });
  const s = doc._source ?? {};
  const ts = String(get(s, "@timestamp"));
  const same: estypes.QueryDslQueryContainer[] = [];
  const path = get(s, "log.file.path");
  if (path) same.push({ term: { "log.file.path": path } });
  else {
    const service = get(s, "service.name");
    if (service) same.push({ term: { "service.name": service } });
  }
  const host = get(s, "host.name");
  if (host) same.push({ term: { "host.name": host } });
  const offset = get(s, "log.offset");
  // Within the same instant, file offset orders lines; _id is the last resort tiebreak.
  const around = async (dir: "before" | "after") => {
    const desc = dir === "before";
    const res = await es().search<Record<string, unknown>>({
      index: index.includes("-import-") ? index : indices("all"),
      query: {
        bool: {
          filter: [...same, { range: { "@timestamp": desc ? { lte: ts } : { gte: ts } } }],
          must_not: [{ ids: { values: [id] } }],
        },
      },
      sort: [
        { "@timestamp": { order: desc ? "desc" : "asc" } },
        { "log.offset": { order: desc ? "desc" : "asc", unmapped_type: "long" } },
      ],
      size: n * 2,
    });
    return res.hits.hits
      .map(toLine)
      .filter((l) => {
        if (l.ts !== ts || offset === undefined) return true;
        const o = get(l.source, "log.offset") as number | undefined;
        return o === undefined || (desc ? o < (offset as number) : o > (offset as number));
      })
      .slice(0, n);
  };
  const [before, after] = await Promise.all([around("before"), around("after")]);
  return { line: toLine({ _id: doc._id, _index: doc._index, _source: s }), before: before.reverse(), after };
}
