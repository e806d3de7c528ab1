// Two clocks that watch for silence: the dead-man's switch (no Watchdog heartbeat for N minutes
// → "the monitoring pipeline is broken") and escalation (a critical alert still firing and not
// acknowledged — no matching Alertmanager silence — after N minutes → the escalation channels).
import type { Logger, NotifierConfig } from "@opsdeck/core";
import type { AmAlert, Notification, NotifierRecord } from "./model.ts";
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
    const candidates: { n: Notification; alerts: AmAlert[]; channels: string[] }[] = [];
    for (const n of state.notifications.values()) {
      const esc =
        cfg.receivers[n.receiver]?.escalation ??
        (cfg.receivers[n.receiver] ? undefined : cfg.receivers.default?.escalation);
      if (!esc || n.kind !== "alert" || n.payload.status !== "firing") continue;
      if (now - n.received_at < esc.after_minutes * 60_000 || state.isEscalated(n) || !state.stillFiring(n)) continue;
      const alerts = n.payload.alerts.filter((a) => a.status === "firing" && a.labels.severity === "critical");
      if (alerts.length) candidates.push({ n, alerts, channels: esc.channels });
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
    const seen = new Set<string>();
    const records: NotifierRecord[] = [];
    candidates.sort((a, b) => b.n.received_at - a.n.received_at);
    for (const c of candidates) {
      const group = state.groupKey(c.n);
      if (seen.has(group)) continue; // the newest notification of a group speaks for it
      seen.add(group);
      // Acknowledged = silenced (or inhibited) in Alertmanager; gone from it = resolved.
      const open = current ? c.alerts.filter((a) => current!.get(a.fingerprint)?.status.state === "active") : c.alerts;
      if (!open.length) continue;
      records.push(
        {
          t: "in",
          n: {
            id: newId(now),
            kind: "escalation",
            received_at: now,
            receiver: c.n.receiver,
            ref: c.n.id,
            channels: c.channels,
            payload: { ...c.n.payload, alerts: open },
          },
        },
        { t: "escalated", group, at: now },
      );
    }
    if (records.length) {
      hooks.log.warn("escalating unacknowledged critical alerts", { "opsdeck.escalations": records.length / 2 });
      await hooks.record(records);
    }
  };
}
