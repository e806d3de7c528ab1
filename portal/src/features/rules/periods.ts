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

/**
 * Firing periods from the condition's answer: per series, runs of consecutive steps (a missing
 * step ends a run, as an evaluation without the series resets `for`); a run fires once it has
 * lasted `for` (at the first step at least `for` after its start), and resolves at the first
 * step after it. `end` is the range's last step.
 */
export function firingPeriods(series: Series[], stepMs: number, forMs: number, end: number): FiringPeriod[] {
  // One range query answered in pieces repeats a series: merge them by labels.
  const byLabels = new Map<string, { labels: Record<string, string>; times: number[] }>();
  for (const s of series) {
    // An alert's labels are its series' without the metric name (Prometheus drops it too).
    const { __name__: _name, ...labels } = s.metric;
    const k = seriesKey(labels);
    const entry = byLabels.get(k) ?? byLabels.set(k, { labels, times: [] }).get(k)!;
    for (const [t] of s.values) entry.times.push(Math.round(t * 1000));
  }
  const periods: FiringPeriod[] = [];
  for (const { labels, times } of byLabels.values()) {
    times.sort((a, b) => a - b);
    let runStart = times[0];
    for (let i = 0; i < times.length; i++) {
      const last = i === times.length - 1 || times[i + 1] - times[i] > stepMs * 1.5;
      if (!last) continue;
      const runEnd = times[i];
      // The first evaluation at least `for` after the run's start.
      const firesAt = runStart + Math.ceil(forMs / stepMs) * stepMs;
      if (runEnd >= firesAt) {
        const resolved = runEnd + stepMs;
        periods.push({ labels, start: firesAt, ...(resolved <= end && { end: resolved }) });
      }
      runStart = times[i + 1];
    }
  }
  return periods.sort((a, b) => a.start - b.start);
}
