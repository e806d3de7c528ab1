// A recovery action's run, kept and told: in the audit trail under its alert (who or which rule,
// host, action, each step, outcome) before anyone is answered, then in the alert's thread
// (follow-up.ts, not awaited). The manual path (api.ts) and the automatic one (automatic.ts)
// both record through here.
import { actionTarget, describeAction, type RecoveryAction } from "@opsdeck/core/actions/action";
import type { RecoveryNote } from "@opsdeck/core/actions/recovery-note";
import { audit } from "@/lib/audit.ts";
import type { AmAlert } from "@/lib/sources.ts";
import { followUp } from "./follow-up.ts";
import type { HostAnswer } from "./run.ts";

export const RECOVERY_AUDIT_ACTION = "recovery-action";
/** An automatic action a guardrail held back (automatic.ts). */
export const SKIPPED_AUDIT_ACTION = "recovery-skipped";
/** An automatic action whose alert still fired after its resolve_within. */
export const UNRESOLVED_AUDIT_ACTION = "recovery-unresolved";

/** The user an automatic action is recorded as: its rule, by its alert's name. */
export const ruleUser = (alertname: string) => `rule:${alertname}`;

export function outcomeOf(answer: HostAnswer): "succeeded" | "failed" | "dry-run" | "refused" | "started" {
  if (answer.status === 200) return answer.body.status ?? "failed";
  // The host said no (the action does not fit the app as PM2 runs it), or would not listen.
  return answer.status === 409 || answer.status === 401 ? "refused" : "failed";
}

export async function recordRun(o: {
  by: string;
  trigger: RecoveryNote["trigger"];
  alert: AmAlert;
  host: string;
  action: RecoveryAction;
  answer: HostAnswer;
  /** More for the audit entry (the automatic path's episode and deadline). */
  fields?: Record<string, unknown>;
}): Promise<RecoveryNote["outcome"]> {
  const outcome = outcomeOf(o.answer);
  await audit(
    o.trigger === "automatic" ? ruleUser(o.by) : o.by,
    RECOVERY_AUDIT_ACTION,
    {
      "opsdeck.action.kind": o.action.kind,
      "opsdeck.action.app": actionTarget(o.action),
      "opsdeck.action.description": describeAction(o.action),
      "opsdeck.action.trigger": o.trigger,
      "opsdeck.action.outcome": outcome,
      // The action itself, read back by the Alerts page and by automatic.ts after a restart.
      "opsdeck.action": JSON.stringify(o.action),
      "host.name": o.host,
      "event.outcome": outcome === "succeeded" || outcome === "dry-run" ? "success" : "failure",
      ...o.fields,
    },
    {
      target: `alert:${o.alert.fingerprint}`,
      after: {
        host: o.host,
        action: o.action,
        outcome,
        ...(o.answer.status === 200 ? o.answer.body : { error: o.answer.body.error }),
      },
    },
  );
  void followUp(o.alert, {
    trigger: o.trigger,
    by: o.by,
    host: o.host,
    action: o.action,
    outcome,
    ...(o.answer.status !== 200 && o.answer.body.error && { error: o.answer.body.error.slice(0, 500) }),
    ...(typeof o.answer.body.version === "string" && { version: o.answer.body.version.slice(0, 200) }),
  });
  return outcome;
}
