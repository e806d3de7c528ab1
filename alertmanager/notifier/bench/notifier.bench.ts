// Notifier: webhook ingest (payloads/s, time to 2xx with the durable write) at full speed and at
// a steady 200 payloads/s; delivery latency from the webhook POST to the robot's receipt under
// the rate budget, beside a bare POST to the same stand-in; RSS. Journal on disk, on tmpfs for
// comparison, and the Redis queue (one instance, appendfsync always). The runs leave ~15,000
// notifications in the history: RSS is read right after them, and 15 and 30 s later (V8's memory
// reducer collects some seconds after the allocation stops; until then garbage counts).
import { existsSync } from "node:fs";
import { postJson, serviceMemory, summary, timed, type Row } from "@opsdeck/stack/bench-stats";
import { startQueueRedis } from "@opsdeck/stack";
import { tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { amAlert, amPayload, notifierEnv } from "../test/harness.ts";
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";

const post = (url: string, body: unknown) => postJson(url, body, TOKEN);

export async function benchNotifier(): Promise<{ ingest: Row[]; delivery: Row[]; rss: Row[] }> {
  const ingest: Row[] = [];
  const delivery: Row[] = [];
  const rss: Row[] = [];
  const roots: [string, Record<string, string>][] = [["disk (fsync)", {}]];
  if (existsSync("/dev/shm"))
    roots.push(["tmpfs (no fsync cost)", { data_dir: tempDir("bench-notifier-shm").replace(/^.*\//, "/dev/shm/") }]);
  roots.push(["redis (appendfsync always)", {}]);
  for (const [where, settings] of roots) {
    const redis = where.startsWith("redis")
      ? await startQueueRedis({ dir: tempDir("bench-notifier-redis") })
      : undefined;
    const ding = await dingtalkStandin({ fast: {} }, { ratePerMinute: 100_000 });
    const env = await notifierEnv({
      ...settings,
      ...(redis ? { queue: redis.url } : {}),
      channels: { fast: { type: "dingtalk", access_token: "fast", base_url: ding.url, rate_per_minute: 600 } },
      // "sink" is no receiver of this config and there is no default: ingest alone is measured,
      // with no delivery work competing for the two cores.
      receivers: { fast: { channels: ["fast"] } },
    });
    try {
      const url = `${env.url}/api/v1/alerts`;
      const memory = async (when: string) =>
        rss.push({ queue: where, notifier: when, ...(await serviceMemory(env.proc.child.pid!, env.url)) });
      if (!where.startsWith("tmpfs")) await memory("idle");
      // Full speed: 8 clients for 5 s.
      let i = 0;
      const ms: number[] = [];
      const end = performance.now() + 5000;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          while (performance.now() < end) {
            const [t] = await timed(() => post(url, amPayload("sink", [amAlert(`Ingest${i++}`)])));
            ms.push(t);
          }
        }),
      );
      ingest.push({
        journal: where,
        load: "8 clients, full speed",
        payloads_per_s: Math.round(ms.length / ((performance.now() - t0) / 1000)),
        ...summary(ms),
      });

      // A steady 200 payloads/s for 5 s.
      const steady: number[] = [];
      const s0 = performance.now();
      const pending: Promise<void>[] = [];
      for (let k = 0; k < 1000; k++) {
        const wait = s0 + k * 5 - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        pending.push(
          timed(() => post(url, amPayload("sink", [amAlert(`Steady${k}`)]))).then(([t]) => void steady.push(t)),
        );
      }
      await Promise.all(pending);
      ingest.push({ journal: where, load: "200 payloads/s", payloads_per_s: 200, ...summary(steady) });

      if (!where.startsWith("tmpfs")) {
        const before = ding.received.length;
        const sentAt = new Map<string, number>();
        for (let k = 0; k < 100; k++) {
          const name = `Latency${k}`;
          sentAt.set(name, performance.timeOrigin + performance.now());
          await post(url, amPayload("fast", [amAlert(name)]));
          await new Promise((r) => setTimeout(r, 200));
        }
        await new Promise((r) => setTimeout(r, 2000));
        const lat: number[] = [];
        for (const m of ding.received.slice(before)) {
          const name = /Latency\d+/.exec(m.text)?.[0];
          if (name && sentAt.has(name)) lat.push(m.at - sentAt.get(name)!);
        }
        delivery.push({ queue: where, path: "POST to notifier → robot receipt", ...summary(lat) });
        const direct: number[] = [];
        for (let k = 0; k < 100; k++) {
          const [t] = await timed(() =>
            post(`${ding.url}/robot/send?access_token=fast`, {
              msgtype: "markdown",
              markdown: { title: "x", text: "direct" },
            }),
          );
          direct.push(t);
        }
        delivery.push({ queue: where, path: "bare POST to the robot (comparison)", ...summary(direct) });
        await memory("right after ingest and delivery");
        for (const seconds of [15, 30]) {
          await new Promise((resolve) => setTimeout(resolve, 15_000));
          await memory(`${seconds} s later`);
        }
      }
    } finally {
      await env.proc.stop();
      await ding.close();
      await redis?.proc.stop();
    }
  }
  return { ingest, delivery, rss };
}
