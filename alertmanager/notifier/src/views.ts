// The notifier's answers: a notification's summary and a channel's health, in the shapes of
// @opsdeck/contracts (what the portal reads), with ISO times.
import type { ChannelView, DeliveryView, NotificationSummary } from "@opsdeck/contracts";
import type { NotifierConfig } from "@opsdeck/core";
import type { Delivery, NotificationHead } from "./model.ts";
import type { NotifierState } from "./state.ts";

const iso = (ms: number) => new Date(ms).toISOString();
const isoIfSet = (ms: number | undefined) => (ms === undefined ? undefined : iso(ms));

function deliveryView(delivery: Delivery): DeliveryView {
  const { last_error, ...rest } = delivery;
  return {
    ...rest,
    next_at: iso(delivery.next_at),
    delivered_at: isoIfSet(delivery.delivered_at),
    last_error: last_error && { ...last_error, at: iso(last_error.at) },
  };
}

export function notificationSummary(
  notification: NotificationHead,
  deliveries: Map<string, Delivery> | undefined,
): NotificationSummary {
  const { brief } = notification;
  return {
    id: notification.id,
    kind: notification.kind,
    receiver: notification.receiver,
    received_at: iso(notification.received_at),
    status: brief.status,
    alertname: brief.alertname,
    alerts: brief.alerts,
    ref: notification.ref,
    deliveries: Object.fromEntries([...(deliveries ?? [])].map(([channel, d]) => [channel, deliveryView(d)])),
  };
}

export function channelView(
  name: string,
  state: NotifierState,
  config: NotifierConfig,
  ratePerMinute: number | undefined,
  now = Date.now(),
): ChannelView {
  const channel = state.channels.get(name);
  return {
    name,
    type: config.channels[name]?.type ?? "removed",
    up: !channel?.failing,
    failing: channel?.failing && { ...channel.failing, since: iso(channel.failing.since) },
    last_error: channel?.last_error && { ...channel.last_error, at: iso(channel.last_error.at) },
    blocked_until: channel && channel.blocked_until > now ? iso(channel.blocked_until) : undefined,
    queue: state.queueDepth(name),
    dead: state.deadCount(name),
    sent_last_minute: channel?.sends.filter((t) => t > now - 60_000).length ?? 0,
    rate_per_minute: ratePerMinute,
  };
}
