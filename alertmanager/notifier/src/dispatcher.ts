// Delivery, one pump per channel, in the spirit of Alertmanager's notify pipeline
// (wait → dedup → retry → set state), with what chat robots need on top:
//   budget:  never more than rate_per_minute sends in any 60 s (DingTalk and WeCom allow 20);
//   digest:  when more is queued than the budget allows, merge the queue into digests;
//   retry:   throttled → wait out the window; transient → exponential backoff; a config error
//            → the channel is failing (probed now and then), its messages are kept, and the
//            other channels say so; a message the provider can never take → dead letter;
//   give up: undelivered after give_up_hours → dead letter (kept, visible, retryable by hand).
import type { NotifierConfig } from "@opsdeck/core";
import type { Channel, Content } from "./channels/index.ts";
import type { Notification, NotifierRecord, Outcome } from "./model.ts";
import { notificationView, renderDigest, renderFitted, type RenderOptions } from "./render.ts";
import type { NotifierState } from "./state.ts";

const WINDOW_MS = 60_000;
const IDLE_MS = 30_000;

export interface DispatcherHooks {
  /** Applies records to the state and writes them to the journal (resolves once on disk). */
  record(records: NotifierRecord[]): Promise<void>;
  /** A channel started failing on its configuration: tell the others. */
  channelFailing(channel: string, outcome: Extract<Outcome, { ok: false }>): Promise<void>;
  sent(channel: string, content: Content, now: number): void;
  failed(channel: string, outcome: Extract<Outcome, { ok: false }>, count: number): void;
}

export interface Dispatcher {
  wake(channel?: string): void;
  setChannels(channels: Map<string, Channel>, retry: NotifierConfig["retry"], render: RenderOptions): void;
  stop(): Promise<void>;
}

export function backoffMs(attempts: number, initialMs: number, maxMs: number): number {
  const base = Math.min(maxMs, initialMs * 2 ** Math.max(0, attempts - 1));
  return Math.round(base * (0.8 + Math.random() * 0.4)); // jitter, so channels do not retry in step
}

export function createDispatcher(state: NotifierState, hooks: DispatcherHooks): Dispatcher {
  let channels = new Map<string, Channel>();
  let retry: NotifierConfig["retry"];
  let render: RenderOptions;
  const wakers = new Map<string, () => void>();
  const running = new Map<string, Promise<void>>();
  let stopped = false;

  const sleep = (name: string, ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, Math.max(0, Math.min(ms, IDLE_MS)));
      function done() {
        clearTimeout(t);
        wakers.delete(name);
        resolve();
      }
      wakers.set(name, done);
    });

  /**
   * A quarter of the budget is held back from single messages, so a burst that is just starting
   * still has room for digests in this minute.
   */
  const wantsDigestFor = (ch: Channel, queued: number, budget: number) =>
    queued > 1 && queued > budget - Math.max(1, Math.floor(ch.ratePerMinute / 4));

  /** Builds the next message: one notification, or a digest when the queue outgrows the budget. */
  function compose(ch: Channel, due: Notification[], budget: number): Content {
    if (!wantsDigestFor(ch, due.length, budget)) {
      const n = due[0];
      return {
        title: notificationView(n, render).title,
        body: renderFitted(n, ch.format, render, ch.maxBytes, ch.custom, ch.suffix),
        notifications: [n],
        digest: false,
      };
    }
    const d = renderDigest(due, ch.digestFormat, render, ch.maxBytes, budget === 1, ch.suffix);
    return { title: d.title, body: d.text, notifications: d.included, digest: true };
  }

  /** One step of a channel's pump; returns how long to wait before the next. */
  async function step(name: string): Promise<number> {
    const ch = channels.get(name);
    if (!ch) return IDLE_MS;
    const now = Date.now();
    const st = state.channel(name);
    if (st.failing) {
      const probeAt = (st.last_error?.at ?? now) + retry.probe_failing_minutes * 60_000;
      if (now < probeAt) return probeAt - now;
    }
    if (st.blocked_until > now) return st.blocked_until - now;

    // Cheap checks first: a pump is woken for every arriving notification, and sorting a long
    // queue on every wake would make a flood slow down the webhook itself.
    const recent = st.sends.filter((t) => t > now - WINDOW_MS);
    const budget = ch.ratePerMinute - recent.length;
    if (budget <= 0) return recent[0] + WINDOW_MS - now + 1;
    // In a flood, digests are paced evenly over the minute (3 s apart at 20 a minute): what
    // arrives meanwhile joins the next digest instead of spending the budget in small pieces.
    const lastSend = st.sends.at(-1);
    const spacing = WINDOW_MS / ch.ratePerMinute;
    const depth = state.queueDepth(name);
    if (depth > 1 && wantsDigestFor(ch, depth, budget) && lastSend !== undefined && now - lastSend < spacing)
      return lastSend + spacing - now;

    const due = state.due(name, now);
    const expired = due.filter((n) => now - n.received_at > retry.give_up_hours * 3_600_000);
    if (expired.length) {
      await hooks.record([
        {
          t: "dead",
          channel: name,
          ids: expired.map((n) => n.id),
          at: now,
          reason: `not delivered within ${retry.give_up_hours} h`,
        },
      ]);
      return 0;
    }
    if (!due.length) {
      const next = state.nextDue(name);
      return next === undefined ? IDLE_MS : next - now;
    }

    const content = compose(ch, due, budget);
    const outcome = await ch.send(content);
    const at = Date.now();
    const ids = content.notifications.map((n) => n.id);
    if (outcome.ok) {
      await hooks.record([{ t: "sent", channel: name, ids, at, digest: content.digest }]);
      hooks.sent(name, content, at);
      return 0;
    }
    hooks.failed(name, outcome, ids.length);
    if (outcome.kind === "rejected") {
      await hooks.record([{ t: "dead", channel: name, ids, at, reason: `${outcome.code}: ${outcome.message}` }]);
      return 0;
    }
    const attempts =
      Math.max(...content.notifications.map((n) => state.deliveries.get(n.id)?.get(name)?.attempts ?? 0)) + 1;
    const wait =
      outcome.kind === "throttled"
        ? Math.max(
            outcome.retryAfterMs ?? WINDOW_MS,
            backoffMs(attempts, retry.initial_seconds * 1000, retry.max_seconds * 1000),
          )
        : outcome.kind === "config"
          ? retry.probe_failing_minutes * 60_000
          : backoffMs(attempts, retry.initial_seconds * 1000, retry.max_seconds * 1000);
    const wasFailing = !!st.failing;
    await hooks.record([
      {
        t: "fail",
        channel: name,
        ids,
        at,
        kind: outcome.kind,
        code: outcome.code,
        message: outcome.message,
        next_at: at + wait,
      },
    ]);
    if (outcome.kind === "config" && !wasFailing) await hooks.channelFailing(name, outcome);
    return 0;
  }

  async function pump(name: string) {
    while (!stopped && channels.has(name)) {
      let wait: number;
      try {
        wait = await step(name);
      } catch (err) {
        // A bug in one step must not stop the channel for good.
        console.error(err);
        wait = 1000;
      }
      if (wait > 0 && !stopped) await sleep(name, wait);
    }
    running.delete(name);
  }

  return {
    wake(name) {
      for (const [n, w] of wakers) if (!name || n === name) w();
    },
    setChannels(next, r, ro) {
      for (const [n, old] of channels) if (next.get(n) !== old) old.close?.();
      channels = next;
      retry = r;
      render = ro;
      for (const n of channels.keys()) if (!running.has(n)) running.set(n, pump(n));
      this.wake();
    },
    async stop() {
      stopped = true;
      this.wake();
      await Promise.all(running.values());
      for (const ch of channels.values()) ch.close?.();
    },
  };
}
