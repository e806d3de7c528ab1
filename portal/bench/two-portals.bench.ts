// Two portals sharing a Redis beside one portal alone: 10,000 concurrent SSE streams (split over
// the two, or all on the one), a deploy's steps timed from the POST to every stream, each
// portal's RSS; then the takeover — the portal relaying the upstreams killed with SIGKILL, a
// step posted at once, timed until it reaches the survivor's streams.
import { memory, postJson, summary, type Row } from "@opsdeck/stack/bench-stats";
import { TOKEN } from "@opsdeck/stack/testkit";
import { createClient } from "redis";
import { cookieHeader, signIn } from "../test/signin.ts";
import { openStreams, PAIR_USER, startPortals } from "../test/portal-pair.ts";

const STREAMS = 10_000;
const STEPS = 5;
const TAKEOVER_RUNS = 3;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function benchTwoPortals(): Promise<{ fanout: Row[]; takeover: Row[] }> {
  const fanout: Row[] = [];
  for (const [layout, count] of [
    ["one portal (comparison)", 1],
    ["two portals on Redis", 2],
  ] as const) {
    const pair = await startPortals({ count, shared: count > 1 });
    try {
      const cookie = cookieHeader(await signIn(pair.portals[0].base, PAIR_USER.name, PAIR_USER.password));
      const deploy = `bench-pair-${count}`;
      const held = [];
      for (const portal of pair.portals)
        held.push(await openStreams(portal.base, cookie, STREAMS / count, /"step":"step-\d"/));
      await postJson(`${pair.deployUrl}/api/v1/deploys`, { id: deploy, project: "bench", environment: "bench" }, TOKEN);
      await sleep(2000);
      const latencies: number[] = [];
      let missed = 0;
      for (let step = 0; step < STEPS; step++) {
        const sent = Date.now();
        await postJson(
          `${pair.deployUrl}/api/v1/deploys/${deploy}/steps`,
          { name: `step-${step}`, status: "running" },
          TOKEN,
        );
        await sleep(4000);
        for (const { seen } of held)
          for (const events of seen) {
            const event = events[step];
            if (event) latencies.push(event.at - sent);
            else missed++;
          }
      }
      const streams = held.reduce((sum, h) => sum + h.requests.length, 0);
      for (const { requests } of held) for (const request of requests) request.destroy();
      const s = summary(latencies);
      fanout.push({
        layout,
        streams,
        event_p50_ms: s.p50_ms,
        event_p95_ms: s.p95_ms,
        event_max_ms: s.max_ms,
        missed,
        rss_mb: pair.portals.map((p) => memory(p.proc.child.pid!).rss_mb).join(" + "),
      });
    } finally {
      await pair.stop();
    }
  }

  const takeovers: number[] = [];
  for (let run = 0; run < TAKEOVER_RUNS; run++) {
    const pair = await startPortals({ count: 2, shared: true });
    try {
      const cookie = cookieHeader(await signIn(pair.portals[0].base, PAIR_USER.name, PAIR_USER.password));
      const deploy = `bench-takeover-${run}`;
      await postJson(`${pair.deployUrl}/api/v1/deploys`, { id: deploy, project: "bench", environment: "bench" }, TOKEN);
      const redis = createClient({ url: pair.redisUrl });
      await redis.connect();
      const relaying = await redis.get("opsdeck:portal:leader");
      await redis.quit();
      const victim = pair.portals.find((p) => p.name === relaying)!;
      const survivor = pair.portals.find((p) => p !== victim)!;
      const { seen, requests } = await openStreams(survivor.base, cookie, 100, /while-failing-over/);
      process.kill(-victim.proc.child.pid!, "SIGKILL");
      await victim.proc.exited;
      const sent = Date.now();
      await postJson(
        `${pair.deployUrl}/api/v1/deploys/${deploy}/steps`,
        { name: "while-failing-over", status: "running" },
        TOKEN,
      );
      while (seen.some((events) => !events.length) && Date.now() - sent < 60_000) await sleep(100);
      takeovers.push(Math.max(...seen.map((events) => (events[0]?.at ?? Infinity) - sent)));
      for (const request of requests) request.destroy();
    } finally {
      await pair.stop();
    }
  }
  return {
    fanout,
    takeover: [
      {
        case: `relaying portal killed → a step posted at once reaches the survivor's tabs (lease 15 s, ${TAKEOVER_RUNS} runs)`,
        ...summary(takeovers),
      },
    ],
  };
}
