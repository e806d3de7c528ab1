// The journal stream on a real Redis: what one notifier writes another folds (at start and as it
// comes), and compaction into a snapshot loses nothing — a notifier started after it reads the
// same state, and records written after it still reach the others.
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { createLogger } from "@opsdeck/core";
import { startQueueRedis } from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { KEYS, openRedisQueue } from "../src/queue/redis-queue.ts";
import { createNotifierState } from "../src/state.ts";
import type { Notification, NotifierRecord } from "../src/model.ts";
import { amAlert, amPayload } from "./harness.ts";

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function instance(url: string, name: string) {
  const state = createNotifierState({ historyMs: 86_400_000 });
  const queue = await openRedisQueue({
    url,
    instance: name,
    claimIdleMs: 60_000,
    log: createLogger({ service: name, level: "error" }),
    apply: state.apply,
    dumpText: () => state.dumpText(),
    load: state.load,
    applied: () => undefined,
    finished: state.finished,
    took: () => undefined,
    copyWindowMs: () => 120_000,
    compactRecords: 100,
  });
  await queue.start();
  cleanups.push(() => queue.close());
  const record = async (records: NotifierRecord[]) => {
    for (const r of records) state.apply(r);
    await queue.write(records);
  };
  return { state, queue, record };
}

const notification = (i: number): Notification => ({
  id: `n${String(i).padStart(4, "0")}`,
  kind: "alert",
  received_at: Date.now(),
  receiver: "default",
  payload: amPayload("default", [amAlert(`Journal${i}`)]),
  channels: ["robot"],
});

/** What a state holds, comparable across instances. */
const view = (state: ReturnType<typeof createNotifierState>) => ({
  notifications: state.history({}).sort(),
  delivered: state.history({ channel: "robot", state: "delivered" }).length,
  sends: state.channel("robot").sends.length,
});

describe("the notifier's journal stream", () => {
  it("is folded by every instance, and compacted into a snapshot without losing a record", async () => {
    const redis = await startQueueRedis({ dir: tempDir("journal-redis") });
    cleanups.push(() => redis.proc.stop());
    const writer = await instance(redis.url, "a");
    for (let i = 0; i < 120; i++) {
      await writer.record([{ t: "in", n: notification(i) }]);
      if (i % 2 === 0)
        await writer.record([
          { t: "sent", channel: "robot", ids: [notification(i).id], at: Date.now(), digest: false },
        ]);
    }
    const reader = await instance(redis.url, "b");
    expect(view(reader.state)).toEqual(view(writer.state));

    // The writer's tail has reached its own records: it may compact (180 records ≥ 100).
    expect(
      await eventually(
        () => writer.queue.compact(),
        (done) => done,
        10_000,
      ),
    ).toBe(true);
    const client = createClient({ url: redis.url });
    await client.connect();
    cleanups.push(() => client.quit());
    expect(await client.xLen(KEYS.journal)).toBeLessThanOrEqual(1);
    expect(await client.exists(KEYS.snapshot)).toBe(1);

    const late = await instance(redis.url, "c");
    expect(view(late.state)).toEqual(view(writer.state));
    // Records after the snapshot reach every instance, the ones started before it and after.
    await writer.record([{ t: "in", n: notification(500) }]);
    for (const other of [reader, late])
      await eventually(
        async () => view(other.state),
        (v) => v.notifications.includes("n0500"),
        10_000,
      );
    expect(view(late.state)).toEqual(view(writer.state));
    expect(view(reader.state)).toEqual(view(writer.state));
  }, 60_000);
});
