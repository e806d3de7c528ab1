// The state keeps payloads in memory only while something is left to deliver.
import { mkdirSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { tempDir } from "@opsdeck/stack/testkit";
import { amAlert, amPayload } from "../test/harness.ts";
import type { Notification } from "./model.ts";
import { createNotifierState } from "./state.ts";

const HOUR = 3_600_000;
const NOW = Date.now();

function alertNotification(i: number, channels: string[], receivedAt = NOW): Notification {
  return {
    id: `n${String(i).padStart(6, "0")}`,
    kind: "alert",
    received_at: receivedAt,
    receiver: "team",
    payload: amPayload("team", [amAlert(`Shelf${i}`, { note: "x".repeat(500) })]),
    channels,
  };
}

describe("the notifier's state", () => {
  it("shelves a finished notification's payload, reads it back whole, and takes it back on a retry", () => {
    const dir = tempDir("state-shelf");
    const state = createNotifierState({ historyMs: 24 * HOUR, shelfDir: dir });
    const n = alertNotification(1, ["robot"]);
    state.apply({ t: "in", n });
    expect(state.shelfBytes().notifications).toBe(0);
    state.apply({
      t: "fail",
      channel: "robot",
      ids: [n.id],
      at: NOW,
      kind: "transient",
      code: "500",
      message: "no",
      next_at: NOW + 1000,
    });
    expect(state.shelfBytes().notifications).toBe(0); // still due: in memory

    state.apply({ t: "dead", channel: "robot", ids: [n.id], at: NOW, reason: "gave up" });
    expect(state.shelfBytes().notifications).toBeGreaterThan(500);
    expect(state.full(n.id)).toEqual(n);
    expect(state.head(n.id)?.brief).toMatchObject({ alertname: "Shelf1", alerts: 1, critical: true });
    // The file is unlinked at once: nothing to clean up after a kill.
    expect(readdirSync(dir)).toEqual([]);

    state.apply({ t: "retry", id: n.id, at: NOW + 2000 });
    expect(state.shelfBytes().notifications).toBe(0);
    expect(state.due("robot", NOW + 2000)).toEqual([n]);
    state.apply({ t: "sent", channel: "robot", ids: [n.id], at: NOW + 3000, digest: false });
    expect(state.full(n.id)).toEqual(n);
  });

  it("a snapshot holds whole notifications, as text copied from the shelf; a state loaded from it shelves the finished ones", () => {
    const state = createNotifierState({ historyMs: 24 * HOUR });
    const done = alertNotification(1, []);
    const waiting = alertNotification(2, ["robot"]);
    state.apply({ t: "in", n: done });
    state.apply({ t: "in", n: waiting });
    const snapshot = JSON.parse(state.dumpText().join(""));
    expect(snapshot).toEqual(JSON.parse(JSON.stringify(state.dump())));
    expect(snapshot.entries.map((e: { n: Notification }) => e.n)).toEqual([done, waiting]);

    const restored = createNotifierState({ historyMs: 24 * HOUR });
    restored.load(snapshot);
    expect(restored.full(done.id)).toEqual(done);
    expect(restored.due("robot", NOW)).toEqual([waiting]);
    expect(restored.shelfBytes().notifications).toBeGreaterThan(0);
    expect(restored.copyOf(done.payload, NOW, HOUR)).toBe(done.id);

    // A snapshot written before the shelf (notifications and deliveries side by side) still loads.
    const legacy = createNotifierState({ historyMs: 24 * HOUR });
    const { entries, ...rest } = snapshot;
    legacy.load({
      ...rest,
      notifications: entries.map((e: { n: Notification }) => e.n),
      deliveries: entries.map((e: { n: Notification; d: unknown }) => [e.n.id, e.d]),
    });
    expect(legacy.full(done.id)).toEqual(done);
    expect(legacy.due("robot", NOW)).toEqual([waiting]);
  });

  it("drops pruned payloads from the shelf's file once they are most of it, and keeps the rest readable", () => {
    const dir = tempDir("state-prune");
    mkdirSync(dir, { recursive: true });
    const state = createNotifierState({ historyMs: HOUR, shelfDir: dir });
    // ~20 MB of old finished notifications, then a few recent ones.
    const old = Array.from({ length: 4000 }, (_, i) => alertNotification(i, [], NOW - 2 * HOUR));
    for (const n of old) n.payload.alerts[0].annotations.description = "y".repeat(5000);
    const recent = Array.from({ length: 10 }, (_, i) => alertNotification(10_000 + i, []));
    for (const n of [...old, ...recent]) state.apply({ t: "in", n });
    expect(state.shelfBytes().file).toBeGreaterThan(20_000_000);

    state.prune(NOW);
    expect(state.size()).toBe(10);
    expect(state.shelfBytes().file).toBe(state.shelfBytes().notifications);
    for (const n of recent) expect(state.full(n.id)).toEqual(n);
  });

  it("finds a follow-up's thread by the alert it carried, else by its group", () => {
    const state = createNotifierState({ historyMs: 24 * HOUR });
    const first = alertNotification(1, []);
    const second = { ...alertNotification(2, []), payload: { ...first.payload, alerts: first.payload.alerts } };
    state.apply({ t: "in", n: first });
    state.apply({ t: "in", n: second });
    const alert = first.payload.alerts[0];
    expect(state.threadOf(alert, "team")?.id).toBe(second.id);
    const other = { ...alert, fingerprint: "0000000000000000" };
    expect(state.threadOf(other, "team")?.id).toBe(second.id); // same group labels
    expect(state.threadOf({ ...other, labels: { alertname: "Else" } }, "team")).toBeUndefined();
  });

  it("filters the history alike whether a notification is in memory or on the shelf, and counts the dead", () => {
    const state = createNotifierState({ historyMs: 24 * HOUR });
    const waiting = alertNotification(1, ["robot", "mail"]);
    const delivered = alertNotification(2, ["robot"]);
    const dead = alertNotification(3, ["mail"]);
    for (const n of [waiting, delivered, dead]) state.apply({ t: "in", n });
    state.apply({ t: "sent", channel: "robot", ids: [waiting.id, delivered.id], at: NOW, digest: true });
    state.apply({ t: "dead", channel: "mail", ids: [dead.id], at: NOW, reason: "gave up" });
    expect(state.finished(delivered.id)).toBe(true);
    expect(state.finished(waiting.id)).toBe(false);

    expect(state.history({})).toEqual([dead.id, delivered.id, waiting.id]);
    expect(state.history({ channel: "robot", state: "delivered" })).toEqual([delivered.id, waiting.id]);
    expect(state.history({ state: "pending" })).toEqual([waiting.id]);
    expect(state.history({ channel: "mail", state: "dead" })).toEqual([dead.id]);
    expect(state.history({ receiver: "else" })).toEqual([]);
    expect(state.history({}, delivered.id)).toEqual([waiting.id]);
    expect(state.deadCount("mail")).toBe(1);
    expect(state.deliveriesOf(delivered.id)?.get("robot")).toMatchObject({ state: "delivered", digest: true });
  });

  it("knows which alert groups fire critical, since when, and their newest such notification", () => {
    const state = createNotifierState({ historyMs: 24 * HOUR });
    const first = alertNotification(1, [], NOW - HOUR);
    const again = { ...alertNotification(2, [], NOW), payload: first.payload };
    state.apply({ t: "in", n: first });
    state.apply({ t: "in", n: again });
    expect([...state.criticalGroups()]).toEqual([
      { key: expect.stringContaining("Shelf1"), receiver: "team", since: NOW - HOUR, newest: again.id },
    ]);
    const [group] = state.criticalGroups();
    state.apply({ t: "escalated", group: group.key, at: NOW });
    expect([...state.criticalGroups()]).toEqual([]);
    // Resolved: it may escalate again when it fires again.
    const resolved = alertNotification(3, [], NOW + 1);
    resolved.payload = { ...first.payload, status: "resolved" };
    state.apply({ t: "in", n: resolved });
    state.apply({ t: "in", n: { ...alertNotification(4, [], NOW + 2), payload: first.payload } });
    expect([...state.criticalGroups()].map((g) => g.since)).toEqual([NOW + 2]);
  });
});
