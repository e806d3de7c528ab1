// Runs every Prometheus query of a dashboard against a real Prometheus, as Grafana would: its
// variables resolved from the same Prometheus (All = every value), Grafana's interval variables
// for the range, and a query whose every selector looks `offset D` back run D later, so "a week
// earlier" is checked against the data there is now. Returns what failed to parse or came back
// empty.
import { selectors } from "../../prometheus/promql.ts";
import type { DashboardJson } from "./lint.ts";
import { expand, intervals, parseLabelValues, prometheusQueries, queryVariables } from "./queries.ts";

const DURATION = /^(\d+)(ms|s|m|h|d|w|y)$/;
const SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86_400, w: 604_800, y: 31_536_000 };
const seconds = (duration: string) => {
  const m = DURATION.exec(duration);
  if (!m) throw new Error(`not a duration: ${duration}`);
  return Number(m[1]) * SECONDS[m[2]];
};

/** The one offset every selector of the query has (0 when any has none). */
export function commonOffset(expr: string): number {
  const offsets = selectors(expr).map((s) => (s.offset ? seconds(s.offset) : 0));
  return offsets.length && offsets.every((o) => o === offsets[0]) ? offsets[0] : 0;
}

async function api(prometheus: string, path: string, params: Record<string, string | string[]>) {
  const body = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) for (const one of [v].flat()) body.append(k, one);
  // The label values API takes GET only; queries go as POST (long expressions).
  const res = path.startsWith("label/")
    ? await fetch(`${prometheus}/api/v1/${path}?${body}`)
    : await fetch(`${prometheus}/api/v1/${path}`, { method: "POST", body });
  const json = (await res.json()) as { status: string; error?: string; data?: unknown };
  if (json.status !== "success") throw new Error(json.error ?? `HTTP ${res.status}`);
  return json.data;
}

export interface CheckResult {
  failures: string[];
  /** Queries checked, and the ids of those that came back empty (allowed or not). */
  checked: number;
  empty: string[];
}

export async function checkPrometheusQueries(
  prometheus: string,
  d: DashboardJson,
  range: { start: number; end: number; scrapeSeconds: number },
): Promise<CheckResult> {
  const failures: string[] = [];
  const empty: string[] = [];
  const times = intervals(Math.round(range.end - range.start), range.scrapeSeconds);
  const values: Record<string, string[]> = {};
  const window = { start: String(range.start), end: String(range.end) };
  values.datasource = ["opsdeck-prometheus"];
  for (const v of queryVariables(d)) {
    const { label, match } = parseLabelValues(v.query);
    const found = (await api(prometheus, `label/${label}/values`, {
      ...window,
      ...(match ? { "match[]": expand(match, values, times) } : {}),
    })) as string[];
    if (found.length === 0) failures.push(`${d.uid}: variable $${v.name} (${v.query}) has no values`);
    values[v.name] = v.includeAll && v.allValue ? [v.allValue] : found.length ? found : ["(none)"];
  }
  const queries = prometheusQueries(d);
  for (const q of queries) {
    const expr = expand(q.expr, values, times);
    const shift = commonOffset(expr);
    try {
      const data = (await api(prometheus, "query_range", {
        query: expr,
        start: String(range.start + shift),
        end: String(range.end + shift),
        step: `${times.interval}s`,
      })) as { result: unknown[] };
      if (data.result.length === 0) empty.push(q.id);
    } catch (err) {
      failures.push(`${q.id}: ${(err as Error).message}\n    ${expr}`);
    }
  }
  return { failures, checked: queries.length, empty };
}
