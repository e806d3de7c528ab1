// Recurring maintenance windows ("Sundays 02:00–04:00 Asia/Shanghai for environment=staging"):
// weekdays and a time of day in a time zone, as Alertmanager's time_intervals write them. A
// time_interval mutes a route, not a set of labels, and changes only with a config reload; so
// OpsDeck turns each occurrence into an ordinary maintenance window — a silence of the scope's
// labels — a day ahead (scheduler.ts): Alertmanager keeps it and starts it on time, every peer of
// a cluster sees it, the Alerts page and the status page show it like any window. Plain data in,
// plain data out here.
import { z } from "zod";
import { scopeSchema, windowTitleSchema, type WindowRequest } from "./windows.ts";

export const WEEKDAYS = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"] as const;
const TIME = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const isTimeZone = (zone: string) => {
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone });
    return true;
  } catch {
    return false;
  }
};

export const recurringRequestSchema = z
  .strictObject({
    title: windowTitleSchema,
    scope: scopeSchema,
    weekdays: z.array(z.enum(WEEKDAYS)).min(1, "at least one weekday").max(7),
    start_time: z.string().regex(TIME, "HH:MM, 24-hour"),
    end_time: z.string().regex(TIME, "HH:MM, 24-hour (24:00 for midnight)"),
    time_zone: z.string().refine(isTimeZone, "an IANA time zone such as Asia/Shanghai"),
  })
  .refine((w) => minutesOf(w.end_time) > minutesOf(w.start_time), {
    path: ["end_time"],
    message: "after the start time, on the same day (two windows for one across midnight)",
  });
export type RecurringRequest = z.infer<typeof recurringRequestSchema>;

export interface RecurringWindow extends RecurringRequest {
  id: string;
  created_by: string;
  created_at: string;
}

/** The zone's offset from UTC (ms) at an instant: what its wall clock reads minus UTC. */
function zoneOffset(instant: number, zone: string): number {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  const wall = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second);
  return wall - Math.floor(instant / 1000) * 1000;
}

/** The instant a wall-clock time in a zone names (the later reading around a DST change). */
export function zonedInstant(year: number, month: number, day: number, minutes: number, zone: string): number {
  const wall = Date.UTC(year, month, day, 0, minutes);
  const first = wall - zoneOffset(wall, zone);
  return wall - zoneOffset(first, zone);
}

/** The window's occurrences that overlap [from, to), oldest first. */
export function occurrences(w: RecurringRequest, from: number, to: number): { start: number; end: number }[] {
  const found: { start: number; end: number }[] = [];
  // Walk the zone's calendar days from the day before `from` to the day after `to`.
  for (let t = from - 86_400_000; t < to + 86_400_000; t += 86_400_000) {
    const local = new Date(t + zoneOffset(t, w.time_zone));
    const [y, m, d] = [local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate()];
    if (!w.weekdays.includes(WEEKDAYS[new Date(Date.UTC(y, m, d)).getUTCDay()])) continue;
    const start = zonedInstant(y, m, d, minutesOf(w.start_time), w.time_zone);
    const end = zonedInstant(y, m, d, minutesOf(w.end_time), w.time_zone);
    if (end > from && start < to && !found.some((o) => o.start === start)) found.push({ start, end });
  }
  return found.sort((a, b) => a.start - b.start);
}

/** One occurrence as the one-off window (silence) the scheduler opens for it. */
export function occurrenceWindow(w: RecurringRequest, o: { start: number; end: number }, now: number): WindowRequest {
  const start = Math.max(o.start, now);
  return {
    title: w.title,
    scope: w.scope,
    starts_at: new Date(start).toISOString(),
    minutes: Math.max(1, Math.round((o.end - start) / 60_000)),
  };
}
