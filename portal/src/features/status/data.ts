// What the status pages show, read once for everyone and kept 30 s (OPSDECK_STATUS_CACHE_SECONDS;
// the benchmark sets 0 to time every read): the public page is open to the world, so a burst of
// readers costs Prometheus and Alertmanager one read, not one each.
//   - which probes are public, and their display names: opsdeck_probe_info (the portal never
//     reads opsdeck.yml's probes);
//   - each probe's state: its ProbeDown / ProbeSlow alert (confirmed, not one failed probe), a
//     maintenance window covering it, else whether blackbox answers for it at all;
//   - 90 daily availabilities from the hourly recording rule (probe:success:avg1h);
//   - incidents: the periods its ProbeDown / ProbeSlow fired in the last 14 days, with notes;
//   - maintenance windows, open or coming.
import { periods } from "@/features/timeline/lanes.ts";
import { coversProbe, windowsFrom } from "@/features/maintenance/windows.ts";
import { amSilences, promQuery, promRange } from "@/lib/sources.ts";
import { readNotes } from "./notes.ts";
import {
  DAYS,
  dailyValues,
  INCIDENT_DAYS,
  startOfDay,
  type PublicState,
  type StatusData,
  type StatusProbe,
} from "./view.ts";

const KEEP_MS = Number(process.env.OPSDECK_STATUS_CACHE_SECONDS ?? 30) * 1000;
const DAY_MS = 86_400_000;
/** 14 days in 2-minute steps: 10,080 points, under Prometheus' 11,000 a series. */
const INCIDENT_STEP_MS = 120_000;

const cache = ((globalThis as { __opsdeckStatus?: { value?: Promise<StatusData>; at: number } }).__opsdeckStatus ??= {
  at: 0,
});

/** Drops what is kept (a note or window just changed). */
export function forgetStatus() {
  cache.value = undefined;
}

export function statusData(now = Date.now()): Promise<StatusData> {
  if (!cache.value || now - cache.at >= KEEP_MS) {
    cache.at = now;
    cache.value = readStatus(now).catch((err: unknown) => {
      cache.value = undefined;
      throw err;
    });
  }
  return cache.value;
}

async function readStatus(now: number): Promise<StatusData> {
  const firstDay = startOfDay(now) - (DAYS - 1) * DAY_MS;
  const incidentsFrom = now - INCIDENT_DAYS * DAY_MS;
  const incidentsTo = Math.floor(now / INCIDENT_STEP_MS) * INCIDENT_STEP_MS;
  const today = startOfDay(now);
  const [info, seen, firing, days, sinceMidnight, history, silences] = await Promise.all([
    promQuery("max by (probe, display_name, public, depends_on_host, depends_on_app) (opsdeck_probe_info)"),
    // The probe's own labels (project, environment …), for the windows' scopes.
    promQuery("group by (probe, project, environment, app, team) (probe_success)"),
    promQuery('max by (probe, alertname) (ALERTS{alertname=~"ProbeDown|ProbeSlow",alertstate="firing"})'),
    // The days before today, evaluated at each day's end: the average of its hourly averages.
    promRange("avg by (probe) (avg_over_time(probe:success:avg1h[1d]))", firstDay + DAY_MS, today, 86_400),
    // Today so far, from the probes themselves (the hourly rule lags by up to an hour).
    promQuery(`avg by (probe) (avg_over_time(probe_success[${Math.max(60, Math.round((now - today) / 1000))}s]))`),
    // Every firing, however short: each step looks back over the whole step.
    promRange(
      `max by (probe, alertname) (max_over_time(ALERTS{alertname=~"ProbeDown|ProbeSlow",alertstate="firing"}[${INCIDENT_STEP_MS / 1000}s]))`,
      incidentsTo - Math.ceil((incidentsTo - incidentsFrom) / INCIDENT_STEP_MS) * INCIDENT_STEP_MS,
      incidentsTo,
      INCIDENT_STEP_MS / 1000,
    ),
    amSilences(),
  ]);
  const errors = [info, seen, firing, days, sinceMidnight, history, silences].flatMap((r) => (r.ok ? [] : [r.error]));
  const labelsOf = new Map((seen.ok ? seen.data : []).map((s) => [s.metric.probe, s.metric]));
  const probeFacts = (info.ok ? info.data : []).map((s) => ({
    name: s.metric.probe,
    displayName: s.metric.display_name || s.metric.probe,
    public: s.metric.public === "true",
    dependsOnHost: s.metric.depends_on_host || undefined,
    dependsOnApp: s.metric.depends_on_app || undefined,
    labels: labelsOf.get(s.metric.probe) ?? {},
  }));
  const windows = windowsFrom(silences.ok ? silences.data : [])
    .filter((w) => w.state !== "expired")
    .map((w) => ({ ...w, probes: probeFacts.filter((p) => coversProbe(w, p)).map((p) => p.name) }));
  const alerting = new Map<string, Set<string>>();
  for (const s of firing.ok ? firing.data : [])
    alerting.set(s.metric.probe, (alerting.get(s.metric.probe) ?? new Set()).add(s.metric.alertname));
  const daySeries = new Map((days.ok ? days.data : []).map((s) => [s.metric.probe, s]));
  const todays = new Map((sinceMidnight.ok ? sinceMidnight.data : []).map((s) => [s.metric.probe, Number(s.value[1])]));
  const probes = probeFacts
    .map((p): StatusProbe => {
      const fired = alerting.get(p.name);
      const inMaintenance = windows.some((w) => w.state === "active" && w.probes.includes(p.name));
      const state: PublicState = inMaintenance
        ? "maintenance"
        : fired?.has("ProbeDown")
          ? "down"
          : fired?.has("ProbeSlow")
            ? "slow"
            : labelsOf.has(p.name)
              ? "up"
              : "unknown";
      const values = dailyValues(daySeries.get(p.name), firstDay);
      values[DAYS - 1] = todays.get(p.name) ?? null;
      const known = values.filter((v): v is number => v !== null);
      return {
        name: p.name,
        displayName: p.displayName,
        public: p.public,
        state,
        days: values,
        uptime: known.length ? known.reduce((a, b) => a + b, 0) / known.length : undefined,
      };
    })
    .sort((a, b) => a.displayName.localeCompare(b.displayName));
  const notes = readNotes();
  const incidents = (history.ok ? history.data : [])
    .flatMap((s) =>
      periods(s, INCIDENT_STEP_MS, incidentsTo).map((period) => ({
        probe: s.metric.probe,
        kind: s.metric.alertname === "ProbeDown" ? ("down" as const) : ("slow" as const),
        ...period,
      })),
    )
    .map((incident) => ({
      ...incident,
      // A note belongs to the incident it was written on: same probe, same start (to the step).
      notes: notes
        .filter((n) => n.probe === incident.probe && Math.abs(n.incident_start - incident.start) < INCIDENT_STEP_MS)
        .sort((a, b) => a.at - b.at),
    }))
    .sort((a, b) => b.start - a.start);
  return { at: now, firstDay, probes, incidents, windows, errors };
}
