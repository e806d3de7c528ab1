// Notifiers on a shared Redis queue (notifier.queue: redis://…), against Debian's redis-server
// with appendfsync always: three instances deliver a 500-alert flood together while one is
// killed (kill -9) mid-flood; a restarted instance delivers its own entries first; and the
// Redis primary killed under Sentinel fails over with the notifiers following it.
import { afterAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import {
  QUEUE_REDIS_PASSWORD,
  SENTINEL_MASTER,
  sentinelQueueUrl,
  startQueueRedis,
  startSentinel,
  type Proc,
} from "@opsdeck/stack";
import { eventually, getJson, scrape, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { dingtalkStandin, type DingtalkRobot } from "@opsdeck/stack/chat-standins";
import { amAlert, amPayload, notifierEnv, type NotifierEnv } from "./harness.ts";
import { GROUP, KEYS } from "../src/queue/redis-queue.ts";

const SECRET = "SECqueue0123456789abcdef01234567";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
});

async function dingtalk(robot: DingtalkRobot = { secret: SECRET }) {
  const ding = await dingtalkStandin({ robot }, { ratePerMinute: 20 });
  cleanups.push(() => ding.close());
  return ding;
}

async function notifiers(queue: string, names: string[], dingUrl: string, extra: Record<string, unknown> = {}) {
  const envs: NotifierEnv[] = [];
  for (const instance of names) {
    const env = await notifierEnv({
      queue,
      instance,
      claim_idle_seconds: 5,
      // Small messages: the flood needs more than a minute's budget, so the instances contend for it.
      channels: {
        robot: { type: "dingtalk", access_token: "robot", secret: SECRET, base_url: dingUrl, max_bytes: 2500 },
      },
      receivers: { default: { channels: ["robot"] } },
      ...extra,
    });
    cleanups.push(() => env.proc.stop());
    envs.push(env);
  }
  return envs;
}

async function kill9Proc(proc: Proc) {
  process.kill(-proc.child.pid!, "SIGKILL");
  await proc.exited;
}
const kill9 = (env: NotifierEnv) => kill9Proc(env.proc);

/** Posts a webhook as a load balancer in front of the notifiers would: the next one on refusal or 5xx. */
async function post(envs: NotifierEnv[], start: number, body: unknown): Promise<void> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const env = envs[(start + attempt) % envs.length];
    const answer = await fetch(`${env.url}/api/v1/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}` },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    }).catch(() => undefined);
    if (answer?.ok) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error("no notifier took the webhook");
}

/** An alert with long Chinese and English annotations: a digest holds fewer, so the flood needs many messages. */
const longAlert = (name: string) => ({
  ...amAlert(name, { app: "shop" }),
  annotations: {
    summary: `${name}: 订单服务 "shop" 的响应时间超过 2 秒，影响下单与支付`,
    description: `p95 latency of "shop" on web-1 is above 2 s\nfor 10 minutes; 检查数据库连接池与慢查询。`.repeat(2),
  },
});

const namesIn = (ding: Awaited<ReturnType<typeof dingtalk>>) =>
  ding.received.filter((m) => m.robot === "robot").flatMap((m) => [...new Set(m.text.match(/Flood\d{3}/g) ?? [])]); // a message names an alert in its title and its body

function expectWithinBudget(ding: Awaited<ReturnType<typeof dingtalk>>) {
  expect(ding.rejected).toEqual([]); // DingTalk refuses the 21st message in a minute (130101)
  const times = ding.received.map((m) => m.at).sort((a, b) => a - b);
  for (let i = 20; i < times.length; i++) expect(times[i] - times[i - 20]).toBeGreaterThanOrEqual(60_000);
}

describe("notifiers on a shared Redis queue", () => {
  it("deliver a 500-alert flood together, one killed mid-flood, within the robot's budget in any minute", async () => {
    const redis = await startQueueRedis({ dir: tempDir("queue-redis") });
    cleanups.push(() => redis.proc.stop());
    const ding = await dingtalk();
    const envs = await notifiers(redis.url, ["n1", "n2", "n3"], ding.url);
    const names = Array.from({ length: 500 }, (_, i) => `Flood${String(i).padStart(3, "0")}`);
    const send = async (from: number, to: number, live: NotifierEnv[]) => {
      for (let i = from; i < to; i += 25)
        await Promise.all(
          names
            .slice(i, Math.min(to, i + 25))
            .map((name, k) => post(live, i + k, amPayload("default", [longAlert(name)]))),
        );
    };
    await send(0, 250, envs);
    // The one delivering the most is killed once the robot has begun taking the flood.
    await eventually(
      async () => ding.received.length,
      (count) => count >= 2,
      60_000,
    );
    const holding = await Promise.all(
      envs.map(async (env) => (await getJson(`${env.url}/healthz`)).delivering as number),
    );
    const victim = holding.indexOf(Math.max(...holding));
    await kill9(envs[victim]);
    const survivors = envs.filter((_, i) => i !== victim);
    await send(250, 500, survivors);

    const missing = await eventually(
      async () => names.filter((name) => !namesIn(ding).includes(name)),
      (left) => left.length === 0,
      300_000,
    );
    expect(missing).toEqual([]);
    // Sent twice only what the killed one had taken and not yet recorded as sent.
    const duplicates = namesIn(ding).length - names.length;
    expect(duplicates).toBeLessThanOrEqual(holding[victim]);
    expectWithinBudget(ding);
    // The survivors took over the killed one's entries after claim_idle_seconds.
    const claimed = (
      await Promise.all(
        survivors.map(async (env) => (await scrape(env.url)).get("opsdeck_notifier_queue_claimed_total") ?? 0),
      )
    ).reduce((a, b) => a + b, 0);
    expect(claimed).toBeGreaterThan(0);
    // Every instance reads the same history from the shared journal, nothing left pending.
    for (const env of survivors) {
      const pending = await getJson(`${env.url}/api/v1/notifications?state=pending&limit=500`);
      expect(pending.notifications).toEqual([]);
    }
    // The killed one comes back with the whole history, holding nothing.
    await envs[victim].start();
    const all = await getJson(`${envs[victim].url}/api/v1/notifications?kind=alert&limit=500`);
    expect(all.notifications).toHaveLength(500);
    // Acknowledged entries are trimmed from the queue (by the leader, every 5 s); none is pending.
    const client = createClient({ url: redis.url });
    await client.connect();
    cleanups.push(() => client.quit());
    const queue = await eventually(
      async () => ({
        length: await client.xLen(KEYS.queue),
        pending: (await client.xPending(KEYS.queue, GROUP)).pending,
      }),
      (q) => q.length <= 1 && q.pending === 0,
      30_000,
    );
    expect(queue.pending).toBe(0);
    expect(queue.length).toBeLessThanOrEqual(1);
  }, 480_000);

  it("a restarted notifier delivers the entries it held first, without waiting to take them over", async () => {
    const redis = await startQueueRedis({ dir: tempDir("queue-redis") });
    cleanups.push(() => redis.proc.stop());
    const robot: DingtalkRobot = { secret: SECRET, failWith: { errcode: -1, errmsg: "系统繁忙" } };
    const ding = await dingtalk(robot);
    // Taking over would take an hour: only reading its own entries first delivers them now.
    const [env] = await notifiers(redis.url, ["solo"], ding.url, { claim_idle_seconds: 3600 });
    for (const [i, name] of ["Held000", "Held001", "Held002"].entries())
      await post([env], i, amPayload("default", [amAlert(name)]));
    await eventually(
      async () => ding.rejected.length,
      (count) => count >= 1,
      20_000,
    ); // tried, failed: held
    await kill9(env);
    robot.failWith = undefined;
    await env.start();
    const named = await eventually(
      async () => new Set(ding.received.flatMap((m) => m.text.match(/Held\d{3}/g) ?? [])),
      (seen) => seen.size === 3,
      20_000,
    );
    expect([...named].sort()).toEqual(["Held000", "Held001", "Held002"]);
    expect((await scrape(env.url)).get("opsdeck_notifier_queue_claimed_total") ?? 0).toBe(0);
  }, 120_000);

  it("follows a Sentinel failover: the Redis primary killed, the replica promoted, alerts before and after delivered", async () => {
    const dir = tempDir("queue-sentinel");
    const primary = await startQueueRedis({ dir: `${dir}/primary` });
    const replica = await startQueueRedis({ dir: `${dir}/replica`, replicaOf: primary.port });
    cleanups.push(
      () => primary.proc.stop(),
      () => replica.proc.stop(),
    );
    const sentinels = [];
    for (const i of [1, 2, 3]) {
      const sentinel = await startSentinel({ dir: `${dir}/sentinel-${i}`, primaryPort: primary.port });
      cleanups.push(() => sentinel.proc.stop());
      sentinels.push(sentinel);
    }
    const ding = await dingtalk();
    const envs = await notifiers(sentinelQueueUrl(sentinels.map((s) => s.port)), ["s1", "s2"], ding.url);
    const names = Array.from({ length: 40 }, (_, i) => `Flood${String(i).padStart(3, "0")}`);
    const send = (batch: string[], offset: number) =>
      Promise.all(batch.map((name, k) => post(envs, offset + k, amPayload("default", [amAlert(name)]))));
    await send(names.slice(0, 20), 0);
    await eventually(
      async () => namesIn(ding).length,
      (count) => count >= 20,
      60_000,
    );

    await kill9Proc(primary.proc);
    // The webhooks that arrive while Sentinel fails over are refused (5xx) and posted again, as Alertmanager does.
    await send(names.slice(20), 20);
    const sentinel = createClient({ socket: { port: sentinels[0].port }, password: QUEUE_REDIS_PASSWORD });
    await sentinel.connect();
    cleanups.push(() => sentinel.quit());
    const promoted = await eventually(
      async () => (await sentinel.sendCommand(["SENTINEL", "get-master-addr-by-name", SENTINEL_MASTER])) as string[],
      (address) => address?.[1] === String(replica.port),
      60_000,
    );
    expect(promoted[1]).toBe(String(replica.port));
    const missing = await eventually(
      async () => names.filter((name) => !namesIn(ding).includes(name)),
      (left) => left.length === 0,
      120_000,
    );
    expect(missing).toEqual([]);
    expectWithinBudget(ding);
  }, 300_000);
});
