// DORA figures and daily trends per project and environment, computed from the deploy history
// over a window. Prometheus has the same figures as recording rules, but increase() over a
// counter misses the deploys before its first scrape; the history is exact from the first deploy.
import { z } from "zod";
import type { DayStats, ProjectStats } from "@opsdeck/contracts";
import type { Deploy } from "./model.ts";

export const statsQuerySchema = z
  .object({
    project: z.string().optional(),
    environment: z.string().optional(),
    days: z.coerce.number().int().min(1).max(90).default(7),
  })
  .strict();
export type StatsQuery = z.infer<typeof statsQuerySchema>;

const DAY = 86_400_000;

/** The q-quantile of sorted values, by nearest rank. */
const quantile = (sorted: number[], q: number) =>
  sorted.length ? sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] : undefined;
const avg = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : undefined);
const ratio = (a: number, b: number) => (b ? a / b : undefined);

export function deployStats(all: Iterable<Deploy>, q: StatsQuery, now = Date.now()): ProjectStats[] {
  const firstDay = Math.floor(now / DAY) * DAY - (q.days - 1) * DAY;
  const groups = new Map<string, Deploy[]>();
  for (const d of all) {
    if ((q.project && d.project !== q.project) || (q.environment && d.environment !== q.environment)) continue;
    if ((d.finished_at ?? d.started_at) < firstDay) continue;
    const key = `${d.project}\u0000${d.environment}`;
    groups.set(key, [...(groups.get(key) ?? []), d]);
  }
  return [...groups.values()]
    .map((ds) => summarize(ds, q.days, firstDay))
    .sort((a, b) => a.project.localeCompare(b.project) || a.environment.localeCompare(b.environment));
}

function summarize(ds: Deploy[], days: number, firstDay: number): ProjectStats {
  const done = ds.filter((d) => d.finished_at !== undefined).sort((a, b) => a.finished_at! - b.finished_at!);
  const ok = done.filter((d) => d.status === "succeeded");
  const bad = done.filter((d) => d.status === "failed" || d.status === "timed_out");
  // A successful deploy an operator said caused an incident is a change failure too.
  const caused = ok.filter((d) => d.incident).length;
  const secs = (d: Deploy) => (d.finished_at! - d.started_at) / 1000;
  const durations = ok.map(secs).sort((a, b) => a - b);
  const restores: number[] = [];
  let failingSince: number | undefined;
  for (const d of done) {
    if (d.status === "failed" || d.status === "timed_out") failingSince ??= d.finished_at!;
    else if (d.status === "succeeded" && failingSince !== undefined) {
      restores.push((d.finished_at! - failingSince) / 1000);
      failingSince = undefined;
    }
  }
  const daily: DayStats[] = Array.from({ length: days }, (_, i) => {
    const start = firstDay + i * DAY;
    const inDay = done.filter((d) => d.finished_at! >= start && d.finished_at! < start + DAY);
    const good = inDay.filter((d) => d.status === "succeeded");
    return {
      day: new Date(start).toISOString(),
      finished: inDay.length,
      succeeded: good.length,
      failed: inDay.filter((d) => d.status === "failed" || d.status === "timed_out").length,
      duration_p50_seconds: quantile(
        good.map(secs).sort((a, b) => a - b),
        0.5,
      ),
    };
  });
  return {
    project: ds[0].project,
    environment: ds[0].environment,
    finished: done.length,
    succeeded: ok.length,
    failed: bad.length,
    cancelled: done.filter((d) => d.status === "cancelled").length,
    running: ds.filter((d) => d.status === "running").length,
    deploys_per_day: done.length / days,
    success_rate: ratio(ok.length, ok.length + bad.length),
    change_failure_rate: ratio(bad.length + caused, ok.length + bad.length),
    caused_incident: caused,
    duration_p50_seconds: quantile(durations, 0.5),
    duration_p90_seconds: quantile(durations, 0.9),
    lead_time_avg_seconds: avg(
      ok.filter((d) => d.commit_at !== undefined).map((d) => (d.finished_at! - d.commit_at!) / 1000),
    ),
    time_to_restore_avg_seconds: avg(restores),
    daily,
  };
}
