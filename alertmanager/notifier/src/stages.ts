// The stages of one delivery step, in the spirit of Alertmanager's notify pipeline: each is a
// plain function over one channel's context, testable alone, and the dispatcher runs them in
// order — gate → expire → compose → send → settle.
//   gate:    a failing channel waits for its probe; a throttled one for its window; never more
//            than rate_per_minute sends in any 60 s; digests paced evenly over the minute;
//   expire:  undelivered after give_up_hours → dead letter (kept, visible, retryable by hand);
//   compose: one notification, or a digest when the queue outgrows the budget;
//   settle:  sent → delivered; rejected → dead letter; throttled → wait out the window;
//            transient → exponential backoff; a config error → the channel is failing (probed
//            now and then), its messages are kept, and the other channels say so.
import type { NotifierConfig } from "@opsdeck/core";
import type { Channel, Content } from "./channels/index.ts";
import type { Notification, NotifierRecord, Outcome } from "./model.ts";
import { notificationView, renderDigest, renderFitted, type RenderOptions } from "./render.ts";
import type { NotifierState } from "./state.ts";

export const WINDOW_MS = 60_000;

export type Failure = Extract<Outcome, { ok: false }>;

export interface DispatcherHooks {
  /** Applies records to the state and writes them to the journal (resolves once on disk). */
  record(records: NotifierRecord[]): Promise<void>;
  /** A channel started failing on its configuration: tell the others. */
  channelFailing(channel: string, outcome: Failure): Promise<void>;
  sent(channel: string, content: Content, now: number): void;
  failed(channel: string, outcome: Failure, notifications: Notification[]): void;
  /**
   * On a shared queue: one send counted against the channel's limit across every instance —
   * how long to wait, or go (and `done` once the provider answered).
   */
  reserve?(channel: string, perMinute: number): Promise<{ waitMs: number } | { done(): Promise<void> }>;
  /** Fetches what a single message shows beside its alerts (what changed before it), within its budget. */
  prepare?(notifications: Notification[]): Promise<void>;
}

/** What every stage sees of one channel. */
export interface StageContext {
  name: string;
  channel: Channel;
  state: NotifierState;
  retry: NotifierConfig["retry"];
  render: RenderOptions;
  hooks: DispatcherHooks;
}

export function backoffMs(attempts: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4)); // jitter, so channels do not retry in step
}

/**
 * A quarter of the budget is held back from single messages, so a burst that is just starting
 * still has room for digests in this minute.
 */
export const wantsDigest = (channel: Channel, queued: number, budget: number) =>
  queued > 1 && queued > budget - Math.max(1, Math.floor(channel.ratePerMinute / 4));

/** Whether the channel may send now: the sends left in this minute, or how long to wait. */
export function gate(context: StageContext, now: number): { budget: number } | { waitMs: number } {
  const { name, channel, state, retry } = context;
  const channelState = state.channel(name);
  if (channelState.failing) {
    const probeAt = (channelState.last_error?.at ?? now) + retry.probe_failing_minutes * 60_000;
    if (now < probeAt) return { waitMs: probeAt - now };
  }
  if (channelState.blocked_until > now) return { waitMs: channelState.blocked_until - now };

  // Cheap checks first: a pump is woken for every arriving notification, and sorting a long
  // queue on every wake would make a flood slow down the webhook itself.
  const recent = channelState.sends.filter((t) => t > now - WINDOW_MS);
  const budget = channel.ratePerMinute - recent.length;
  if (budget <= 0) return { waitMs: recent[0] + WINDOW_MS - now + 1 };
  // In a flood, digests are paced evenly over the minute (3 s apart at 20 a minute): what
  // arrives meanwhile joins the next digest instead of spending the budget in small pieces.
  const lastSend = channelState.sends.at(-1);
  const spacing = WINDOW_MS / channel.ratePerMinute;
  const depth = state.queueDepth(name, true);
  if (depth > 1 && wantsDigest(channel, depth, budget) && lastSend !== undefined && now - lastSend < spacing)
    return { waitMs: lastSend + spacing - now };
  return { budget };
}

/** Dead-letters what waited longer than give_up_hours; returns whether anything expired. */
export async function expire(context: StageContext, due: Notification[], now: number): Promise<boolean> {
  const { give_up_hours } = context.retry;
  const expired = due.filter((n) => now - n.received_at > give_up_hours * 3_600_000);
  if (!expired.length) return false;
  await context.hooks.record([
    {
      t: "dead",
      channel: context.name,
      ids: expired.map((n) => n.id),
      at: now,
      reason: `not delivered within ${give_up_hours} h`,
    },
  ]);
  return true;
}

/**
 * Below this a refusal for size is not about size: such a message is dead-lettered instead of
 * being cut further.
 */
export const MIN_MESSAGE_BYTES = 512;

/**
 * The next message: the oldest notification, or a digest when the queue outgrows the budget.
 * It fits the channel's limit, or the smaller one learnt from the provider refusing a message
 * for its size.
 */
export function compose(context: StageContext, due: Notification[], budget: number): Content {
  const { channel, render, state, name } = context;
  const shape = { ...channel, maxBytes: Math.min(channel.maxBytes, state.channel(name).size_limit ?? Infinity) };
  const single = (notification: Notification): Content => ({
    title: notificationView(notification, render).title,
    body: renderFitted(notification, shape, render),
    notifications: [notification],
    digest: false,
  });
  if (!wantsDigest(channel, due.length, budget)) return single(due[0]);
  const digest = renderDigest(due, { ...shape, format: channel.digestFormat }, render, { last: budget === 1 });
  // Not even the oldest fits a digest whole: it goes alone, with as many of its alerts as fit.
  if (!digest.included.length) return single(due[0]);
  return { title: digest.title, body: digest.text, notifications: digest.included, digest: true };
}

/** Records how the send ended, and when to try again if it failed. */
export async function settle(context: StageContext, content: Content, outcome: Outcome): Promise<void> {
  const { name, channel, state, retry, hooks } = context;
  const at = Date.now();
  const ids = content.notifications.map((n) => n.id);
  if (outcome.ok) {
    await hooks.record([{ t: "sent", channel: name, ids, at, digest: content.digest }]);
    hooks.sent(name, content, at);
    return;
  }
  hooks.failed(name, outcome, content.notifications);
  const failed = { t: "fail" as const, channel: name, ids, at, code: outcome.code, message: outcome.message };
  // Too large: sent again at once, smaller (the state learns the size that was refused).
  const refused = outcome.kind === "oversize" ? channel.measure(content.title, content.body) : 0;
  if (outcome.kind === "oversize" && refused > MIN_MESSAGE_BYTES) {
    await hooks.record([{ ...failed, kind: "oversize", next_at: at, bytes: refused }]);
    return;
  }
  if (outcome.kind === "rejected" || outcome.kind === "oversize") {
    // The attempt and its error stay on the delivery and the channel; the message is kept as a dead letter.
    await hooks.record([
      { ...failed, kind: "rejected", next_at: at },
      { t: "dead", channel: name, ids, at, reason: `${outcome.code}: ${outcome.message}` },
    ]);
    return;
  }
  const attempts =
    Math.max(...content.notifications.map((n) => state.deliveriesOf(n.id)?.get(name)?.attempts ?? 0)) + 1;
  const backoff = () => backoffMs(attempts, retry.initial_seconds * 1000, retry.max_seconds * 1000);
  const waitMs =
    outcome.kind === "throttled"
      ? Math.max(outcome.retryAfterMs ?? WINDOW_MS, backoff())
      : outcome.kind === "config"
        ? retry.probe_failing_minutes * 60_000
        : backoff();
  const wasFailing = !!state.channel(name).failing;
  await hooks.record([{ ...failed, kind: outcome.kind, next_at: at + waitMs }]);
  if (outcome.kind === "config" && !wasFailing) await hooks.channelFailing(name, outcome);
}
