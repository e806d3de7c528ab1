// Which recovery actions fit an alert: the few that fix most PM2 incidents, chosen by the alert's
// name, for the app and instance its labels name. Plain data (the Alerts page and the API both
// ask): an action is offered, and accepted, only for an alert it fits — and the action its rule
// names for automatic recovery (rule-action.ts) fits it too.
import type { Action, RecoveryAction } from "@opsdeck/core/actions/action";
import { automaticAction, ruleRecovery } from "./rule-action.ts";

const instanceOf = (labels: Record<string, string>) => {
  const n = Number(labels.app_instance);
  return Number.isInteger(n) && n >= 0 ? n : undefined;
};

export function actionsFor(labels: Record<string, string>, annotations: Record<string, string> = {}): Action[] {
  const fitting = byName(labels);
  const named = ruleRecovery(annotations);
  const own = named && labels.host ? automaticAction(named.action, labels) : undefined;
  return own && !fitting.some((a) => sameAction(a, own)) ? [...fitting, own] : fitting;
}

function byName(labels: Record<string, string>): Action[] {
  const app = labels.app;
  if (!app || !labels.host) return [];
  const instance = instanceOf(labels);
  const restartOne: Action = { kind: "restart", app, ...(instance !== undefined && { instance }) };
  switch (labels.alertname) {
    // Restarted and still crashing: start it clean, or clear the count once the cause is fixed.
    case "PM2ProcessCrashLooping":
      return [restartOne, { kind: "reset-restarts", app }];
    // PM2 gave up, or it never came online: start it again.
    case "PM2ProcessErrored":
    case "PM2ProcessNotOnline":
      return [restartOne];
    // Running but not serving, or stalled: a restart of the app (its HTTP layer, its event loop).
    case "PortNotListening":
      return [{ kind: "restart", app }];
    case "PM2EventLoopLag":
      return [restartOne];
    // Memory climbing: a zero-downtime reload of a cluster app, else a restart of the instance.
    case "PM2ProcessMemoryGrowing":
      return [{ kind: "reload", app }, restartOne];
    default:
      return [];
  }
}

const canonical = (a: RecoveryAction) => JSON.stringify(Object.entries(a).sort(([x], [y]) => (x < y ? -1 : 1)));
export const sameAction = (a: RecoveryAction, b: RecoveryAction) => canonical(a) === canonical(b);
