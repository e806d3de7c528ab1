// The notifier's state, folded from its journal: notifications, their delivery on each channel,
// each channel's health and recent sends (the rate budget survives a restart), heartbeats.
import type { Delivery, Notification, NotifierRecord } from "./model.ts";

export interface ChannelState {
  /** Set while the channel fails on its configuration; cleared by the next successful send. */
  failing?: { code: string; message: string; since: number };
  /** Throttled by the provider until then. */
  blocked_until: number;
  /** When the last messages were sent (for the per-minute budget). */
  sends: number[];
  last_error?: { code: string; message: string; at: number };
}

export const NO_CHANNEL = "(none)";

export function createNotifierState(opts: { historyMs: number }) {
  const notifications = new Map<string, Notification>();
  const deliveries = new Map<string, Map<string, Delivery>>();
  const pending = new Map<string, Set<string>>();
  const channels = new Map<string, ChannelState>();
  /** Latest status of each alert group, to know whether it still fires. */
  const groups = new Map<string, { status: string; at: number }>();
  /** Alert groups already escalated since they last fired. */
  const escalated = new Set<string>();
  let lastHeartbeat: number | undefined;

  const channel = (name: string) => {
    let c = channels.get(name);
    if (!c) channels.set(name, (c = { blocked_until: 0, sends: [] }));
    return c;
  };
  const pendingOf = (name: string) => {
    let p = pending.get(name);
    if (!p) pending.set(name, (p = new Set()));
    return p;
  };
  const each = (channelName: string, ids: string[], fn: (d: Delivery, id: string) => void) => {
    for (const id of ids) {
      const d = deliveries.get(id)?.get(channelName);
      if (d) fn(d, id);
    }
  };
  const groupKey = (n: Notification) => `${n.receiver}\u0000${n.payload.groupKey}`;

  function apply(r: NotifierRecord): void {
    switch (r.t) {
      case "in": {
        const n = r.n;
        notifications.set(n.id, n);
        const ds = new Map<string, Delivery>();
        for (const c of n.channels) {
          ds.set(c, { state: "pending", attempts: 0, next_at: n.received_at });
          pendingOf(c).add(n.id);
        }
        if (n.channels.length === 0)
          ds.set(NO_CHANNEL, {
            state: "dead",
            attempts: 0,
            next_at: n.received_at,
            last_error: { code: "no-channel", message: `no channels for receiver "${n.receiver}"`, at: n.received_at },
          });
        deliveries.set(n.id, ds);
        if (n.kind === "alert") {
          groups.set(groupKey(n), { status: n.payload.status, at: n.received_at });
          // A group that resolved may escalate again when it fires again.
          if (n.payload.status === "resolved") escalated.delete(groupKey(n));
        }
        break;
      }
      case "sent": {
        const c = channel(r.channel);
        c.sends.push(r.at);
        if (c.sends.length > 1000) c.sends.splice(0, c.sends.length - 1000);
        c.failing = undefined;
        c.blocked_until = 0;
        each(r.channel, r.ids, (d, id) => {
          d.state = "delivered";
          d.delivered_at = r.at;
          d.digest = r.digest;
          d.attempts++;
          pendingOf(r.channel).delete(id);
        });
        break;
      }
      case "fail": {
        const c = channel(r.channel);
        c.sends.push(r.at); // a failed attempt counts against the provider's rate limit too
        const error = { code: r.code, message: r.message, at: r.at };
        c.last_error = error;
        if (r.kind === "config") c.failing ??= { code: r.code, message: r.message, since: r.at };
        if (r.kind === "throttled") c.blocked_until = r.next_at;
        each(r.channel, r.ids, (d) => {
          d.attempts++;
          d.next_at = r.next_at;
          d.last_error = error;
        });
        break;
      }
      case "dead":
        each(r.channel, r.ids, (d, id) => {
          d.state = "dead";
          d.last_error = { code: "dead", message: r.reason, at: r.at };
          pendingOf(r.channel).delete(id);
        });
        break;
      case "retry":
        for (const [name, d] of deliveries.get(r.id) ?? []) {
          if (d.state === "delivered" || name === NO_CHANNEL) continue;
          d.state = "pending";
          d.next_at = r.at;
          pendingOf(name).add(r.id);
        }
        break;
      case "heartbeat":
        lastHeartbeat = r.at;
        break;
      case "escalated":
        escalated.add(r.group);
        break;
    }
  }

  /** Drops finished notifications older than the history window. */
  function prune(now: number) {
    for (const [id, n] of notifications) {
      if (n.received_at >= now - opts.historyMs) continue;
      const ds = [...(deliveries.get(id)?.values() ?? [])];
      if (ds.some((d) => d.state === "pending")) continue;
      notifications.delete(id);
      deliveries.delete(id);
    }
    for (const [k, g] of groups) if (g.at < now - opts.historyMs) groups.delete(k);
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
    isEscalated: (n: Notification) => escalated.has(groupKey(n)),
    /** Whether the group a notification belongs to has resolved since. */
    stillFiring: (n: Notification) => groups.get(groupKey(n))?.status === "firing",
    /** Pending notifications of a channel that are due, oldest first. */
    due(name: string, now: number): Notification[] {
      const out: Notification[] = [];
      for (const id of pending.get(name) ?? []) {
        const d = deliveries.get(id)?.get(name);
        if (d && d.state === "pending" && d.next_at <= now) out.push(notifications.get(id)!);
      }
      return out.sort((a, b) => a.received_at - b.received_at);
    },
    /** When the next pending delivery of a channel becomes due (undefined: none pending). */
    nextDue(name: string): number | undefined {
      let min: number | undefined;
      for (const id of pending.get(name) ?? []) {
        const d = deliveries.get(id)?.get(name);
        if (d && d.state === "pending" && (min === undefined || d.next_at < min)) min = d.next_at;
      }
      return min;
    },
    queueDepth: (name: string) => pending.get(name)?.size ?? 0,
    deadCount(name: string): number {
      let n = 0;
      for (const ds of deliveries.values()) if (ds.get(name)?.state === "dead") n++;
      return n;
    },
    dump: () => ({
      notifications: [...notifications.values()],
      deliveries: [...deliveries].map(([id, ds]) => [id, [...ds]] as [string, [string, Delivery][]]),
      channels: [...channels],
      groups: [...groups],
      escalated: [...escalated],
      lastHeartbeat,
    }),
    load(s: {
      notifications: Notification[];
      deliveries: [string, [string, Delivery][]][];
      channels: [string, ChannelState][];
      groups: [string, { status: string; at: number }][];
      escalated: string[];
      lastHeartbeat?: number;
    }) {
      for (const n of s.notifications) notifications.set(n.id, n);
      for (const [id, ds] of s.deliveries) {
        deliveries.set(id, new Map(ds));
        for (const [name, d] of ds) if (d.state === "pending") pendingOf(name).add(id);
      }
      for (const [k, v] of s.channels) channels.set(k, v);
      for (const [k, v] of s.groups) groups.set(k, v);
      for (const id of s.escalated) escalated.add(id);
      lastHeartbeat = s.lastHeartbeat;
    },
  };
}

export type NotifierState = ReturnType<typeof createNotifierState>;
