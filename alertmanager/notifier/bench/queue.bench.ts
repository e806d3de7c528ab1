// The notifier on a shared Redis queue (appendfsync always) beside its local journal: webhook
// ingest with 1 and 3 instances (8 clients, round-robin over the instances, as a load balancer
// would), delivery of what was taken in, the takeover time after kill -9, and each instance's RSS.
import { postJson, serviceMemory, summary, timed, type Row } from "@opsdeck/stack/bench-stats";
import { startQueueRedis } from "@opsdeck/stack";
import { eventually, getJson, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { dingtalkStandin, type DingtalkRobot } from "@opsdeck/stack/chat-standins";
import { amAlert, amPayload, notifierEnv, type NotifierEnv } from "../test/harness.ts";

const INGEST_MS = 5000;
const TAKEOVER_RUNS = 5;
const CLAIM_IDLE_SECONDS = 5;

async function instances(queue: string | undefined, count: number, dingUrl: string) {
  const envs: NotifierEnv[] = [];
  for (let i = 1; i <= count; i++)
    envs.push(
      await notifierEnv({
        ...(queue ? { queue, instance: `bench-${i}`, claim_idle_seconds: CLAIM_IDLE_SECONDS } : {}),
        channels: { fast: { type: "dingtalk", access_token: "fast", base_url: dingUrl, rate_per_minute: 600 } },
        receivers: { default: { channels: ["fast"] } },
      }),
    );
  return envs;
}

/** 8 clients at full speed for 5 s, round-robin over the instances; then how long until all is delivered. */
async function ingest(envs: NotifierEnv[], ding: Awaited<ReturnType<typeof dingtalkStandin>>, tag: string) {
  let i = 0;
  const ms: number[] = [];
  const t0 = performance.now();
  const end = t0 + INGEST_MS;
  await Promise.all(
    Array.from({ length: 8 }, async () => {
      while (performance.now() < end) {
        const n = i++;
        const url = `${envs[n % envs.length].url}/api/v1/alerts`;
        const [t, status] = await timed(() => postJson(url, amPayload("default", [amAlert(`${tag}${n}`)]), TOKEN));
        if (status !== 200) throw new Error(`webhook answered ${status}`);
        ms.push(t);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  // Delivered = no notification pending on any instance (digests carry the backlog).
  const drained = performance.now();
  await eventually(
    async () => {
      for (const env of envs)
        if ((await getJson(`${env.url}/api/v1/notifications?state=pending&limit=1`)).notifications.length) return false;
      return true;
    },
    (done) => done,
    600_000,
  );
  return {
    payloads: ms.length,
    payloads_per_s: Math.round(ms.length / seconds),
    ...summary(ms),
    drained_after_s: Math.round((performance.now() - drained) / 100) / 10,
  };
}

export async function benchQueue(): Promise<{ ingest: Row[]; takeover: Row[]; rss: Row[] }> {
  const ingestRows: Row[] = [];
  const takeover: Row[] = [];
  const rss: Row[] = [];
  const layouts: [string, number][] = [
    ["local journal (comparison)", 1],
    ["redis, 1 instance", 1],
    ["redis, 3 instances", 3],
  ];
  for (const [layout, count] of layouts) {
    const redis = layout.startsWith("redis") ? await startQueueRedis({ dir: tempDir("bench-queue") }) : undefined;
    const ding = await dingtalkStandin({ fast: {} }, { ratePerMinute: 100_000 });
    const envs = await instances(redis?.url, count, ding.url);
    try {
      ingestRows.push({ layout, ...(await ingest(envs, ding, `Ingest${count}`)) });
      for (const [n, env] of envs.entries())
        rss.push({ layout, instance: n + 1, ...(await serviceMemory(env.proc.child.pid!, env.url)) });
    } finally {
      for (const env of envs) await env.proc.stop();
      await ding.close();
      await redis?.proc.stop();
    }
  }

  // Takeover: the robot fails so every instance holds its entries; the one holding most is
  // killed, the robot recovers, and the clock runs until the last of the killed one's is delivered.
  const times: number[] = [];
  for (let run = 0; run < TAKEOVER_RUNS; run++) {
    const redis = await startQueueRedis({ dir: tempDir("bench-takeover") });
    const robot: DingtalkRobot = { failWith: { errcode: -1, errmsg: "系统繁忙" } };
    const ding = await dingtalkStandin({ fast: robot }, { ratePerMinute: 100_000 });
    const envs = await instances(redis.url, 3, ding.url);
    try {
      const names = Array.from({ length: 60 }, (_, k) => `Takeover${run}x${k}`);
      for (const [k, name] of names.entries())
        await postJson(`${envs[k % 3].url}/api/v1/alerts`, amPayload("default", [amAlert(name)]), TOKEN);
      const holding = await eventually(
        async () => Promise.all(envs.map(async (env) => (await getJson(`${env.url}/healthz`)).delivering as number)),
        (counts) => counts.reduce((a, b) => a + b, 0) === names.length,
        30_000,
      );
      const victim = holding.indexOf(Math.max(...holding));
      const before = new Set(ding.received.flatMap((m) => m.text.match(/Takeover\d+x\d+/g) ?? []));
      robot.failWith = undefined;
      const killedAt = performance.now();
      process.kill(-envs[victim].proc.child.pid!, "SIGKILL");
      await envs[victim].proc.exited;
      await eventually(
        async () => new Set(ding.received.flatMap((m) => m.text.match(/Takeover\d+x\d+/g) ?? [])).size,
        (seen) => seen === names.length,
        120_000,
      );
      if (before.size === names.length) throw new Error("everything was delivered before the kill");
      times.push(performance.now() - killedAt);
    } finally {
      for (const env of envs) await env.proc.stop().catch(() => undefined);
      await ding.close();
      await redis.proc.stop();
    }
  }
  takeover.push({
    case: `kill -9 → the killed instance's last notification delivered (claim_idle_seconds ${CLAIM_IDLE_SECONDS}, ${TAKEOVER_RUNS} runs)`,
    ...summary(times),
  });
  return { ingest: ingestRows, takeover, rss };
}
