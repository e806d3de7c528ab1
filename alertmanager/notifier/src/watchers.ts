// Two clocks that watch for silence: the dead-man's switch (no Watchdog heartbeat for N minutes
// → "the monitoring pipeline is broken") and escalation (a critical alert still firing and not
// acknowledged — no matching Alertmanager silence — after N minutes → the escalation channels).
import type { Logger, NotifierConfig } from "@opsdeck/core";
import type { NotifierRecord } from "./model.ts";
import type { NotifierState } from "./state.ts";
import { pipelineNotification } from "./system.ts";
import { newId } from "./ids.ts";

export interface WatcherHooks {
  config(): NotifierConfig;
  record(records: NotifierRecord[]): Promise<void>;
  /** Channels of the default receiver, where the notifier's own news goes by default. */
  defaultChannels(): string[];
  log: Logger;
}

/** Returns a check to run on a timer; `broken` is exposed for metrics. */
export function createHeartbeatWatch(state: NotifierState, hooks: WatcherHooks, startedAt = Date.now()) {
  let broken = false;
  return {
    get broken() {
      return broken;
    },
    async check(now = Date.now()) {
      const cfg = hooks.config();
      const timeoutMs = cfg.heartbeat.timeout_minutes * 60_000;
      const last = state.lastHeartbeat ?? startedAt;
      const silent = now - last > timeoutMs;
      const channels = cfg.heartbeat.channels.length ? cfg.heartbeat.channels : hooks.defaultChannels();
      if (silent && !broken) {
        broken = true;
        hooks.log.error("no Watchdog heartbeat: the monitoring pipeline is broken", {
          "event.action": "pipeline-broken",
        });
        await hooks.record([
          { t: "in", n: pipelineNotification(cfg.language, true, Math.round((now - last) / 60_000), channels) },
        ]);
      } else if (!silent && broken) {
        broken = false;
        hooks.log.info("Watchdog heartbeat is back", { "event.action": "pipeline-back" });
        await hooks.record([{ t: "in", n: pipelineNotification(cfg.language, false, 0, channels) }]);
      }
    },
  };
}

interface AmApiAlert {
  fingerprint: string;
  status: { state: "active" | "suppressed" | "unprocessed"; silencedBy: string[]; inhibitedBy: string[] };
}

/** Alertmanager's view of current alerts by fingerprint, or undefined if it cannot be asked. */
async function alertmanagerAlerts(url: string, timeoutMs: number): Promise<Map<string, AmApiAlert> | undefined> {
  const res = await fetch(new URL("/api/v2/alerts?active=true&silenced=true&inhibited=true", url), {
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`Alertmanager answered ${res.status}`);
  const list = (await res.json()) as AmApiAlert[];
  return new Map(list.map((a) => [a.fingerprint, a]));
}

export function createEscalationWatch(state: NotifierState, hooks: WatcherHooks) {
  return async function check(now = Date.now()): Promise<void> {
    const cfg = hooks.config();
    // A group that has fired with a critical alert for the receiver's after_minutes, newest first.
    const candidates: { group: string; newest: string; channels: string[] }[] = [];
    for (const group of state.criticalGroups()) {
      const esc =
        cfg.receivers[group.receiver]?.escalation ??
        (cfg.receivers[group.receiver] ? undefined : cfg.receivers.default?.escalation);
      if (esc && now - group.since >= esc.after_minutes * 60_000)
        candidates.push({ group: group.key, newest: group.newest, channels: esc.channels });
    }
    if (!candidates.length) return;
    let current: Map<string, AmApiAlert> | undefined;
    if (cfg.alertmanager_url) {
      try {
        current = await alertmanagerAlerts(cfg.alertmanager_url, cfg.timeout_seconds * 1000);
      } catch (err) {
        // Better one page too many than a critical alert nobody sees.
        hooks.log.warn("cannot ask Alertmanager about silences; escalating without knowing", { error: err });
      }
    }
    const records: NotifierRecord[] = [];
    candidates.sort((a, b) => (a.newest < b.newest ? 1 : -1));
    for (const c of candidates) {
      // Its newest notification with a critical alert speaks for the group (shelved if delivered).
      const n = state.full(c.newest);
      if (!n) continue;
      const alerts = n.payload.alerts.filter((a) => a.status === "firing" && a.labels.severity === "critical");
      // Acknowledged = silenced (or inhibited) in Alertmanager; gone from it = resolved.
      const open = current ? alerts.filter((a) => current!.get(a.fingerprint)?.status.state === "active") : alerts;
      if (!open.length) continue;
      records.push(
        {
          t: "in",
          n: {
            id: newId(now),
            kind: "escalation",
            received_at: now,
            receiver: n.receiver,
            ref: n.id,
            channels: c.channels,
            payload: { ...n.payload, alerts: open },
          },
        },
        { t: "escalated", group: c.group, at: now },
      );
    }
    if (records.length) {
      hooks.log.warn("escalating unacknowledged critical alerts", { "opsdeck.escalations": records.length / 2 });
      await hooks.record(records);
    }
  };
}
