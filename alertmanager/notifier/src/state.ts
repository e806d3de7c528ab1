// The notifier's state, folded from its journal: notifications, their delivery on each channel,
// each channel's health and recent sends (the rate budget survives a restart), heartbeats.
import { NO_CHANNEL } from "@opsdeck/contracts";
import { releasedBy } from "./follow-ups.ts";
import type { AmPayload, Delivery, Notification, NotifierRecord } from "./model.ts";
import { copyKey } from "./peer-copies.ts";

export interface ChannelState {
  /** Set while the channel fails on its configuration; cleared by the next successful send. */
  failing?: { code: string; message: string; since: number };
  /** Throttled by the provider until then. */
  blocked_until: number;
  /** When the last messages were sent (for the per-minute budget). */
  sends: number[];
  last_error?: { code: string; message: string; at: number };
  /** The provider refused a message this large (bytes, as it measures them): stay below. */
  size_limit?: number;
}

// The pseudo-channel of a notification no channel serves (shared with the portal, which names it).
export { NO_CHANNEL };

/** The longest notifier.peer_copies_seconds allows. */
const COPY_WINDOW_MAX_MS = 3_600_000;

export function createNotifierState(opts: {
  historyMs: number;
  /** Whether this instance delivers a notification (on a shared queue, another may); default: all. */
  owns?: (id: string) => boolean;
}) {
  const owns = opts.owns ?? (() => true);
  const notifications = new Map<string, Notification>();
  const deliveries = new Map<string, Map<string, Delivery>>();
  const pending = new Map<string, Set<string>>();
  const channels = new Map<string, ChannelState>();
  /** Latest status of each alert group, to know whether it still fires. */
  const groups = new Map<string, { status: string; at: number }>();
  /** Alert groups already escalated since they last fired. */
  const escalated = new Set<string>();
  /** Each alert notification's copy key (peer-copies.ts) → the notification that has it, newest. */
  const copies = new Map<string, { id: string; at: number }>();
  let lastHeartbeat: number | undefined;

  const channel = (name: string) => {
    let channelState = channels.get(name);
    if (!channelState) channels.set(name, (channelState = { blocked_until: 0, sends: [] }));
    return channelState;
  };
  const pendingOf = (name: string) => {
    let ids = pending.get(name);
    if (!ids) pending.set(name, (ids = new Set()));
    return ids;
  };
  const each = (channelName: string, ids: string[], fn: (delivery: Delivery, id: string) => void) => {
    for (const id of ids) {
      const delivery = deliveries.get(id)?.get(channelName);
      if (delivery) fn(delivery, id);
    }
  };
  const groupKey = (notification: Notification) => `${notification.receiver}\u0000${notification.payload.groupKey}`;

  /**
   * An alert's message went out on a channel: the recovery results held for it there go next,
   * in its thread (its group, and a reference to it for mail).
   */
  function releaseFollowUps(channelName: string, sentIds: string[], at: number) {
    const sent = sentIds.map((id) => notifications.get(id)).filter((n) => n?.kind === "alert");
    if (!sent.length) return;
    for (const id of pending.get(channelName) ?? []) {
      const followUp = notifications.get(id);
      const delivery = deliveries.get(id)?.get(channelName);
      const alert = followUp && sent.find((n) => releasedBy(followUp, n!));
      if (!alert || !delivery || delivery.attempts > 0 || delivery.next_at <= at) continue;
      delivery.next_at = at;
      followUp.ref ??= alert.id;
      followUp.payload.groupKey = alert.payload.groupKey;
      followUp.payload.groupLabels = alert.payload.groupLabels;
    }
  }

  function apply(record: NotifierRecord): void {
    switch (record.t) {
      case "in": {
        const notification = record.n;
        notifications.set(notification.id, notification);
        const byChannel = new Map<string, Delivery>();
        for (const channelName of notification.channels) {
          const dueAt = notification.hold_until ?? notification.received_at;
          byChannel.set(channelName, { state: "pending", attempts: 0, next_at: dueAt });
          pendingOf(channelName).add(notification.id);
        }
        if (notification.channels.length === 0)
          byChannel.set(NO_CHANNEL, {
            state: "dead",
            attempts: 0,
            next_at: notification.received_at,
            last_error: {
              code: "no-channel",
              message: `no channels for receiver "${notification.receiver}"`,
              at: notification.received_at,
            },
          });
        deliveries.set(notification.id, byChannel);
        if (notification.kind === "alert") {
          copies.set(copyKey(notification.payload), { id: notification.id, at: notification.received_at });
          groups.set(groupKey(notification), { status: notification.payload.status, at: notification.received_at });
          // A group that resolved may escalate again when it fires again.
          if (notification.payload.status === "resolved") escalated.delete(groupKey(notification));
        }
        break;
      }
      case "sent": {
        const channelState = channel(record.channel);
        channelState.sends.push(record.at);
        if (channelState.sends.length > 1000) channelState.sends.splice(0, channelState.sends.length - 1000);
        channelState.failing = undefined;
        channelState.blocked_until = 0;
        each(record.channel, record.ids, (delivery, id) => {
          delivery.state = "delivered";
          delivery.delivered_at = record.at;
          delivery.digest = record.digest;
          delivery.attempts++;
          pendingOf(record.channel).delete(id);
        });
        releaseFollowUps(record.channel, record.ids, record.at);
        break;
      }
      case "fail": {
        const channelState = channel(record.channel);
        channelState.sends.push(record.at); // a failed attempt counts against the provider's rate limit too
        const error = { code: record.code, message: record.message, at: record.at };
        channelState.last_error = error;
        if (record.kind === "config")
          channelState.failing ??= { code: record.code, message: record.message, since: record.at };
        if (record.kind === "throttled") channelState.blocked_until = record.next_at;
        // 15 % below what was refused: a digest of the same alerts then splits in two or three.
        if (record.kind === "oversize" && record.bytes)
          channelState.size_limit = Math.floor(Math.min(channelState.size_limit ?? Infinity, record.bytes) * 0.85);
        each(record.channel, record.ids, (delivery) => {
          delivery.attempts++;
          delivery.next_at = record.next_at;
          delivery.last_error = error;
        });
        break;
      }
      case "dead":
        each(record.channel, record.ids, (delivery, id) => {
          delivery.state = "dead";
          delivery.last_error = { code: "dead", message: record.reason, at: record.at };
          pendingOf(record.channel).delete(id);
        });
        break;
      case "retry":
        for (const [name, delivery] of deliveries.get(record.id) ?? []) {
          if (delivery.state === "delivered" || name === NO_CHANNEL) continue;
          delivery.state = "pending";
          delivery.next_at = record.at;
          pendingOf(name).add(record.id);
        }
        break;
      case "heartbeat":
        lastHeartbeat = record.at;
        break;
      case "escalated":
        escalated.add(record.group);
        break;
    }
  }

  /** Drops finished notifications older than the history window. */
  function prune(now: number) {
    for (const [id, notification] of notifications) {
      if (notification.received_at >= now - opts.historyMs) continue;
      const byChannel = [...(deliveries.get(id)?.values() ?? [])];
      if (byChannel.some((delivery) => delivery.state === "pending")) continue;
      notifications.delete(id);
      deliveries.delete(id);
    }
    for (const [key, group] of groups) if (group.at < now - opts.historyMs) groups.delete(key);
    // A copy comes within peer_copies_seconds (at most an hour): older keys are no use.
    for (const [key, copy] of copies) if (copy.at < now - COPY_WINDOW_MAX_MS) copies.delete(key);
  }

  return {
    apply,
    prune,
    notifications,
    deliveries,
    channels,
    channel,
    get lastHeartbeat() {
      return lastHeartbeat;
    },
    groupKey,
    isEscalated: (notification: Notification) => escalated.has(groupKey(notification)),
    /** Whether the group a notification belongs to has resolved since. */
    stillFiring: (notification: Notification) => groups.get(groupKey(notification))?.status === "firing",
    /** The notification this payload copies, if one like it arrived within `windowMs` (peer-copies.ts). */
    copyOf(payload: AmPayload, now: number, windowMs: number): string | undefined {
      const copy = copies.get(copyKey(payload));
      return copy && now - copy.at < windowMs ? copy.id : undefined;
    },
    /** Pending notifications of a channel that are due, oldest first. */
    due(name: string, now: number): Notification[] {
      const out: Notification[] = [];
      for (const id of pending.get(name) ?? []) {
        const delivery = deliveries.get(id)?.get(name);
        if (delivery && delivery.state === "pending" && delivery.next_at <= now && owns(id))
          out.push(notifications.get(id)!);
      }
      return out.sort((a, b) => a.received_at - b.received_at);
    },
    /** When the next pending delivery of a channel becomes due (undefined: none pending). */
    nextDue(name: string): number | undefined {
      let min: number | undefined;
      for (const id of pending.get(name) ?? []) {
        if (!owns(id)) continue;
        const delivery = deliveries.get(id)?.get(name);
        if (delivery && delivery.state === "pending" && (min === undefined || delivery.next_at < min))
          min = delivery.next_at;
      }
      return min;
    },
    /** Notifications waiting on a channel: all of them, or only those this instance delivers. */
    queueDepth(name: string, own = false): number {
      if (!own) return pending.get(name)?.size ?? 0;
      let count = 0;
      for (const id of pending.get(name) ?? []) if (owns(id)) count++;
      return count;
    },
    /** Whether a notification has nothing left to deliver (undefined: not known here yet). */
    finished(id: string): boolean | undefined {
      const byChannel = deliveries.get(id);
      return byChannel && ![...byChannel.values()].some((delivery) => delivery.state === "pending");
    },
    deadCount(name: string): number {
      let count = 0;
      for (const byChannel of deliveries.values()) if (byChannel.get(name)?.state === "dead") count++;
      return count;
    },
    dump: () => ({
      notifications: [...notifications.values()],
      deliveries: [...deliveries].map(([id, byChannel]) => [id, [...byChannel]] as [string, [string, Delivery][]]),
      channels: [...channels],
      groups: [...groups],
      escalated: [...escalated],
      lastHeartbeat,
    }),
    load(snapshot: {
      notifications: Notification[];
      deliveries: [string, [string, Delivery][]][];
      channels: [string, ChannelState][];
      groups: [string, { status: string; at: number }][];
      escalated: string[];
      lastHeartbeat?: number;
    }) {
      for (const notification of snapshot.notifications) {
        notifications.set(notification.id, notification);
        if (notification.kind === "alert" && notification.received_at > Date.now() - COPY_WINDOW_MAX_MS)
          copies.set(copyKey(notification.payload), { id: notification.id, at: notification.received_at });
      }
      for (const [id, byChannel] of snapshot.deliveries) {
        deliveries.set(id, new Map(byChannel));
        for (const [name, delivery] of byChannel) if (delivery.state === "pending") pendingOf(name).add(id);
      }
      for (const [key, value] of snapshot.channels) channels.set(key, value);
      for (const [key, value] of snapshot.groups) groups.set(key, value);
      for (const id of snapshot.escalated) escalated.add(id);
      lastHeartbeat = snapshot.lastHeartbeat;
    },
  };
}

export type NotifierState = ReturnType<typeof createNotifierState>;
