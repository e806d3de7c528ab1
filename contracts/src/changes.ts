// "What changed before this alert?" as the portal answers the notifier (GET /api/changes/summary):
// the likeliest change, and how many error kinds are new since the likeliest deploy. Data, not
// words: the notifier writes the line in its own language.
import { z } from "zod";

/** What OpsDeck counts as a change (core/src/changes/ collects and ranks them). */
export const CHANGE_KINDS = ["deploy", "crash", "restart", "config", "host-down"] as const;

export const changeSummarySchema = z.object({
  top: z
    .object({
      kind: z.enum(CHANGE_KINDS),
      minutes_before: z.number().min(0),
      title: z.string(),
      project: z.string().optional(),
      app: z.string().optional(),
      version: z.string().optional(),
      /** Seven characters. */
      commit: z.string().optional(),
      actor: z.string().optional(),
      result: z.string().optional(),
      count: z.number().optional(),
      hosts: z.array(z.string()).default([]),
      reasons: z.array(z.string()).default([]),
    })
    .nullable(),
  /** Error kinds new since the likeliest deploy (`since`: its version or commit); null if none was shown or Elasticsearch did not answer. */
  new_errors: z.object({ since: z.string().optional(), kinds: z.number().int().min(0) }).nullable(),
  /** Whether every source answered: an incomplete answer is not kept by either side. */
  complete: z.boolean(),
});
export type ChangeSummary = z.infer<typeof changeSummarySchema>;

/** An alert as "what changed?" reads it: its labels and when it began. */
interface ScopedAlert {
  labels: Record<string, string>;
  startsAt: string;
}

/**
 * What "what changed?" asks about an alert group, on the Alerts page and in the message alike:
 * the newest alert's start (a group that grew is asked what came before its new alerts) and the
 * labels all its alerts share, with the group's own (two apps' alerts are scoped to neither).
 * Undefined for a group with no alert or no valid start.
 */
export function alertGroupScope(
  alerts: ScopedAlert[],
  groupLabels: Record<string, string>,
): { startsAt: number; labels: Record<string, string> } | undefined {
  const [first, ...rest] = alerts;
  if (!first) return undefined;
  const startsAt = Math.max(...alerts.map((a) => Date.parse(a.startsAt)));
  if (Number.isNaN(startsAt)) return undefined;
  const shared = Object.entries(first.labels).filter(([key, value]) => rest.every((a) => a.labels[key] === value));
  return { startsAt, labels: { ...Object.fromEntries(shared), ...groupLabels } };
}
