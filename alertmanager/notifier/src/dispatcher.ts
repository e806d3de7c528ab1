// Delivery, one pump per channel: each step runs the stages of stages.ts in order
// (gate → expire → compose → send → settle) and says how long to wait before the next.
import type { NotifierConfig } from "@opsdeck/core";
import type { Channel } from "./channels/index.ts";
import type { RenderOptions } from "./render.ts";
import { compose, expire, gate, settle, wantsDigest, type DispatcherHooks, type StageContext } from "./stages.ts";
import type { NotifierState } from "./state.ts";

const IDLE_MS = 30_000;

export interface Dispatcher {
  wake(channel?: string): void;
  setChannels(channels: Map<string, Channel>, retry: NotifierConfig["retry"], render: RenderOptions): void;
  stop(): Promise<void>;
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
      const timer = setTimeout(done, Math.max(0, Math.min(ms, IDLE_MS)));
      function done() {
        clearTimeout(timer);
        wakers.delete(name);
        resolve();
      }
      wakers.set(name, done);
    });

  /** One step of a channel's pump; returns how long to wait before the next. */
  async function step(name: string): Promise<number> {
    const channel = channels.get(name);
    if (!channel) return IDLE_MS;
    const context: StageContext = { name, channel, state, retry, render, hooks };
    const now = Date.now();
    const gated = gate(context, now);
    if ("waitMs" in gated) return gated.waitMs;
    // A failing channel the gate lets through is due its probe: the oldest pending messages go,
    // whenever their own retry was planned (a reload with a fixed configuration probes at once).
    const probing = !!state.channel(name).failing;
    const due = state.due(name, probing ? Infinity : now);
    if (await expire(context, due, now)) return 0;
    if (!due.length) {
      const next = state.nextDue(name);
      return next === undefined ? IDLE_MS : next - now;
    }
    // A single message carries its "what changed?" line (a digest names alerts only): asked for
    // now, at send time, and waited for no longer than its budget.
    if (!wantsDigest(channel, due.length, gated.budget)) await hooks.prepare?.([due[0]]);
    const content = compose(context, due, gated.budget);
    const reservation = await hooks.reserve?.(name, channel.ratePerMinute);
    if (reservation && "waitMs" in reservation) return reservation.waitMs;
    const outcome = await channel.send(content);
    await reservation?.done();
    await settle(context, content, outcome);
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
      for (const [channelName, wake] of wakers) if (!name || channelName === name) wake();
    },
    setChannels(next, nextRetry, nextRender) {
      for (const [channelName, old] of channels) if (next.get(channelName) !== old) old.close?.();
      channels = next;
      retry = nextRetry;
      render = nextRender;
      for (const channelName of channels.keys())
        if (!running.has(channelName)) running.set(channelName, pump(channelName));
      this.wake();
    },
    async stop() {
      stopped = true;
      this.wake();
      await Promise.all(running.values());
      for (const channel of channels.values()) channel.close?.();
    },
  };
}
