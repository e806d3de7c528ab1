// What became of a recovery action, as the portal tells the notifier (which posts it into the
// alert's thread): who or which rule, what, where, and the outcome — or why it was held back.
import { z } from "zod";
import { recoveryActionSchema } from "./action.ts";

/** started: a rollback's deploy began (the deploy exporter tracks it from there). */
export const RECOVERY_OUTCOMES = [
  "succeeded",
  "failed",
  "refused",
  "dry-run",
  "skipped",
  "unresolved",
  "started",
] as const;
/** Why an automatic action was held back (the portal's guardrails). */
export const SKIP_REASONS = [
  "suppressed",
  "deploying",
  "deploys-unknown",
  "cooldown",
  "rate-limit",
  "no-app",
  "no-key-for-host",
] as const;

export const recoveryNoteSchema = z.strictObject({
  /** manual: an operator from the alert; automatic: the rule's own action. */
  trigger: z.enum(["manual", "automatic"]),
  /** The operator's name, or the rule's alert name. */
  by: z.string().min(1).max(200),
  host: z.string().min(1).max(253),
  action: recoveryActionSchema,
  outcome: z.enum(RECOVERY_OUTCOMES),
  /** skipped: why (the portal's guardrails). */
  reason: z.enum(SKIP_REASONS).optional(),
  /** The host's error, as it said it (failed, refused). */
  error: z.string().max(500).optional(),
  /** unresolved: how long the alert had, e.g. 10m. */
  resolve_within: z.string().max(20).optional(),
  /** started (a rollback): the version it goes back to. */
  version: z.string().max(200).optional(),
});
export type RecoveryNote = z.infer<typeof recoveryNoteSchema>;

export type SkipReason = (typeof SKIP_REASONS)[number];
