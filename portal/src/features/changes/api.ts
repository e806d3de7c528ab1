// GET /api/changes: "what changed before this alert?" — the changes of the window before a
// moment (an alert group's start), ranked for its labels, with the rules that ranked them and
// which sources answered. The alert page and the notifier's message line ask the same question.
import { z } from "zod";
import { rankChanges, RULES } from "@opsdeck/core/changes/rank";
import { config } from "@/lib/config.ts";
import { cachedChanges } from "./sources.ts";

const label = z.string().max(200).optional();
export const changesQuerySchema = z.strictObject({
  /** The alert's start: ISO 8601 or epoch ms. */
  at: z.union([
    z
      .string()
      .regex(/^\d{10,13}$/)
      .transform(Number),
    z.iso.datetime({ offset: true }).transform((v) => Date.parse(v)),
  ]),
  /** Hours before `at` to look back (default: portal.changes.window_hours). */
  window_hours: z.coerce.number().min(0.25).max(168).optional(),
  project: label,
  environment: label,
  host: label,
  app: label,
  alertname: label,
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

/** The query's moment and labels, or the 400 that says what is wrong with it. */
export function parseChangesQuery(req: Request) {
  const parsed = changesQuerySchema.safeParse(Object.fromEntries(new URL(req.url).searchParams));
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return { error: Response.json({ error: `${i.path.join(".") || "(query)"}: ${i.message}` }, { status: 400 }) };
  }
  const q = parsed.data;
  const labels = Object.fromEntries(
    (["project", "environment", "host", "app", "alertname"] as const).flatMap((k) => (q[k] ? [[k, q[k]]] : [])),
  );
  return { q, labels };
}

/** The window's changes, ranked for the alert's labels. */
export async function rankedFor(q: z.infer<typeof changesQuerySchema>, labels: Record<string, string>) {
  const windowHours = q.window_hours ?? config().portal.changes.window_hours;
  const windowMs = windowHours * 3_600_000;
  const { changes, sources } = await cachedChanges(q.at - windowMs, q.at + 60_000);
  return { ranked: rankChanges({ startsAt: q.at, labels }, changes, windowMs), sources, windowHours };
}

export async function GET(req: Request) {
  const parsed = parseChangesQuery(req);
  if (parsed.error) return parsed.error;
  const { q, labels } = parsed;
  const { ranked, sources, windowHours } = await rankedFor(q, labels);
  return Response.json({
    at: new Date(q.at).toISOString(),
    window_hours: windowHours,
    labels,
    changes: ranked.slice(0, q.limit),
    total: ranked.length,
    rules: RULES,
    sources,
  });
}
