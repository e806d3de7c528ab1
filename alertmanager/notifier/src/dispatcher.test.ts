// The delivery rules on a fake clock: the rate budget and digests, throttling, configuration
// failures, backoff, rejection and giving up.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import type { Channel, Content } from "./channels/index.ts";
import { createDispatcher, type Dispatcher } from "./dispatcher.ts";
import type { Notification, NotifierRecord, Outcome } from "./model.ts";
import { createNotifierState, type NotifierState } from "./state.ts";
import { systemNotification } from "./system.ts";

const retry = { initial_seconds: 1, max_seconds: 30, give_up_hours: 1, probe_failing_minutes: 2 };
const render = { lang: "en" as const, timezone: "UTC", links: {} };

let state: NotifierState;
let dispatcher: Dispatcher;
let sent: { at: number; content: Content }[];
let outcomes: Outcome[];
let failing: string[];

function channel(rate = 20): Channel {
  return {
    name: "robot",
    type: "dingtalk",
    ratePerMinute: rate,
    format: "markdown",
    digestFormat: "markdown",
    maxBytes: 20_000,
    measure: (_title: string, body: string) => Buffer.byteLength(body),
    suffix: "",
    async send(content) {
      const o = outcomes.shift() ?? { ok: true };
      if (o.ok) sent.push({ at: Date.now(), content });
      return o;
    },
  };
}

const note = (i: number): Notification =>
  systemNotification({
    kind: "alert",
    alertname: `A${i}`,
    severity: "critical",
    summary: `A${i}`,
    description: "",
    channels: ["robot"],
  });

async function setup(rate = 20) {
  state = createNotifierState({ historyMs: 86_400_000 });
  sent = [];
  outcomes = [];
  failing = [];
  const record = async (rs: NotifierRecord[]) => rs.forEach(state.apply);
  dispatcher = createDispatcher(state, {
    record,
    channelFailing: async (c) => void failing.push(c),
    sent: () => {},
    failed: () => {},
  });
  dispatcher.setChannels(new Map([["robot", channel(rate)]]), retry, render);
  await vi.advanceTimersByTimeAsync(0);
}

const enqueue = async (n: Notification[]) => {
  for (const x of n) state.apply({ t: "in", n: x });
  dispatcher.wake("robot");
  await vi.advanceTimersByTimeAsync(0);
};
const delivered = (id: string) => state.deliveriesOf(id)!.get("robot")!;

beforeEach(() => vi.useFakeTimers({ now: new Date("2026-01-01T00:00:00Z") }));
afterEach(async () => {
  await dispatcher.stop();
  vi.useRealTimers();
});

describe("dispatcher", () => {
  it("never sends more than the budget in a minute, and delivers everything through digests", async () => {
    await setup(20);
    const t0 = Date.now();
    const burst = Array.from({ length: 300 }, (_, i) => note(i));
    for (let i = 0; i < burst.length; i += 30) await enqueue(burst.slice(i, i + 30));
    await vi.advanceTimersByTimeAsync(59_000);
    const firstMinute = sent.filter((s) => s.at < t0 + 60_000);
    expect(firstMinute.length).toBeLessThanOrEqual(20);
    expect(firstMinute.some((s) => s.content.digest)).toBe(true);
    await vi.advanceTimersByTimeAsync(120_000);
    for (const n of burst) expect(delivered(n.id).state).toBe("delivered");
    for (const s of sent)
      expect(sent.filter((x) => x.at >= s.at && x.at < s.at + 60_000).length).toBeLessThanOrEqual(20);
  });

  it("waits out a throttle, then delivers", async () => {
    await setup();
    outcomes.push({ ok: false, kind: "throttled", code: "130101", message: "send too fast", retryAfterMs: 60_000 });
    const n = note(1);
    await enqueue([n]);
    expect(delivered(n.id)).toMatchObject({ state: "pending", attempts: 1, last_error: { code: "130101" } });
    await vi.advanceTimersByTimeAsync(55_000);
    expect(sent).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(20_000);
    expect(delivered(n.id).state).toBe("delivered");
  });

  it("marks a misconfigured channel failing, keeps its messages, tells once, and recovers on a probe", async () => {
    await setup();
    outcomes.push({ ok: false, kind: "config", code: "310000", message: "keywords not in content" });
    outcomes.push({ ok: false, kind: "config", code: "310000", message: "keywords not in content" });
    const [a, b] = [note(1), note(2)];
    await enqueue([a]);
    await enqueue([b]);
    expect(state.channels.get("robot")!.failing).toMatchObject({ code: "310000" });
    expect(failing).toEqual(["robot"]);
    expect(delivered(b.id).state).toBe("pending");
    await vi.advanceTimersByTimeAsync(2 * 60_000 + 1000); // first probe: still failing
    expect(failing).toEqual(["robot"]); // said once, not on every probe
    await vi.advanceTimersByTimeAsync(2 * 60_000 + 1000); // second probe: fixed
    await vi.advanceTimersByTimeAsync(10_000);
    expect(state.channels.get("robot")!.failing).toBeUndefined();
    expect([delivered(a.id).state, delivered(b.id).state]).toEqual(["delivered", "delivered"]);
  });

  it("backs off exponentially on transient errors", async () => {
    await setup();
    for (let i = 0; i < 3; i++) outcomes.push({ ok: false, kind: "transient", code: "-1", message: "system busy" });
    const n = note(1);
    await enqueue([n]);
    // The wait chosen after each failure: 1 s, then 2 s, then 4 s, each ±20 % jitter.
    const wait = () => delivered(n.id).next_at - delivered(n.id).last_error!.at;
    expect(wait()).toBeGreaterThanOrEqual(800);
    expect(wait()).toBeLessThanOrEqual(1200);
    await vi.advanceTimersByTimeAsync(1300);
    expect(delivered(n.id).attempts).toBe(2);
    expect(wait()).toBeGreaterThanOrEqual(1600);
    expect(wait()).toBeLessThanOrEqual(2400);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(delivered(n.id)).toMatchObject({ state: "delivered", attempts: 4 });
  });

  it("makes a message the provider can never take a dead letter", async () => {
    await setup();
    outcomes.push({ ok: false, kind: "rejected", code: "460101", message: "message too long" });
    const n = note(1);
    await enqueue([n]);
    expect(delivered(n.id)).toMatchObject({ state: "dead", last_error: { message: "460101: message too long" } });
  });

  it("gives up after give_up_hours, keeping the message as a dead letter", async () => {
    await setup();
    for (let i = 0; i < 1000; i++)
      outcomes.push({ ok: false, kind: "transient", code: "timeout", message: "no answer" });
    const n = note(1);
    await enqueue([n]);
    await vi.advanceTimersByTimeAsync(3_600_000 + 60_000);
    expect(delivered(n.id)).toMatchObject({ state: "dead", last_error: { message: "not delivered within 1 h" } });
  });
});
