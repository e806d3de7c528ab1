// Maintenance windows: planned work during which the alerts of what it touches are silenced and
// the status page says "maintenance". A window is an Alertmanager silence — Alertmanager keeps
// it (and starts a future one on time); OpsDeck only marks it with a prefix in its comment — so
// there is no second store to fall out of step. Its scope is a few labels, all of which an alert
// must carry for the window to silence it: exactly the alerts of that probe, host, app, project
// or environment.
import { z } from "zod";
import type { AmSilence } from "@/lib/sources.ts";

/** The comment prefix that tells a maintenance window from an ordinary silence or an ack. */
export const MAINTENANCE_PREFIX = "[maintenance] ";

export const SCOPE_LABELS = ["probe", "host", "app", "project", "environment"] as const;
const labelValue = z.string().trim().min(1).max(128);

/** What a window covers: the alerts that carry every one of these labels. */
export const scopeSchema = z
  .object(
    Object.fromEntries(SCOPE_LABELS.map((l) => [l, labelValue.optional()])) as Record<
      (typeof SCOPE_LABELS)[number],
      z.ZodOptional<typeof labelValue>
    >,
  )
  .strict()
  .refine((s) => Object.values(s).some(Boolean), "name at least one of probe, host, app, project, environment");

/** What the public status page shows: no host names or addresses in it. */
export const windowTitleSchema = z.string().trim().min(1, "say what the work is").max(200);

export const windowRequestSchema = z
  .object({
    title: windowTitleSchema,
    scope: scopeSchema,
    /** When it starts (ISO 8601); unset: now. At most 30 days ahead. */
    starts_at: z.iso.datetime({ offset: true }).optional(),
    minutes: z
      .number()
      .int()
      .min(1)
      .max(7 * 24 * 60),
  })
  .strict();
export type WindowRequest = z.infer<typeof windowRequestSchema>;

export interface MaintenanceWindow {
  id: string;
  title: string;
  scope: Partial<Record<(typeof SCOPE_LABELS)[number], string>>;
  startsAt: string;
  endsAt: string;
  createdBy: string;
  state: "pending" | "active" | "expired";
}

/** The window as the silence Alertmanager keeps; an error when it would start in the past or too far ahead. */
export function windowSilence(w: WindowRequest, createdBy: string, now = Date.now()) {
  const start = w.starts_at ? Date.parse(w.starts_at) : now;
  if (start < now - 60_000) throw new Error("starts_at: in the past");
  if (start > now + 30 * 86_400_000) throw new Error("starts_at: more than 30 days ahead");
  return {
    matchers: Object.entries(w.scope)
      .filter(([, value]) => value)
      .map(([name, value]) => ({ name, value: value!, isRegex: false, isEqual: true })),
    startsAt: new Date(Math.max(start, now)).toISOString(),
    endsAt: new Date(Math.max(start, now) + w.minutes * 60_000).toISOString(),
    createdBy,
    comment: `${MAINTENANCE_PREFIX}${w.title}`,
  };
}

/** The maintenance windows among Alertmanager's silences (the others are not windows). */
export function windowsFrom(silences: AmSilence[]): MaintenanceWindow[] {
  return silences
    .filter((s) => s.comment.startsWith(MAINTENANCE_PREFIX))
    .map((s) => ({
      id: s.id,
      title: s.comment.slice(MAINTENANCE_PREFIX.length),
      scope: Object.fromEntries(
        s.matchers.filter((m) => m.isEqual !== false && !m.isRegex).map((m) => [m.name, m.value]),
      ),
      startsAt: s.startsAt,
      endsAt: s.endsAt,
      createdBy: s.createdBy,
      state: s.status.state,
    }))
    .sort((a, b) => a.startsAt.localeCompare(b.startsAt));
}

/**
 * Whether a window covers a probe: each label of its scope is the probe's — its name, its own
 * labels, or the host and app it depends on (work on a host is work on what runs there).
 */
export function coversProbe(
  w: Pick<MaintenanceWindow, "scope">,
  probe: { name: string; labels: Record<string, string>; dependsOnHost?: string; dependsOnApp?: string },
): boolean {
  const has: Record<string, string | undefined> = {
    ...probe.labels,
    probe: probe.name,
    host: probe.dependsOnHost || probe.labels.host,
    app: probe.dependsOnApp || probe.labels.app,
  };
  return Object.entries(w.scope).every(([name, value]) => has[name] === value);
}
