// Each delivery stage alone, on a plain state and a fixed clock.
import { describe, expect, it } from "vitest";
import type { Channel } from "./channels/index.ts";
import type { Notification, NotifierRecord } from "./model.ts";
import { compose, expire, gate, settle, type StageContext } from "./stages.ts";
import { createNotifierState } from "./state.ts";
import { systemNotification } from "./system.ts";

const NOW = Date.parse("2026-01-01T00:10:00Z");
const retry = { initial_seconds: 1, max_seconds: 30, give_up_hours: 1, probe_failing_minutes: 2 };

const channel: Channel = {
  name: "robot",
  type: "dingtalk",
  ratePerMinute: 20,
  format: "markdown",
  digestFormat: "markdown",
  maxBytes: 20_000,
  measure: (_title: string, body: string) => Buffer.byteLength(body),
  suffix: "",
  send: async () => ({ ok: true }),
};

function context() {
  const state = createNotifierState({ historyMs: 86_400_000 });
  const records: NotifierRecord[] = [];
  const failing: string[] = [];
  const ctx: StageContext = {
    name: "robot",
    channel,
    state,
    retry,
    render: { lang: "en", timezone: "UTC", links: {} },
    hooks: {
      record: async (rs) => void rs.forEach((r) => (records.push(r), state.apply(r))),
      channelFailing: async (name) => void failing.push(name),
      sent: () => {},
      failed: () => {},
    },
  };
  return { ctx, state, records, failing };
}

const note = (i: number, receivedAt = NOW): Notification => ({
  ...systemNotification({
    kind: "alert",
    alertname: `A${i}`,
    severity: "warning",
    summary: `A${i}`,
    description: "",
    channels: ["robot"],
    now: receivedAt,
  }),
  received_at: receivedAt,
});

describe("delivery stages", () => {
  it("gate: passes with the whole budget, waits out a full minute, and holds a failing channel until its probe", () => {
    const { ctx, state } = context();
    expect(gate(ctx, NOW)).toEqual({ budget: 20 });
    state.channel("robot").sends.push(...Array.from({ length: 20 }, (_, i) => NOW - 30_000 + i));
    expect(gate(ctx, NOW)).toEqual({ waitMs: 30_001 });
    const failing = context();
    failing.state.channel("robot").failing = { code: "310000", message: "bad sign", since: NOW };
    failing.state.channel("robot").last_error = { code: "310000", message: "bad sign", at: NOW - 60_000 };
    expect(gate(failing.ctx, NOW)).toEqual({ waitMs: 60_000 });
  });

  it("expire: dead-letters what waited past give_up_hours, and nothing else", async () => {
    const { ctx, records } = context();
    const old = note(1, NOW - 2 * 3_600_000);
    expect(await expire(ctx, [note(2)], NOW)).toBe(false);
    expect(await expire(ctx, [old, note(3)], NOW)).toBe(true);
    expect(records).toEqual([
      expect.objectContaining({ t: "dead", ids: [old.id], reason: "not delivered within 1 h" }),
    ]);
  });

  it("compose: one message while the budget suffices, a digest naming every alert once the queue outgrows it", () => {
    const { ctx } = context();
    const single = compose(ctx, [note(1), note(2)], 20);
    expect(single).toMatchObject({
      digest: false,
      notifications: [expect.objectContaining({ id: expect.any(String) })],
    });
    expect(single.notifications).toHaveLength(1);
    const queue = Array.from({ length: 30 }, (_, i) => note(i));
    const digest = compose(ctx, queue, 20);
    expect(digest.digest).toBe(true);
    expect(digest.notifications).toHaveLength(30);
    for (let i = 0; i < 30; i++) expect(digest.body).toContain(`A${i}`);
  });

  it("settle: a throttled send waits at least the provider's window; a config error marks the channel failing once", async () => {
    const { ctx, state, records, failing } = context();
    const n = note(1);
    state.apply({ t: "in", n });
    const content = { title: "t", body: "b", notifications: [n], digest: false };
    await settle(ctx, content, {
      ok: false,
      kind: "throttled",
      code: "130101",
      message: "too fast",
      retryAfterMs: 60_000,
    });
    const throttled = records.at(-1)!;
    expect(throttled.t === "fail" && throttled.next_at - throttled.at).toBeGreaterThanOrEqual(60_000);
    await settle(ctx, content, { ok: false, kind: "config", code: "310000", message: "bad sign" });
    await settle(ctx, content, { ok: false, kind: "config", code: "310000", message: "bad sign" });
    expect(failing).toEqual(["robot"]);
    await settle(ctx, content, { ok: true });
    expect(state.deliveriesOf(n.id)!.get("robot")!.state).toBe("delivered");
  });

  it("settle: a message refused for its size is sent again at once and smaller, never dead-lettered for it", async () => {
    const { ctx, state, records } = context();
    const queue = Array.from({ length: 120 }, (_, i) => note(i));
    for (const n of queue) state.apply({ t: "in", n });
    const digest = compose(ctx, queue, 1);
    const size = channel.measure(digest.title, digest.body);
    await settle(ctx, digest, { ok: false, kind: "oversize", code: "460101", message: "too long" });
    const resend = records.at(-1)!;
    expect(resend).toMatchObject({ t: "fail", kind: "oversize", bytes: size });
    expect(resend.t === "fail" && resend.next_at === resend.at).toBe(true);
    expect(state.channel("robot")).toMatchObject({
      size_limit: Math.floor(size * 0.85),
      last_error: { code: "460101", message: "too long" },
    });
    expect(state.deliveriesOf(queue[0].id)!.get("robot")).toMatchObject({ state: "pending", attempts: 1 });
    // The next digest stays under what was refused and names fewer alerts; the rest stay queued.
    const smaller = compose(ctx, queue, 1);
    expect(channel.measure(smaller.title, smaller.body)).toBeLessThanOrEqual(Math.floor(size * 0.85));
    expect(smaller.notifications.length).toBeLessThan(digest.notifications.length);
  });

  it("settle: a refused message keeps its attempt and error, on the delivery and on the channel", async () => {
    const { ctx, state, records } = context();
    const n = note(1);
    state.apply({ t: "in", n });
    const tiny = { title: "t", body: "b", notifications: [n], digest: false };
    // Refused "for size" at one byte: not a size problem; a dead letter, with its attempt.
    await settle(ctx, tiny, { ok: false, kind: "oversize", code: "460101", message: "too long" });
    expect(records.map((r) => r.t)).toEqual(["fail", "dead"]);
    expect(state.deliveriesOf(n.id)!.get("robot")).toMatchObject({ state: "dead", attempts: 1 });
    expect(state.channel("robot").last_error).toMatchObject({ code: "460101" });
  });
});
