// The notifier's state, folded from its journal: notifications, their delivery on each channel,
// each channel's health and recent sends (the rate budget survives a restart), heartbeats.
//
// A notification is whole in memory while it has a delivery left. Once finished it goes to the
// shelf (shelf.ts), a file: memory keeps what the history's filters read (a short tag string)
// and where it lies, and its alert group keeps what threads and escalation need. Days of history
// then cost the heap ~150 bytes a notification instead of ~2 KB.
import { createHash } from "node:crypto";
import { tmpdir } from "node:os";
import { NO_CHANNEL } from "@opsdeck/contracts";
import { inGroup, releasedBy } from "./follow-ups.ts";
import {
  briefOf,
  type AmPayload,
  type Delivery,
  type Notification,
  type NotificationHead,
  type NotifierRecord,
} from "./model.ts";
import { copyKey } from "./peer-copies.ts";
import { openShelf } from "./shelf.ts";

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

/** A finished notification: its tags (`tagsOf`) and where the rest is on the shelf. */
interface Shelved {
  tags: string;
  received_at: number;
  offset: number;
  length: number;
}

/** What a shelved notification's record holds. */
interface ShelfRecord {
  n: Notification;
  d: [string, Delivery][];
}

interface SnapshotRest {
  channels: [string, ChannelState][];
  groups: [string, Group][];
  escalated: string[];
  lastHeartbeat?: number;
}

/** What a snapshot holds (`dump`, `dumpText`). */
export interface Snapshot extends SnapshotRest {
  entries: ShelfRecord[];
}

/** A snapshot written before the shelf: notifications and their deliveries side by side. */
interface LegacySnapshot extends SnapshotRest {
  notifications: Notification[];
  deliveries: [string, [string, Delivery][]][];
}

/**
 * An alert group (keyed by receiver and Alertmanager's group key): whether it fires, its thread,
 * its escalation. Flat, as there may be one for every notification.
 */
interface Group {
  status: string;
  at: number;
  labels?: Record<string, string>;
  /** Its newest alert notification (a follow-up's thread when none carried the alert). */
  newest?: string;
  /** Since when it has fired with a critical alert, and its newest notification that did. */
  critical_since?: number;
  critical_newest?: string;
}

/** What the history's filters look at, as one string: kind, receiver, then each channel's state. */
function tagsOf(head: NotificationHead, deliveries: Map<string, Delivery>): string {
  return [
    head.kind,
    head.receiver,
    ...[...deliveries].map(([name, delivery]) => `${name}\u0002${delivery.state}`),
  ].join("\u0001");
}

export interface HistoryFilter {
  receiver?: string;
  kind?: string;
  channel?: string;
  state?: string;
}

function matches(tags: string, filter: HistoryFilter): boolean {
  const [kind, receiver, ...byChannel] = tags.split("\u0001");
  if (filter.kind && kind !== filter.kind) return false;
  if (filter.receiver && receiver !== filter.receiver) return false;
  const states = byChannel.map((pair) => pair.split("\u0002"));
  if (filter.channel && !states.some(([name]) => name === filter.channel)) return false;
  if (
    filter.state &&
    !states.some(([name, state]) => state === filter.state && (!filter.channel || name === filter.channel))
  )
    return false;
  return true;
}

/** A copy key's digest (96 bits): an hour of alert notifications' keys would otherwise hold megabytes. */
// Encoded from 12 bytes rather than sliced: a slice would keep the whole digest's string alive.
const copyDigest = (payload: AmPayload) =>
  createHash("sha1").update(copyKey(payload)).digest().toString("base64url", 0, 12);

export function createNotifierState(opts: {
  historyMs: number;
  /** Whether this instance delivers a notification (on a shared queue, another may); default: all. */
  owns?: (id: string) => boolean;
  /** Where the shelf's file goes (the data directory); default: the system's temporary one. */
  shelfDir?: string;
  /**
   * notifier.peer_copies_seconds in ms (it may change on reload); default: the most it allows.
   * None: copies are checked elsewhere (a shared queue keeps its copy keys in Redis).
   */
  copyWindowMs?: (() => number) | "none";
}) {
  const copyWindowMs = opts.copyWindowMs === "none" ? () => 0 : (opts.copyWindowMs ?? (() => COPY_WINDOW_MAX_MS));
  const owns = opts.owns ?? (() => true);
  // Notifications with a delivery left, whole: head, payload and deliveries.
  const heads = new Map<string, NotificationHead>();
  const payloads = new Map<string, AmPayload>();
  const deliveries = new Map<string, Map<string, Delivery>>();
  /** Finished notifications. An id is in `heads` or here, never both. */
  const shelved = new Map<string, Shelved>();
  const shelf = openShelf(opts.shelfDir ?? tmpdir());
  let shelvedBytes = 0;
  const pending = new Map<string, Set<string>>();
  const channels = new Map<string, ChannelState>();
  const groups = new Map<string, Group>();
  /** Alert groups already escalated since they last fired. */
  const escalated = new Set<string>();
  /** Each alert notification's copy key (peer-copies.ts) → the notification that has it, newest. */
  const copies = new Map<string, { id: string; at: number }>();
  /** Remembers a copy key, forgetting the oldest ones past the window (the map is in arrival order). */
  function rememberCopy(notification: Notification) {
    if (opts.copyWindowMs === "none") return;
    const oldest = notification.received_at - copyWindowMs();
    for (const [key, copy] of copies) {
      if (copy.at >= oldest) break;
      copies.delete(key);
    }
    copies.set(copyDigest(notification.payload), { id: notification.id, at: notification.received_at });
  }
  /** Each alert's fingerprint → the newest alert notification that carried it (a follow-up's thread). */
  const carriers = new Map<string, string>();
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
  const groupKey = (notification: { receiver: string; brief: { groupKey: string } }) =>
    `${notification.receiver}\u0000${notification.brief.groupKey}`;
  const receiverOf = (key: string) => key.slice(0, key.indexOf("\u0000"));
  /** One copy of each distinct tag string: thousands of notifications share a handful. */
  const tagPool = new Map<string, string>();
  const pooled = (tags: string) => tagPool.get(tags) ?? (tagPool.set(tags, tags), tags);
  const headOf = (notification: Notification): NotificationHead => {
    const { payload, ...rest } = notification;
    return { ...rest, brief: briefOf(payload) };
  };

  const head = (id: string): NotificationHead | undefined =>
    heads.get(id) ?? (shelved.has(id) ? headOf(entry(id)!.notification) : undefined);

  function readShelf(entry: Shelved): ShelfRecord {
    return JSON.parse(shelf.get([entry.offset, entry.length])) as ShelfRecord;
  }

  /** The whole notification and its deliveries, from memory or the shelf. */
  function entry(id: string): { notification: Notification; deliveries: Map<string, Delivery> } | undefined {
    const head = heads.get(id);
    if (head) {
      const { brief: _brief, ...rest } = head;
      return { notification: { ...rest, payload: payloads.get(id)! }, deliveries: deliveries.get(id)! };
    }
    const spot = shelved.get(id);
    if (!spot) return undefined;
    const record = readShelf(spot);
    return { notification: record.n, deliveries: new Map(record.d) };
  }

  function add(notification: Notification) {
    const head = headOf(notification);
    heads.set(notification.id, head);
    payloads.set(notification.id, notification.payload);
    if (notification.kind !== "alert") return;
    for (const alert of notification.payload.alerts) {
      const newest = carriers.get(alert.fingerprint);
      if (alert.fingerprint && (!newest || newest < notification.id)) carriers.set(alert.fingerprint, notification.id);
    }
    const key = groupKey(head);
    const group: Group = groups.get(key) ?? { status: head.brief.status, at: head.received_at };
    groups.set(key, group);
    if (group.newest && group.newest > notification.id) return; // an older one, late: the group has moved on
    Object.assign(group, {
      status: head.brief.status,
      at: head.received_at,
      labels: head.brief.groupLabels,
      newest: notification.id,
    });
    const critical = head.brief.status === "firing" && head.brief.critical;
    group.critical_since = critical ? (group.critical_since ?? head.received_at) : undefined;
    group.critical_newest = critical ? notification.id : undefined;
  }

  function finished(id: string): boolean | undefined {
    if (shelved.has(id)) return true;
    const byChannel = deliveries.get(id);
    return byChannel && ![...byChannel.values()].some((delivery) => delivery.state === "pending");
  }

  /** Moves a notification with nothing left to deliver to the shelf. */
  function shelveIfFinished(id: string) {
    const head = heads.get(id);
    const byChannel = deliveries.get(id);
    if (!head || !byChannel || !finished(id)) return;
    const { brief: _brief, ...rest } = head;
    const record: ShelfRecord = { n: { ...rest, payload: payloads.get(id)! }, d: [...byChannel] };
    const [offset, length] = shelf.put(JSON.stringify(record));
    shelved.set(id, { tags: pooled(tagsOf(head, byChannel)), received_at: head.received_at, offset, length });
    shelvedBytes += length;
    heads.delete(id);
    payloads.delete(id);
    deliveries.delete(id);
  }

  /** Brings a finished notification back into memory (a retry). */
  function unshelve(id: string) {
    const spot = shelved.get(id);
    if (!spot) return;
    const record = readShelf(spot);
    heads.set(id, headOf(record.n));
    payloads.set(id, record.n.payload);
    deliveries.set(id, new Map(record.d));
    shelved.delete(id);
    shelvedBytes -= spot.length;
  }

  /**
   * An alert's message went out on a channel: the recovery results held for it there go next,
   * in its thread (its group, and a reference to it for mail). Runs before the sent alerts are
   * shelved, so they are at hand.
   */
  function releaseFollowUps(channelName: string, sentIds: string[], at: number) {
    const sent = sentIds.map((id) => entry(id)?.notification).filter((n) => n?.kind === "alert");
    if (!sent.length) return;
    for (const id of pending.get(channelName) ?? []) {
      const head = heads.get(id);
      const payload = payloads.get(id);
      const delivery = deliveries.get(id)?.get(channelName);
      if (head?.kind !== "recovery" || !payload || !delivery) continue;
      const alert = sent.find((n) => releasedBy({ ...head, payload }, n!));
      if (!alert || delivery.attempts > 0 || delivery.next_at <= at) continue;
      delivery.next_at = at;
      head.ref ??= alert.id;
      payload.groupKey = head.brief.groupKey = alert.payload.groupKey;
      payload.groupLabels = head.brief.groupLabels = alert.payload.groupLabels;
    }
  }

  function apply(record: NotifierRecord): void {
    switch (record.t) {
      case "in": {
        const notification = record.n;
        add(notification);
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
          rememberCopy(notification);
          // A group that resolved may escalate again when it fires again.
          if (notification.payload.status === "resolved") escalated.delete(groupKey(heads.get(notification.id)!));
        }
        shelveIfFinished(notification.id);
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
        for (const id of record.ids) shelveIfFinished(id);
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
        for (const id of record.ids) shelveIfFinished(id);
        break;
      case "retry":
        unshelve(record.id);
        for (const [name, delivery] of deliveries.get(record.id) ?? []) {
          if (delivery.state === "delivered" || name === NO_CHANNEL) continue;
          delivery.state = "pending";
          delivery.next_at = record.at;
          pendingOf(name).add(record.id);
        }
        shelveIfFinished(record.id); // nothing to retry: back it goes
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
    const oldest = now - opts.historyMs;
    for (const [id, spot] of shelved)
      if (spot.received_at < oldest) {
        shelved.delete(id);
        shelvedBytes -= spot.length;
      }
    for (const [fingerprint, id] of carriers) if (!heads.has(id) && !shelved.has(id)) carriers.delete(fingerprint);
    for (const [key, group] of groups) if (group.at < oldest) groups.delete(key);
    // A copy comes within peer_copies_seconds: older keys are no use.
    for (const [key, copy] of copies) if (copy.at < now - copyWindowMs()) copies.delete(key);
    // Pruned notifications are garbage in the shelf's file: once they are most of it, copy the rest.
    if (shelf.bytes > 2 * shelvedBytes + 8 * 1024 * 1024) {
      const spots = new Map([...shelved].map(([id, spot]) => [id, [spot.offset, spot.length] as const]));
      shelf.rewrite(spots);
      for (const [id, [offset, length]] of spots) Object.assign(shelved.get(id)!, { offset, length });
    }
  }

  const allIds = () => [...heads.keys(), ...shelved.keys()].sort();
  /** A notification with its deliveries, as the shelf and a snapshot hold it. */
  const recordOf = (id: string): ShelfRecord => {
    const found = entry(id)!;
    return { n: found.notification, d: [...found.deliveries] };
  };
  const rest = () => ({ channels: [...channels], groups: [...groups], escalated: [...escalated], lastHeartbeat });

  return {
    apply,
    prune,
    channels,
    channel,
    get lastHeartbeat() {
      return lastHeartbeat;
    },
    /** How many notifications the history holds. */
    size: () => heads.size + shelved.size,
    /** A notification's head (what lists show); a finished one is read from the shelf. */
    head,
    /** The whole notification; a finished one is read from the shelf. */
    full: (id: string) => entry(id)?.notification,
    /** A notification's deliveries by channel; a finished one's are read from the shelf. */
    deliveriesOf: (id: string) => entry(id)?.deliveries,
    entry,
    /** The history's ids that pass the filter, newest first. */
    history(filter: HistoryFilter, before?: string): string[] {
      const ids = [...heads.keys(), ...shelved.keys()].filter((id) => !before || id < before).sort();
      return ids.reverse().filter((id) => {
        const head = heads.get(id);
        return matches(head ? tagsOf(head, deliveries.get(id)!) : shelved.get(id)!.tags, filter);
      });
    },
    /** Alert groups that fire with a critical alert and were not escalated since they last fired. */
    *criticalGroups() {
      for (const [key, group] of groups)
        if (group.status === "firing" && group.critical_newest && !escalated.has(key))
          yield { key, receiver: receiverOf(key), since: group.critical_since!, newest: group.critical_newest };
    },
    /** The notification this payload copies, if one like it arrived within `windowMs` (peer-copies.ts). */
    copyOf(payload: AmPayload, now: number, windowMs: number): string | undefined {
      const copy = copies.get(copyDigest(payload));
      return copy && now - copy.at < windowMs ? copy.id : undefined;
    },
    /**
     * A follow-up's thread: the newest alert notification that carried the alert, else the
     * newest of its group (follow-ups.ts).
     */
    threadOf(alert: { fingerprint: string; labels: Record<string, string> }, receiver: string) {
      let id = carriers.get(alert.fingerprint);
      if (!id)
        for (const [key, group] of groups)
          if (receiverOf(key) === receiver && group.labels && inGroup(group.labels, alert.labels) && group.newest)
            if (!id || group.newest > id) id = group.newest;
      return id === undefined ? undefined : head(id);
    },
    /** Bytes of notifications on the shelf, and of the shelf's file. */
    shelfBytes: () => ({ notifications: shelvedBytes, file: shelf.bytes }),
    /** Pending notifications of a channel that are due, oldest first. */
    due(name: string, now: number): Notification[] {
      const out: Notification[] = [];
      for (const id of pending.get(name) ?? []) {
        const delivery = deliveries.get(id)?.get(name);
        if (delivery && delivery.state === "pending" && delivery.next_at <= now && owns(id))
          out.push(entry(id)!.notification);
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
    finished,
    deadCount(name: string): number {
      let count = 0;
      for (const byChannel of deliveries.values()) if (byChannel.get(name)?.state === "dead") count++;
      const tag = `\u0001${name}\u0002dead`;
      for (const spot of shelved.values()) if (spot.tags.includes(tag)) count++;
      return count;
    },
    /** The state as a snapshot holds it: every notification whole, with its deliveries. */
    dump: (): Snapshot => ({ entries: allIds().map(recordOf), ...rest() }),
    /**
     * The same as JSON text in pieces, taken at once: a shelved notification's text is copied
     * from the shelf as it is, so a snapshot of days of history never holds them all as objects.
     */
    dumpText(): string[] {
      const pieces = ['{"entries":['];
      for (const [i, id] of allIds().entries()) {
        if (i > 0) pieces.push(",");
        const spot = shelved.get(id);
        pieces.push(spot ? shelf.get([spot.offset, spot.length]) : JSON.stringify(recordOf(id)));
      }
      pieces.push("],", JSON.stringify(rest()).slice(1));
      return pieces;
    },
    load(snapshot: Snapshot | LegacySnapshot) {
      const entries =
        "entries" in snapshot
          ? snapshot.entries
          : snapshot.notifications.map((n, i) => ({ n, d: snapshot.deliveries[i][1] }));
      for (const { n: notification, d: byChannel } of entries) {
        add(notification);
        if (notification.kind === "alert" && notification.received_at > Date.now() - copyWindowMs())
          rememberCopy(notification);
        deliveries.set(notification.id, new Map(byChannel));
        for (const [name, delivery] of byChannel)
          if (delivery.state === "pending") pendingOf(name).add(notification.id);
        shelveIfFinished(notification.id);
      }
      for (const [key, value] of snapshot.channels) channels.set(key, value);
      // A snapshot's group wins (it may know of notifications pruned since); an older snapshot
      // lacks the fields rebuilt above from the notifications.
      for (const [key, value] of snapshot.groups) groups.set(key, { ...groups.get(key), ...value });
      for (const id of snapshot.escalated) escalated.add(id);
      lastHeartbeat = snapshot.lastHeartbeat;
    },
  };
}

export type NotifierState = ReturnType<typeof createNotifierState>;
