// Notifier: webhook ingest (payloads/s, time to 2xx with the durable write) at full speed and at
// a steady 200 payloads/s; delivery latency from the webhook POST to the robot's receipt under
// the rate budget, beside a bare POST to the same stand-in; RSS. Journal on disk, and on tmpfs
// for comparison.
import { existsSync } from "node:fs";
import { postJson, serviceMemory, summary, timed, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { amAlert, amPayload, notifierEnv } from "../test/harness.ts";
import { dingtalkStandin } from "@opsdeck/stack/chat-standins";

const post = (url: string, body: unknown) => postJson(url, body, TOKEN);

export async function benchNotifier(): Promise<{ ingest: Row[]; delivery: Row[]; rss: Row[] }> {
  const ingest: Row[] = [];
  const delivery: Row[] = [];
  const rss: Row[] = [];
  const roots: [string, string | undefined][] = [["disk (fsync)", undefined]];
  if (existsSync("/dev/shm"))
    roots.push(["tmpfs (no fsync cost)", tempDir("bench-notifier-shm").replace(/^.*\//, "/dev/shm/")]);
  for (const [where, dataDir] of roots) {
    const ding = await dingtalkStandin({ fast: {} }, { ratePerMinute: 100_000 });
    const env = await notifierEnv({
      ...(dataDir ? { data_dir: dataDir } : {}),
      channels: { fast: { type: "dingtalk", access_token: "fast", base_url: ding.url, rate_per_minute: 600 } },
      // "sink" is no receiver of this config and there is no default: ingest alone is measured,
      // with no delivery work competing for the two cores.
      receivers: { fast: { channels: ["fast"] } },
    });
    try {
      const url = `${env.url}/api/v1/alerts`;
      if (where.startsWith("disk"))
        rss.push({ notifier: "idle", ...(await serviceMemory(env.proc.child.pid!, env.url)) });
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

      if (where.startsWith("disk")) {
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
        delivery.push({ path: "POST to notifier → robot receipt", ...summary(lat) });
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
        delivery.push({ path: "bare POST to the robot (comparison)", ...summary(direct) });
        rss.push({ notifier: "after ingest and delivery", ...(await serviceMemory(env.proc.child.pid!, env.url)) });
      }
    } finally {
      await env.proc.stop();
      await ding.close();
    }
  }
  return { ingest, delivery, rss };
}
