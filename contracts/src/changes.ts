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
