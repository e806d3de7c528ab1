// The queries of a dashboard as Grafana would send them: found in panels, rows and annotations,
// with template variables and Grafana's interval variables expanded the way Grafana expands them.
// Used by the tests that run every query against the real Prometheus and Elasticsearch.
import { allPanels, type DashboardJson } from "./lint.ts";

export interface FoundQuery {
  /** dashboard uid / panel title / refId — what the allow-lists and failures name. */
  id: string;
  expr: string;
}

const isPrometheus = (ds?: { type?: string; uid?: string }) => ds?.type === "prometheus";

/** Every Prometheus query: panel targets and annotation queries. */
export function prometheusQueries(d: DashboardJson): FoundQuery[] {
  const found: FoundQuery[] = [];
  for (const p of allPanels(d))
    for (const t of p.targets ?? [])
      if (t.expr !== undefined && isPrometheus(t.datasource ?? p.datasource))
        found.push({ id: `${d.uid} / ${p.title} / ${t.refId}`, expr: t.expr });
  for (const a of d.annotations?.list ?? [])
    if (a.expr && isPrometheus(a.datasource)) found.push({ id: `${d.uid} / annotation ${a.name}`, expr: a.expr });
  return found;
}

export interface ElasticsearchTarget {
  id: string;
  query: string;
  timeField: string;
  metrics: { type: string; id: string }[];
  bucketAggs: { type: string; id: string; field: string; settings?: Record<string, string> }[];
}

/** Every Elasticsearch panel query. */
export function elasticsearchQueries(d: DashboardJson): ElasticsearchTarget[] {
  return allPanels(d).flatMap((p) =>
    (p.targets ?? [])
      .filter((t) => (t.datasource ?? p.datasource)?.type === "elasticsearch")
      .map((t) => ({ ...(t as unknown as ElasticsearchTarget), id: `${d.uid} / ${p.title} / ${t.refId}` })),
  );
}

export interface Variable {
  name: string;
  type: string;
  query: string;
  includeAll: boolean;
  allValue?: string;
}

/** The dashboard's query variables, in order (a later one may use an earlier one). */
export const queryVariables = (d: DashboardJson): Variable[] =>
  (d.templating?.list ?? [])
    .filter((v) => v.type === "query")
    .map((v) => {
      const raw = v as unknown as { query: string | { query: string }; includeAll?: boolean; allValue?: string };
      return {
        name: v.name,
        type: v.type,
        query: typeof raw.query === "string" ? raw.query : raw.query.query,
        includeAll: raw.includeAll ?? false,
        allValue: raw.allValue,
      };
    });

/** label_values(selector, label) or label_values(label), as Grafana's Prometheus variable query has it. */
export function parseLabelValues(query: string): { label: string; match?: string } {
  const m = /^label_values\((?:(.+),\s*)?(\w+)\)$/.exec(query.trim());
  if (!m) throw new Error(`not a label_values() query: ${query}`);
  return { label: m[2], match: m[1] };
}

/**
 * Grafana's interval variables for a range of `rangeSeconds` on a datasource scraped every
 * `scrapeSeconds` (without Grafana's rounding of long intervals to round numbers, which the
 * minutes-long ranges of the tests never reach).
 */
export function intervals(rangeSeconds: number, scrapeSeconds: number, maxDataPoints = 1000) {
  const interval = Math.max(scrapeSeconds, Math.ceil(rangeSeconds / maxDataPoints));
  // Grafana: $__rate_interval = max($__interval + scrape interval, 4 × scrape interval).
  const rateInterval = Math.max(interval + scrapeSeconds, 4 * scrapeSeconds);
  return { interval, rateInterval, range: rangeSeconds };
}

const escapeRegex = (value: string) => value.replace(/[\\^$*+?.()|[\]{}]/g, "\\$&");

/** Grafana's formats for a variable's values: Prometheus regex (the default in PromQL), Lucene, raw. */
const FORMATS: Record<string, (values: string[]) => string> = {
  raw: (values) => values.join(","),
  regex: (values) => (values.length === 1 ? escapeRegex(values[0]) : `(${values.map(escapeRegex).join("|")})`),
  lucene: (values) =>
    values.length === 1 && values[0] === "*"
      ? "*"
      : `(${values.map((v) => `"${v.replace(/(["\\])/g, "\\$1")}"`).join(" OR ")})`,
};

/**
 * The text with its variables replaced: `values` per variable (All already resolved to every
 * value, or to the variable's allValue), Grafana's interval variables from `times` (seconds).
 */
export function expand(
  text: string,
  values: Record<string, string[]>,
  times: { interval: number; rateInterval: number; range: number },
  defaultFormat: keyof typeof FORMATS = "regex",
): string {
  const builtins: Record<string, string> = {
    __rate_interval: `${times.rateInterval}s`,
    __interval: `${times.interval}s`,
    __range: `${times.range}s`,
    __range_s: `${times.range}`,
    __range_ms: `${times.range * 1000}`,
  };
  return text.replace(/\$\{(\w+)(?::(\w+))?\}|\$(\w+)|\[\[(\w+)\]\]/g, (whole, braced, format, plain, bracketed) => {
    const name: string = braced ?? plain ?? bracketed;
    if (name in builtins) return builtins[name];
    const v = values[name];
    if (!v) throw new Error(`no value for $${name} in: ${text}`);
    const formatter = FORMATS[format ?? defaultFormat];
    if (!formatter) throw new Error(`unknown format ${format} in: ${whole}`);
    return formatter(v);
  });
}

/**
 * The search Grafana's Elasticsearch datasource sends for a panel query: the Lucene query and the
 * time range as filters; a logs query sorted by time, or the bucket aggregations nested in order
 * with a count at the bottom (all our panels count lines).
 */
export function elasticsearchRequest(t: ElasticsearchTarget, query: string, range: { from: number; to: number }) {
  const filter = [
    { range: { [t.timeField]: { gte: range.from, lte: range.to, format: "epoch_millis" } } },
    { query_string: { query, analyze_wildcard: true } },
  ];
  if (t.metrics.some((m) => m.type === "logs"))
    return { size: 500, query: { bool: { filter } }, sort: [{ [t.timeField]: { order: "desc" } }] };
  const unsupported = t.metrics.filter((m) => m.type !== "count");
  if (unsupported.length) throw new Error(`${t.id}: only count metrics are translated, not ${unsupported[0].type}`);
  let aggs: Record<string, unknown> | undefined;
  for (const b of [...t.bucketAggs].reverse()) {
    let agg: Record<string, unknown>;
    if (b.type === "terms")
      agg = {
        terms: {
          field: b.field,
          size: Number(b.settings?.size ?? 10),
          min_doc_count: Number(b.settings?.min_doc_count ?? 1),
          order: { [b.settings?.orderBy ?? "_count"]: b.settings?.order ?? "desc" },
        },
      };
    else if (b.type === "date_histogram")
      agg = {
        date_histogram: {
          field: b.field,
          // Grafana's "auto" picks an interval for the panel's width; a minute fits these tests' data.
          fixed_interval: b.settings?.interval && b.settings.interval !== "auto" ? b.settings.interval : "1m",
          min_doc_count: Number(b.settings?.min_doc_count ?? 0),
          extended_bounds: { min: range.from, max: range.to },
          format: "epoch_millis",
        },
      };
    else throw new Error(`${t.id}: the ${b.type} aggregation is not translated`);
    aggs = { [b.id]: aggs ? { ...agg, aggs } : agg };
  }
  return { size: 0, query: { bool: { filter } }, ...(aggs ? { aggs } : {}) };
}

/** The search behind an Elasticsearch variable query ({"find": "terms", "field": …}). */
export function elasticsearchVariableRequest(query: string, timeField: string, range: { from: number; to: number }) {
  const parsed = JSON.parse(query) as { find: string; field: string; query?: string; size?: number };
  if (parsed.find !== "terms") throw new Error(`only terms variable queries are translated: ${query}`);
  return {
    size: 0,
    query: {
      bool: {
        filter: [
          { range: { [timeField]: { gte: range.from, lte: range.to, format: "epoch_millis" } } },
          ...(parsed.query ? [{ query_string: { query: parsed.query } }] : []),
        ],
      },
    },
    aggs: { values: { terms: { field: parsed.field, size: parsed.size ?? 500, order: { _key: "asc" } } } },
  };
}
