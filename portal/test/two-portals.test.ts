// Two portals sharing one Redis (portal.shared_redis), each with its own data directory as on two
// servers, and the real deploy exporter as the live stream's source: a sign-out on one ends the
// session on the other; sign-in failures on one count on the other; 10,000 streams split over
// both all get a deploy event, with the same id on each; the portal relaying the upstreams is
// killed (SIGKILL), the other takes over, and the killed one's tabs reconnect to it with their
// Last-Event-ID and get what happened meanwhile.
import { writeFileSync } from "node:fs";
import type http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { createClient } from "redis";
import { hashPassword } from "@opsdeck/core";
import { freePort, launchExporter, launchPortal, startQueueRedis, type Proc } from "@opsdeck/stack";
import { openStream, postJson } from "@opsdeck/stack/bench-stats";
import { eventually, tempDir, TOKEN, writeConfig } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn } from "./signin.ts";

const STREAMS = 10_000;
const OPS_HASH = await hashPassword("ops-password-1");
const dir = tempDir("two-portals");
const procs: Proc[] = [];
const streams: http.ClientRequest[] = [];
let deployUrl: string;
let redisUrl: string;
const portals: { name: string; base: string; proc: Proc }[] = [];

beforeAll(async () => {
  const redis = await startQueueRedis({ dir: join(dir, "redis") });
  procs.push(redis.proc);
  redisUrl = redis.url;
  const exporters = await writeConfig(tempDir("two-portals-exporters"));
  deployUrl = exporters.urls.deploy;
  procs.push(await launchExporter("deploy", { configFile: exporters.file, url: deployUrl }));
  for (const name of ["portal-a", "portal-b"]) {
    const port = await freePort();
    const file = join(dir, `${name}.yml`);
    writeFileSync(
      file,
      stringify({
        log: { level: "warn" },
        portal: {
          port,
          instance: name,
          data_dir: `data/${name}`,
          shared_redis: redis.url,
          session_secret: "two-portals-session-secret-0123456789",
          users: [{ name: "ops", password_hash: OPS_HASH, role: "operator" }],
          sign_in: { max_failures: 3, window_minutes: 15, user_backoff_max_seconds: 30 },
          trusted_proxies: [],
          sources: { deploy_url: deployUrl },
        },
      }),
    );
    const base = `http://127.0.0.1:${port}`;
    const proc = await launchPortal({ configFile: file, url: base, logFile: join(dir, `${name}.log`) });
    procs.push(proc);
    portals.push({ name, base, proc });
  }
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.destroy();
  for (const proc of procs.reverse()) await proc.stop().catch(() => undefined);
});

const pageStatus = async (base: string, cookie: string) =>
  (await fetch(`${base}/dashboards`, { headers: { cookie }, redirect: "manual" })).status;

async function attempt(base: string, name: string, password: string) {
  const res = await fetch(`${base}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name, password }),
    redirect: "manual",
  });
  return res.headers.get("location") ?? "";
}

/** Opens `count` streams to a portal, 200 at a time; each collects the ids of the events naming `marker`. */
async function openStreams(base: string, cookie: string, count: number, marker: RegExp, lastEventId?: string) {
  const seen: string[][] = [];
  for (let i = 0; i < count; i += 200)
    await Promise.all(
      Array.from({ length: Math.min(200, count - i) }, async () => {
        const ids: string[] = [];
        seen.push(ids);
        const headers: Record<string, string> = { cookie, ...(lastEventId ? { "last-event-id": lastEventId } : {}) };
        streams.push(
          await openStream(`${base}/api/stream`, headers, (chunk) => {
            // One frame per event: "id: …\nevent: …\ndata: …"; a chunk may hold several.
            for (const frame of chunk.toString().split("\n\n"))
              if (marker.test(frame)) ids.push(/^id: (\d+)$/m.exec(frame)?.[1] ?? "?");
          }),
        );
      }),
    );
  return seen;
}

describe("two portals sharing a Redis", () => {
  let cookie: string;

  it("end a session signed out on either, and count sign-in failures on both", async () => {
    const [a, b] = portals;
    cookie = cookieHeader(await signIn(a.base, "ops", "ops-password-1"));
    expect(await pageStatus(b.base, cookie)).toBe(200);
    const signedOut = await fetch(`${a.base}/api/auth/signout`, {
      method: "POST",
      headers: { cookie },
      redirect: "manual",
    });
    expect(signedOut.status).toBe(303);
    // The other portal follows the sign-out stream: within the stream's delay, not a poll.
    const after = await eventually(
      () => pageStatus(b.base, cookie),
      (status) => status !== 200,
      2_000,
    );
    expect(after >= 300 && after < 400).toBe(true); // to the sign-in page

    for (let i = 0; i < 3; i++) expect(await attempt(a.base, "ops", "wrong")).toBe("/signin?error=bad");
    // The fourth try, on the other portal and with the right password, waits out the back-off.
    expect(await attempt(b.base, "ops", "ops-password-1")).toMatch(/^\/signin\?error=too_many/);
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    expect(await attempt(b.base, "ops", "ops-password-1")).toBe("/");
    cookie = cookieHeader(await signIn(b.base, "ops", "ops-password-1"));
  }, 60_000);

  let lastId: string;
  let held: string[][];

  it(`deliver a deploy event to ${STREAMS.toLocaleString("en")} streams split over both, with one id`, async () => {
    const [a, b] = portals;
    const marker = /fanout-deploy/;
    const onA = await openStreams(a.base, cookie, STREAMS / 2, marker);
    const onB = await openStreams(b.base, cookie, STREAMS / 2, marker);
    await postJson(
      `${deployUrl}/api/v1/deploys`,
      { id: "fanout-deploy", project: "shop", environment: "production" },
      TOKEN,
    );
    const all = [...onA, ...onB];
    const missing = await eventually(
      async () => all.filter((ids) => ids.length === 0).length,
      (left) => left === 0,
      30_000,
    );
    expect(missing).toBe(0);
    // Exactly once on each stream, and the same event id on both portals.
    expect(new Set(all.map((ids) => ids.join(",")))).toEqual(new Set([onA[0][0]]));
    lastId = onA[0][0];
    held = onA;
  }, 180_000);

  it("lose the portal that relays: the other takes over, and the killed one's tabs resume on it", async () => {
    const redis = createClient({ url: redisUrl });
    await redis.connect();
    const relaying = await redis.get("opsdeck:portal:leader");
    await redis.quit();
    const victim = portals.find((p) => p.name === relaying)!;
    const survivor = portals.find((p) => p !== victim)!;
    expect(victim).toBeDefined();
    process.kill(-victim.proc.child.pid!, "SIGKILL");
    await victim.proc.exited;
    // While nobody relays (until the lease runs out), a step happens.
    await postJson(
      `${deployUrl}/api/v1/deploys/fanout-deploy/steps`,
      { name: "while-failing-over", status: "running" },
      TOKEN,
    );
    // The killed portal's tabs reconnect to the survivor, as the front door sends them, with their last id.
    const resumed = await openStreams(survivor.base, cookie, held.length, /while-failing-over/, lastId);
    const missing = await eventually(
      async () => resumed.filter((ids) => ids.length === 0).length,
      (left) => left === 0,
      45_000,
    );
    expect(missing).toBe(0);
    for (const ids of resumed) {
      expect(ids).toHaveLength(1);
      expect(Number(ids[0])).toBeGreaterThan(Number(lastId));
    }
  }, 180_000);
});
