// Prometheus' `for` applied to a condition's range-query answer: when each series would have
// fired and resolved. Plain data in, plain data out (the backtest asks Prometheus; this counts).
import type { Series } from "./series.ts";

export interface FiringPeriod {
  labels: Record<string, string>;
  /** ms: when Prometheus would have fired it (the condition's start + `for`). */
  start: number;
  /** ms: when it would have resolved; undefined: still firing at the end of the range. */
  end?: number;
}

const UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};

/** A Prometheus duration (1h30m) in ms. */
export function durationMs(d: string): number {
  let ms = 0;
  for (const m of d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)) ms += Number(m[1]) * UNITS[m[2]];
  return ms;
}

export const seriesKey = (labels: Record<string, string>) =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : 1)));

/** A stretch of consecutive steps at which a series' condition held: first and last step, ms. */
interface Run {
  labels: Record<string, string>;
  from: number;
  to: number;
}

/** An alert's labels are its series' without the metric name (Prometheus drops it too). */
const alertLabels = (metric: Record<string, string>, drop: string[] = []) =>
  Object.fromEntries(Object.entries(metric).filter(([k]) => k !== "__name__" && !drop.includes(k)));

/**
 * Prometheus' `for` on runs: a run fires once it has lasted `for` (at the first step at least
 * `for` after its start), and resolves at the first step after it. `end` is the range's last step.
 */
function periodsOf(runs: Run[], stepMs: number, forMs: number, end: number): FiringPeriod[] {
  const periods: FiringPeriod[] = [];
  for (const { labels, from, to } of runs) {
    const firesAt = from + Math.ceil(forMs / stepMs) * stepMs;
    if (to < firesAt) continue;
    const resolved = to + stepMs;
    periods.push({ labels, start: firesAt, ...(resolved <= end && { end: resolved }) });
  }
  // By time, then by labels: the same periods in the same order however they were found.
  const key = new Map(periods.map((p) => [p, seriesKey(p.labels)]));
  return periods.sort((a, b) => a.start - b.start || (key.get(a)! < key.get(b)! ? -1 : 1));
}

/**
 * Firing periods from the condition's answer: per series, runs of consecutive steps (a missing
 * step ends a run, as an evaluation without the series resets `for`).
 */
export function firingPeriods(series: Series[], stepMs: number, forMs: number, end: number): FiringPeriod[] {
  // One range query answered in pieces repeats a series: merge them by labels.
  const byLabels = new Map<string, { labels: Record<string, string>; times: number[] }>();
  for (const s of series) {
    const labels = alertLabels(s.metric);
    const k = seriesKey(labels);
    const entry = byLabels.get(k) ?? byLabels.set(k, { labels, times: [] }).get(k)!;
    for (const [t] of s.values) entry.times.push(Math.round(t * 1000));
  }
  const runs: Run[] = [];
  for (const { labels, times } of byLabels.values()) {
    times.sort((a, b) => a - b);
    let from = times[0];
    for (let i = 0; i < times.length; i++) {
      if (i < times.length - 1 && times[i + 1] - times[i] <= stepMs * 1.5) continue;
      runs.push({ labels, from, to: times[i] });
      from = times[i + 1];
    }
  }
  return periodsOf(runs, stepMs, forMs, end);
}

/** The label the edge query marks each series with: a firing period's first step, or the first step after it. */
export const EDGE_LABEL = "opsdeck_edge";

/**
 * Prometheus' `for` as a query: the series that would be firing at each step — the condition held
 * at this step and the ceil(for / step) steps before it, none missing (a one-step subquery
 * window counted). `offsetSteps` asks the same a number of steps earlier.
 */
export function firingQuery(expr: string, stepSeconds: number, forMs: number, offsetSteps = 0): string {
  const steps = Math.ceil(forMs / (stepSeconds * 1000)) + 1;
  const offset = offsetSteps ? ` offset ${offsetSteps * stepSeconds}s` : "";
  return `count_over_time((${expr})[${steps * stepSeconds}s:${stepSeconds}s]${offset}) == ${steps}`;
}

/**
 * The firing periods' edges as one range query at `stepSeconds`: "start" where the alert would be
 * firing and was not a step before, "end" where it was and no longer is. Prometheus returns a
 * sample per edge — two per period — instead of one per step the condition held, and runs
 * shorter than `for` never leave it. (count_over_time drops the metric name, so `unless`
 * compares the labels alone.)
 */
export function edgesQuery(expr: string, stepSeconds: number, forMs: number): string {
  const now = firingQuery(expr, stepSeconds, forMs);
  const before = firingQuery(expr, stepSeconds, forMs, 1);
  const mark = (query: string, edge: string) => `label_replace(${query}, "${EDGE_LABEL}", "${edge}", "", "")`;
  return `${mark(`(${now}) unless (${before})`, "start")} or ${mark(`(${before}) unless (${now})`, "end")}`;
}

/**
 * Firing periods from the edges (edgesQuery over the steps after `first`) and the series firing
 * at `first` (firingQuery as an instant query there): a period runs from its start edge (or
 * `first`) to its end edge (open: still firing at `last`).
 */
export function edgePeriods(
  firingAtFirst: Series[],
  edges: Series[],
  opts: { first: number; last: number; stepMs: number },
): FiringPeriod[] {
  const bySeries = new Map<string, { labels: Record<string, string>; since?: number; events: [number, string][] }>();
  const entry = (metric: Record<string, string>) => {
    const labels = alertLabels(metric, [EDGE_LABEL]);
    const k = seriesKey(labels);
    return bySeries.get(k) ?? bySeries.set(k, { labels, events: [] }).get(k)!;
  };
  for (const s of firingAtFirst) entry(s.metric).since = opts.first;
  for (const s of edges) {
    const e = entry(s.metric);
    for (const [t] of s.values) e.events.push([Math.round(t * 1000), s.metric[EDGE_LABEL]]);
  }
  const runs: Run[] = [];
  for (const { labels, since, events } of bySeries.values()) {
    let from = since;
    for (const [t, edge] of events.sort((a, b) => a[0] - b[0])) {
      if (edge === "start") from = t;
      else if (from !== undefined) {
        runs.push({ labels, from, to: t - opts.stepMs });
        from = undefined;
      }
    }
    if (from !== undefined) runs.push({ labels, from, to: opts.last });
  }
  // Each run is a firing period already: `for` was applied by Prometheus.
  return periodsOf(runs, opts.stepMs, 0, opts.last);
}
