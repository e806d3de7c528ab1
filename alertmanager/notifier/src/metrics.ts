// The notifier's metrics: counters since start; gauges read the state at scrape time.
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import { WINDOW_MS } from "./stages.ts";
import type { NotifierState } from "./state.ts";

export function notifierMetrics(
  registry: Registry,
  read: {
    channelNames(): string[];
    state: NotifierState;
    pipelineBroken(): boolean;
    ratePerMinute(channel: string): number | undefined;
  },
) {
  const registers = [registry];
  const { state } = read;
  const perChannel = (name: string, help: string, value: (channel: string) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ["channel"],
      registers,
      collect() {
        this.reset();
        for (const channel of read.channelNames()) this.set({ channel }, value(channel));
      },
    });
  perChannel("opsdeck_notifier_queue_depth", "Notifications waiting for delivery, by channel.", (c) =>
    state.queueDepth(c),
  );
  perChannel(
    "opsdeck_notifier_dead_letters",
    "Notifications that could not be delivered (kept, retryable), by channel.",
    (c) => state.deadCount(c),
  );
  perChannel("opsdeck_notifier_channel_up", "0 while a channel fails on its configuration, else 1.", (c) =>
    state.channels.get(c)?.failing ? 0 : 1,
  );
  perChannel(
    "opsdeck_notifier_rate_budget_remaining",
    "Messages a channel may still send in the current minute: its rate limit less what it sent in the last 60 s.",
    (c) => {
      const limit = read.ratePerMinute(c) ?? 0;
      const since = Date.now() - WINDOW_MS;
      return Math.max(0, limit - (state.channels.get(c)?.sends.filter((t) => t > since).length ?? 0));
    },
  );
  new Gauge({
    name: "opsdeck_notifier_pipeline_up",
    help: "0 while no Watchdog heartbeat arrives (the dead-man's switch has tripped).",
    registers,
    collect() {
      this.set(read.pipelineBroken() ? 0 : 1);
    },
  });
  new Gauge({
    name: "opsdeck_notifier_last_heartbeat_timestamp_seconds",
    help: "When the last Watchdog heartbeat arrived.",
    registers,
    collect() {
      this.set((state.lastHeartbeat ?? 0) / 1000);
    },
  });
  return {
    received: new Counter({
      name: "opsdeck_notifier_notifications_received_total",
      help: "Notifications accepted, by receiver and kind (alert, escalation, system, test).",
      labelNames: ["receiver", "kind"],
      registers,
    }),
    undeliverable: new Counter({
      name: "opsdeck_notifier_undeliverable_total",
      help: "Notifications for a receiver that no channel serves (no notifier.receivers entry and no default), by receiver.",
      labelNames: ["receiver"],
      registers,
    }),
    peerCopies: new Counter({
      name: "opsdeck_notifier_peer_copies_total",
      help: "Alertmanager notifications that copied one already received (another peer's, or a retried webhook): acknowledged, not sent again.",
      registers,
    }),
    claimed: new Counter({
      name: "opsdeck_notifier_queue_claimed_total",
      help: "Notifications this notifier took over from another on the shared Redis queue (that one stopped touching them).",
      registers,
    }),
    heartbeats: new Counter({
      name: "opsdeck_notifier_heartbeats_total",
      help: "Watchdog heartbeats received.",
      registers,
    }),
    delivered: new Counter({
      name: "opsdeck_notifier_deliveries_total",
      help: "Notifications delivered, by channel.",
      labelNames: ["channel"],
      registers,
    }),
    failures: new Counter({
      name: "opsdeck_notifier_delivery_failures_total",
      help: "Failed send attempts, by channel, kind (throttled, transient, config, rejected) and provider code.",
      labelNames: ["channel", "kind", "code"],
      registers,
    }),
    messages: new Counter({
      name: "opsdeck_notifier_messages_sent_total",
      help: "Messages sent, by channel and type (single, digest).",
      labelNames: ["channel", "type"],
      registers,
    }),
    latency: new Histogram({
      name: "opsdeck_notifier_delivery_latency_seconds",
      help: "From receiving a notification to its delivery, by channel.",
      labelNames: ["channel"],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
      registers,
    }),
    changeLines: new Counter({
      name: "opsdeck_notifier_change_lines_total",
      help: '"What changed?" lines asked of the portal for single messages, by result: added (in the message), none (nothing changed), late (left out: no answer within changes.timeout_ms), failed (left out: the portal did not answer or refused).',
      labelNames: ["result"],
      registers,
    }),
    escalations: new Counter({
      name: "opsdeck_notifier_escalations_total",
      help: "Unacknowledged critical alerts escalated.",
      registers,
    }),
  };
}

export type NotifierMetrics = ReturnType<typeof notifierMetrics>;
