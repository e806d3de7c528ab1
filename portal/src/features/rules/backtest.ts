// "How often would this have fired?": the rule's condition evaluated over the last days with a
// range query, and Prometheus' `for` applied to the answer — a series whose condition held at
// every step for `for` fires from then until the first step it no longer holds. Prometheus is
// asked for the condition's edges (where it starts and stops holding, edgesQuery) rather than
// every step it held: a rule that held for days over 1,000 series is millions of samples, its
// edges a few thousand. The range is asked for in pieces of at most 10,000 steps (Prometheus
// answers at most 11,000 per series), all at once.
// Plain: the range query is handed in (the API's asks the configured Prometheus; the benchmark's its own).
import { edgePeriods, edgesQuery, seriesKey, type FiringPeriod } from "./periods.ts";
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
  // The series holding at the first step, then the edges at every step after it.
  const pieces: [number, number][] = [];
  for (let from = first + stepMs; from <= last; from += MAX_STEPS_PER_QUERY * stepMs)
    pieces.push([from, Math.min(last, from + (MAX_STEPS_PER_QUERY - 1) * stepMs)]);
  const edges = edgesQuery(expr, opts.stepSeconds);
  // All at once: Prometheus evaluates each query on one core, so the pieces share them.
  const [holding, ...answers] = await Promise.all([
    range(expr, first, first, opts.stepSeconds),
    ...pieces.map(([from, to]) => range(edges, from, to, opts.stepSeconds)),
  ]);
  if (!holding.ok) return holding;
  const all: Series[] = [];
  let samples = holding.data.length;
  for (const r of answers) {
    if (!r.ok) return r;
    for (const s of r.data) samples += s.values.length;
    all.push(...r.data);
  }
  const periods = edgePeriods(holding.data, all, { first, last, stepMs, forMs: opts.forMs });
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
