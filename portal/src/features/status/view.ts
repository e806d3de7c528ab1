// The status pages' data as plain values: its types, the daily bars placed on their days, and
// what of it the public may see. No I/O here (data.ts reads the sources).
import type { MaintenanceWindow } from "../maintenance/windows.ts";
import type { StatusNote } from "./notes.ts";
import type { PromRange } from "@/lib/sources.ts";

export const DAYS = 90;
export const INCIDENT_DAYS = 14;
const DAY_MS = 86_400_000;

export type PublicState = "up" | "slow" | "down" | "maintenance" | "unknown";

export interface StatusProbe {
  /** The probe's name: for the portal's own pages and matching, never rendered publicly. */
  name: string;
  displayName: string;
  public: boolean;
  state: PublicState;
  /** One per day, oldest first, the last one today: the share of probes that succeeded, or null (no data). */
  days: (number | null)[];
  /** Over the days with data. */
  uptime?: number;
}

export interface Incident {
  probe: string;
  kind: "down" | "slow";
  start: number;
  /** Unset: still going. */
  end?: number;
  notes: StatusNote[];
}

export interface StatusData {
  at: number;
  /** The first day's start (epoch ms, the server's midnight). */
  firstDay: number;
  probes: StatusProbe[];
  incidents: Incident[];
  windows: (MaintenanceWindow & { probes: string[] })[];
  /** A source that did not answer: what is shown may be partial. */
  errors: string[];
}

/** Midnight of the day `t` falls in, in the server's time zone. */
export function startOfDay(t: number): number {
  const d = new Date(t);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

/** Day values from a range query evaluated at each day's end: index 0 is `firstDay`. */
export function dailyValues(series: PromRange | undefined, firstDay: number, days = DAYS): (number | null)[] {
  const out: (number | null)[] = Array.from({ length: days }, () => null);
  for (const [ts, v] of series?.values ?? []) {
    const index = Math.round((ts * 1000 - firstDay) / DAY_MS) - 1;
    if (index >= 0 && index < days && Number.isFinite(Number(v))) out[index] = Number(v);
  }
  return out;
}

/** What the public may see: public probes only, and of them nothing but what the page shows. */
export function publicView(data: StatusData) {
  const shown = new Map(data.probes.filter((p) => p.public).map((p, i) => [p.name, { index: i, p }]));
  return {
    at: data.at,
    firstDay: data.firstDay,
    partial: data.errors.length > 0,
    probes: [...shown.values()].map(({ p }) => ({
      displayName: p.displayName,
      state: p.state,
      days: p.days,
      uptime: p.uptime,
    })),
    incidents: data.incidents
      .filter((i) => shown.has(i.probe))
      .map((i) => ({
        displayName: shown.get(i.probe)!.p.displayName,
        kind: i.kind,
        start: i.start,
        end: i.end,
        notes: i.notes.map((n) => ({ at: n.at, text: n.text })),
      })),
    windows: data.windows
      .filter((w) => w.probes.some((name) => shown.has(name)))
      .map((w) => ({
        title: w.title,
        startsAt: w.startsAt,
        endsAt: w.endsAt,
        state: w.state,
        displayNames: w.probes.filter((name) => shown.has(name)).map((name) => shown.get(name)!.p.displayName),
      })),
  };
}
export type PublicStatus = ReturnType<typeof publicView>;

// The 90-day bar's colours: a run of days of one level is one stop pair of a gradient.
type Level = "full" | "partial" | "low" | "none";
const COLOUR: Record<Level, string> = {
  full: "var(--ok)",
  partial: "var(--warn)",
  low: "var(--crit)",
  none: "var(--line)",
};

/** A day's class: all good, a little lost, much lost, no data. */
export function dayLevel(value: number | null): Level {
  if (value === null) return "none";
  if (value >= 0.999) return "full";
  return value >= 0.95 ? "partial" : "low";
}

/** The days as a left-to-right gradient, one stop pair per run of days of the same level. */
export function dayGradient(days: (number | null)[]): string {
  const at = (i: number) => `${+((i * 100) / days.length).toFixed(3)}%`;
  const stops: string[] = [];
  for (let start = 0; start < days.length;) {
    const level = dayLevel(days[start]);
    let end = start + 1;
    while (end < days.length && dayLevel(days[end]) === level) end++;
    stops.push(`${COLOUR[level]} ${at(start)} ${at(end)}`);
    start = end;
  }
  return `linear-gradient(to right, ${stops.join(", ")})`;
}
