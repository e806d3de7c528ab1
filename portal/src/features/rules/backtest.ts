// "How often would this have fired?": the rule's condition over the last days, with Prometheus'
// `for` — a series whose condition held at every step for `for` fires from then until the first
// step it no longer holds. Prometheus applies `for` itself (firingQuery) and returns only the
// firing periods' edges (edgesQuery), two samples per period, rather than every step the
// condition held: a rule that held for days over 1,000 series is millions of samples. A series
// already firing at the range's start fires from there, as Prometheus would have. The range is
// asked for in pieces of at most 10,000 steps (Prometheus answers at most 11,000 per series),
// all at once.
// Plain: the range query is handed in (the API's asks the configured Prometheus; the benchmark's its own).
import { edgePeriods, edgesQuery, firingQuery, seriesKey, type FiringPeriod } from "./periods.ts";
import type { Answer, Series } from "./series.ts";

/** A range query: start / end in ms, step in seconds. */
export type RangeQuery = (query: string, start: number, end: number, stepSeconds: number) => Promise<Answer<Series[]>>;

export { durationMs } from "./periods.ts";

export interface Backtest {
  start: number;
  end: number;
  stepSeconds: number;
  periods: FiringPeriod[];
  /** Series that would have fired. */
  seriesMatched: number;
  /** Steps evaluated (per series) and samples Prometheus returned (one per edge). */
  steps: number;
  samples: number;
}

/** At most this many steps per range query (Prometheus refuses more than 11,000 points per series). */
export const MAX_STEPS_PER_QUERY = 10_000;

/** The condition over [start, end] at `stepSeconds`, with `for`: its edges, in pieces asked for at once. */
export async function backtest(
  expr: string,
  opts: { start: number; end: number; stepSeconds: number; forMs: number },
  range: RangeQuery,
): Promise<Answer<Backtest>> {
  const stepMs = opts.stepSeconds * 1000;
  // Steps aligned to the step, so a repeated backtest asks for (and Prometheus caches) the same ones.
  const first = Math.ceil(opts.start / stepMs) * stepMs;
  const last = Math.floor(opts.end / stepMs) * stepMs;
  // The series firing at the first step, then the edges at every step after it.
  const pieces: [number, number][] = [];
  for (let from = first + stepMs; from <= last; from += MAX_STEPS_PER_QUERY * stepMs)
    pieces.push([from, Math.min(last, from + (MAX_STEPS_PER_QUERY - 1) * stepMs)]);
  const edges = edgesQuery(expr, opts.stepSeconds, opts.forMs);
  // All at once: Prometheus evaluates each query on one core, so the pieces share them.
  const [firingAtFirst, ...answers] = await Promise.all([
    range(firingQuery(expr, opts.stepSeconds, opts.forMs), first, first, opts.stepSeconds),
    ...pieces.map(([from, to]) => range(edges, from, to, opts.stepSeconds)),
  ]);
  if (!firingAtFirst.ok) return firingAtFirst;
  const all: Series[] = [];
  let samples = firingAtFirst.data.length;
  for (const r of answers) {
    if (!r.ok) return r;
    for (const s of r.data) samples += s.values.length;
    all.push(...r.data);
  }
  const periods = edgePeriods(firingAtFirst.data, all, { first, last, stepMs });
  return {
    ok: true,
    data: {
      start: first,
      end: last,
      stepSeconds: opts.stepSeconds,
      periods,
      seriesMatched: new Set(periods.map((p) => seriesKey(p.labels))).size,
      steps: Math.floor((last - first) / stepMs) + 1,
      samples,
    },
  };
}
