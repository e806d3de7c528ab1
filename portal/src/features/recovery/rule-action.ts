// A rule's automatic recovery action: which action of the catalogue runs when its alert fires,
// whether for real or only as a dry run (the default, until an operator turns it on), and how
// long the alert has to resolve after it before the action counts as not having helped. Kept in
// the rule's annotations, so it reaches the portal with the alert through Prometheus and
// Alertmanager; the action's app and instance come from the alert's labels, never the rule.
import { z } from "zod";
import { actionSchema, type Action } from "@opsdeck/core/actions/action";
import { durationMs } from "../rules/periods.ts";

export const RECOVERY_ANNOTATION = "opsdeck_recovery";
export const RECOVERY_MODE_ANNOTATION = "opsdeck_recovery_mode";
export const RECOVERY_RESOLVE_ANNOTATION = "opsdeck_recovery_resolve_within";

/** The actions a rule may run by itself: each needs only the alert's app (scale needs a number a person chooses). */
export const AUTOMATIC_KINDS = ["restart", "reload", "reset-restarts", "flush-logs"] as const;
export const RECOVERY_MODES = ["dry-run", "on"] as const;
/** Or a runbook script the host lists (exporters.pm2.actions.runbooks), as runbook:<name>. */
export const RUNBOOK_PREFIX = "runbook:";
const RUNBOOK = /^runbook:[a-z0-9][a-z0-9-]{0,62}$/;

export const ruleRecoverySchema = z.strictObject({
  action: z.union([
    z.enum(AUTOMATIC_KINDS),
    z.string().regex(RUNBOOK, "one of restart, reload, reset-restarts, flush-logs, or runbook:<name>"),
  ]),
  /** dry-run: the host plans it and the result says what would have run; on: it runs. */
  mode: z.enum(RECOVERY_MODES).default("dry-run"),
  /** Still firing this long after the action: it did not help; the on-call engineer is told. */
  resolve_within: z
    .string()
    .regex(/^(\d+(s|m|h))+$/, "a duration such as 5m or 1h")
    .refine((d) => durationMs(d) >= 30_000 && durationMs(d) <= 24 * 3_600_000, {
      message: "between 30s and 24h",
    })
    .default("10m"),
});
export type RuleRecovery = z.infer<typeof ruleRecoverySchema>;

export function recoveryAnnotations(recovery: RuleRecovery | undefined): Record<string, string> {
  if (!recovery) return {};
  return {
    [RECOVERY_ANNOTATION]: recovery.action,
    [RECOVERY_MODE_ANNOTATION]: recovery.mode,
    [RECOVERY_RESOLVE_ANNOTATION]: recovery.resolve_within,
  };
}

/** A rule's (or its alert's) recovery action from its annotations; none, or one not understood, is undefined. */
export function ruleRecovery(annotations: Record<string, string | undefined>): RuleRecovery | undefined {
  if (!annotations[RECOVERY_ANNOTATION]) return undefined;
  const parsed = ruleRecoverySchema.safeParse({
    action: annotations[RECOVERY_ANNOTATION],
    ...(annotations[RECOVERY_MODE_ANNOTATION] && { mode: annotations[RECOVERY_MODE_ANNOTATION] }),
    ...(annotations[RECOVERY_RESOLVE_ANNOTATION] && { resolve_within: annotations[RECOVERY_RESOLVE_ANNOTATION] }),
  });
  return parsed.success ? parsed.data : undefined;
}

/** The action for this alert: its app (and instance, for a restart) from the alert's labels. */
export function automaticAction(kind: RuleRecovery["action"], labels: Record<string, string>): Action | undefined {
  const app = labels.app;
  const instance = Number(labels.app_instance);
  const candidate = kind.startsWith(RUNBOOK_PREFIX)
    ? { kind: "runbook", name: kind.slice(RUNBOOK_PREFIX.length), app }
    : {
        kind,
        app,
        ...(kind === "restart" && labels.app_instance && Number.isInteger(instance) && instance >= 0 && { instance }),
      };
  // The catalogue's own schema decides what an app name may be.
  const parsed = actionSchema.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}
