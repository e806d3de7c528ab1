// Two portals sharing one Redis (portal.shared_redis), each with its own data directory as on two
// servers, and the real deploy exporter as the live stream's source: a sign-out on one ends the
// session on the other; sign-in failures on one count on the other; 10,000 streams split over
// both all get a deploy event, with the same id on each; the portal relaying the upstreams is
// killed (SIGKILL), the other takes over, and the killed one's tabs reconnect to it with their
// Last-Event-ID and get what happened meanwhile.
import type http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient } from "redis";
import { postJson } from "@opsdeck/stack/bench-stats";
import { eventually, TOKEN } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn } from "./signin.ts";
import { openStreams as open, PAIR_USER, startPortals, type PortalPair } from "./portal-pair.ts";

const STREAMS = 10_000;
let pair: PortalPair;
const streams: http.ClientRequest[] = [];

beforeAll(async () => {
  pair = await startPortals({ count: 2, shared: true });
}, 120_000);
afterAll(async () => {
  for (const stream of streams) stream.destroy();
  await pair?.stop();
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

/** Streams to a portal, kept for closing; the events each sees matching `marker` (filled as they come). */
async function openStreams(base: string, cookie: string, count: number, marker: RegExp, lastEventId?: string) {
  const { seen, requests } = await open(base, cookie, count, marker, lastEventId);
  streams.push(...requests);
  return seen;
}
const idsOf = (events: { id: string }[]) => events.map((e) => e.id);

describe("two portals sharing a Redis", () => {
  let cookie: string;

  it("end a session signed out on either, and count sign-in failures on both", async () => {
    const [a, b] = pair.portals;
    cookie = cookieHeader(await signIn(a.base, PAIR_USER.name, PAIR_USER.password));
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
    cookie = cookieHeader(await signIn(b.base, PAIR_USER.name, PAIR_USER.password));
  }, 60_000);

  let lastId: string;
  /** Open streams by portal name, with the events each saw. */
  const held = new Map<string, { id: string }[][]>();

  /** The portal holding the lease: it relays the upstreams. */
  async function relaying() {
    const redis = createClient({ url: pair.redisUrl });
    await redis.connect();
    const name = await redis.get("opsdeck:portal:leader");
    await redis.quit();
    return pair.portals.find((p) => p.name === name)!;
  }

  it("relay the upstreams from the lease holder even while no tab is open on it", async () => {
    const leader = await relaying();
    const other = pair.portals.find((p) => p !== leader)!;
    const lonely = await openStreams(other.base, cookie, 1, /lonely-deploy/);
    await postJson(
      `${pair.deployUrl}/api/v1/deploys`,
      { id: "lonely-deploy", project: "shop", environment: "staging" },
      TOKEN,
    );
    expect(
      await eventually(
        async () => lonely[0].length,
        (count) => count === 1,
        10_000,
      ),
    ).toBe(1);
  }, 60_000);

  it(`deliver a deploy event to ${STREAMS.toLocaleString("en")} streams split over both, with one id`, async () => {
    const [a, b] = pair.portals;
    const marker = /fanout-deploy/;
    const onA = await openStreams(a.base, cookie, STREAMS / 2, marker);
    const onB = await openStreams(b.base, cookie, STREAMS / 2, marker);
    await postJson(
      `${pair.deployUrl}/api/v1/deploys`,
      { id: "fanout-deploy", project: "shop", environment: "production" },
      TOKEN,
    );
    const all = [...onA, ...onB];
    const missing = await eventually(
      async () => all.filter((events) => events.length === 0).length,
      (left) => left === 0,
      30_000,
    );
    expect(missing).toBe(0);
    // Exactly once on each stream, and the same event id on both portals.
    expect(new Set(all.map((events) => idsOf(events).join(",")))).toEqual(new Set([onA[0][0].id]));
    lastId = onA[0][0].id;
    held.set(a.name, onA).set(b.name, onB);
  }, 180_000);

  it("lose the portal that relays: the other takes over, and the killed one's tabs resume on it", async () => {
    const victim = await relaying();
    const survivor = pair.portals.find((p) => p !== victim)!;
    expect(victim).toBeDefined();
    process.kill(-victim.proc.child.pid!, "SIGKILL");
    await victim.proc.exited;
    // While nobody relays (until the lease runs out), a step happens.
    await postJson(
      `${pair.deployUrl}/api/v1/deploys/fanout-deploy/steps`,
      { name: "while-failing-over", status: "running" },
      TOKEN,
    );
    // The killed portal's tabs reconnect to the survivor, as the front door sends them, with their last id.
    const resumed = await openStreams(
      survivor.base,
      cookie,
      held.get(victim.name)!.length,
      /while-failing-over/,
      lastId,
    );
    const missing = await eventually(
      async () => resumed.filter((events) => events.length === 0).length,
      (left) => left === 0,
      45_000,
    );
    expect(missing).toBe(0);
    for (const events of resumed) {
      expect(events).toHaveLength(1);
      expect(Number(events[0].id)).toBeGreaterThan(Number(lastId));
    }
    // The survivor's own tabs, open all along, get it live: the deploy's creation, then the step.
    const stayed = held.get(survivor.name)!;
    await eventually(
      async () => stayed.filter((events) => events.length < 2).length,
      (left) => left === 0,
      10_000,
    );
    expect(new Set(stayed.map((events) => events.length))).toEqual(new Set([2]));
  }, 180_000);

  it("answer a sign-in at once while the shared Redis hangs, and keep signed-in users working", async () => {
    const live = pair.portals.find((p) => p.proc.child.exitCode === null && p.proc.child.signalCode === null)!;
    const redisPid = pair.redis!.child.pid!;
    process.kill(redisPid, "SIGSTOP");
    try {
      const started = performance.now();
      expect(await attempt(live.base, "ops", "ops-password-1")).toBe("/signin?error=unavailable");
      // Two seconds of waiting for Redis, not the front door's minute.
      expect(performance.now() - started).toBeLessThan(10_000);
      expect(await pageStatus(live.base, cookie)).toBe(200);
      for (const [language, text] of [
        ["en", "Sign-in is unavailable for now"],
        ["zh-CN", "登录暂不可用"],
      ]) {
        const page = await fetch(`${live.base}/signin?error=unavailable`, { headers: { "accept-language": language } });
        expect(await page.text()).toContain(text);
      }
    } finally {
      process.kill(redisPid, "SIGCONT");
    }
    expect(
      await eventually(
        () => attempt(live.base, "ops", "ops-password-1"),
        (location) => location === "/",
        15_000,
      ),
    ).toBe("/");
  }, 60_000);
});
