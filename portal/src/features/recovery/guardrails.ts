// Whether a rule's automatic recovery action runs for a firing alert now: plain data in, a
// decision out (automatic.ts gathers the facts and carries it out). One run per firing (an
// episode: the alert's fingerprint and start), never while the alert is acknowledged or
// silenced, never while a deploy of its app runs, none within the cool-down after the app's last
// run, at most max_per_app_per_hour runs of the app on its host in any hour. Dry runs change
// nothing, so they count toward neither limit.
import type { Action } from "@opsdeck/core/actions/action";
import type { SkipReason } from "@opsdeck/core/actions/recovery-note";
import { automaticAction, ruleRecovery, type RuleRecovery } from "./rule-action.ts";

export interface FiringAlert {
  fingerprint: string;
  startsAt: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** Alertmanager's: suppressed while a silence (an acknowledgement is one) or an inhibition holds it. */
  state: string;
}

/** A run this portal made, as the audit trail keeps it. */
export interface AutomaticRun {
  episode: string;
  app: string;
  host: string;
  at: number;
  dryRun: boolean;
}

export interface Limits {
  max_per_app_per_hour: number;
  cooldown_minutes: number;
}

/** Temporary reasons are looked at again at the next check; final ones end the episode. */
export const SKIP_KINDS: Record<SkipReason, "temporary" | "final"> = {
  suppressed: "temporary",
  deploying: "temporary",
  "deploys-unknown": "temporary",
  cooldown: "temporary",
  "rate-limit": "final",
  "no-app": "final",
  "no-key-for-host": "final",
};

export type Decision =
  | { do: "nothing" }
  | { do: "skip"; reason: SkipReason; recovery: RuleRecovery; detail?: string }
  | { do: "run"; action: Action; recovery: RuleRecovery; dryRun: boolean };

export const episodeOf = (a: { fingerprint: string; startsAt: string }) => `${a.fingerprint}@${a.startsAt}`;

const HOUR = 3_600_000;

export function decide(input: {
  alert: FiringAlert;
  /** The runs of the last hour at least. */
  runs: AutomaticRun[];
  /** Whether a deploy of the alert's app (to its host) is running; undefined: the deploy exporter did not say. */
  deploying: boolean | undefined;
  /** The hosts this portal can sign for and reach. */
  keyHosts: ReadonlySet<string>;
  limits: Limits;
  now: number;
}): Decision {
  const { alert, runs, limits, now } = input;
  const recovery = ruleRecovery(alert.annotations);
  if (!recovery) return { do: "nothing" };
  const episode = episodeOf(alert);
  if (runs.some((r) => r.episode === episode)) return { do: "nothing" };
  const action = automaticAction(recovery.action, alert.labels);
  const host = alert.labels.host;
  if (!action || !host) return { do: "skip", reason: "no-app", recovery };
  if (!input.keyHosts.has(host)) return { do: "skip", reason: "no-key-for-host", recovery, detail: host };
  if (alert.state !== "active") return { do: "skip", reason: "suppressed", recovery };
  // A dry run meets the same guardrails, so it says what the real one would have done.
  if (input.deploying === undefined) return { do: "skip", reason: "deploys-unknown", recovery };
  if (input.deploying) return { do: "skip", reason: "deploying", recovery };
  const real = runs.filter((r) => !r.dryRun && r.app === action.app && r.host === host);
  const last = Math.max(...real.map((r) => r.at), -Infinity);
  if (now - last < limits.cooldown_minutes * 60_000)
    return { do: "skip", reason: "cooldown", recovery, detail: new Date(last).toISOString() };
  const inHour = real.filter((r) => now - r.at < HOUR).length;
  if (inHour >= limits.max_per_app_per_hour)
    return { do: "skip", reason: "rate-limit", recovery, detail: String(inHour) };
  return { do: "run", action, recovery, dryRun: recovery.mode !== "on" };
}
