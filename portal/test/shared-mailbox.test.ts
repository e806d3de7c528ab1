// A push host's recovery actions with two portals sharing a Redis (features/recovery/
// shared-mailbox.ts): the operator acts on one portal, the host's agent polls and answers on the
// other — as a load balancer may send them — and the operator gets the host's answer. A real
// Alertmanager holds the alert the action must fit; the agent is played by its two HTTP calls,
// with the host's own push token (the signature check is the agent's, tested in recovery.test).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { freePort, startAlertmanager, type Proc } from "@opsdeck/stack";
import { eventually, getJson, tempDir } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn } from "./signin.ts";
import { PAIR_USER, startPortals, type PortalPair } from "./portal-pair.ts";

const HOST = "edge-9";
const token = newPushToken();
const other = newPushToken();
let pair: PortalPair;
let alertmanager: { proc: Proc; url: string };

beforeAll(async () => {
  alertmanager = await startAlertmanager({
    dir: tempDir("mailbox-am"),
    port: await freePort(),
    config: "route: { receiver: none }\nreceivers: [{ name: none }]\n",
  });
  pair = await startPortals({
    count: 2,
    shared: true,
    config: {
      exporters: { pm2: { actions: { key: "mailbox-test-actions-key-0123456789abcdef" } } },
      hosts: [
        { name: HOST, address: HOST, mode: "push", push_token_sha256: token.sha256 },
        { name: "edge-other", address: "edge-other", mode: "push", push_token_sha256: other.sha256 },
      ],
    },
    sources: { alertmanager_url: alertmanager.url },
  });
}, 120_000);
afterAll(async () => {
  await pair?.stop();
  await alertmanager?.proc.stop();
});

const basic = (host: string, secret: string) => `Basic ${Buffer.from(`${host}:${secret}`).toString("base64")}`;

describe("a push host's action with two portals", () => {
  it("is made on one portal, fetched and answered on the other, and the answer reaches the operator", async () => {
    const [a, b] = pair.portals;
    const labels = {
      alertname: "PM2ProcessNotOnline",
      host: HOST,
      app: "edge-shop",
      app_instance: "0",
      severity: "warning",
    };
    const raised = await fetch(`${alertmanager.url}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify([{ labels, endsAt: new Date(Date.now() + 600_000).toISOString() }]),
    });
    expect(raised.status).toBe(200);
    const alert = await eventually(
      async () =>
        (
          (await getJson(`${alertmanager.url}/api/v2/alerts`)) as {
            fingerprint: string;
            labels: Record<string, string>;
          }[]
        ).find((x) => x.labels.host === HOST),
      (x) => x !== undefined,
      20_000,
    );

    const cookies = await signIn(a.base, PAIR_USER.name, PAIR_USER.password);
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    const operator = fetch(`${a.base}/api/recovery/actions`, {
      method: "POST",
      headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf, "content-type": "application/json" },
      body: JSON.stringify({
        fingerprint: alert!.fingerprint,
        action: { kind: "restart", app: "edge-shop", instance: 0 },
      }),
    });

    // The agent's long poll, on the other portal.
    const polled = await fetch(`${b.base}/api/agent/actions`, { headers: { authorization: basic(HOST, token.token) } });
    expect(polled.status).toBe(200);
    const { requests } = (await polled.json()) as { requests: { id: string; body: string; signature: string }[] };
    expect(requests).toHaveLength(1);
    expect(JSON.parse(requests[0].body)).toMatchObject({ host: HOST, action: { kind: "restart", app: "edge-shop" } });
    // Handed out once: a second poll gets nothing (204 after its wait) — cut short here.
    const again = await fetch(`${a.base}/api/agent/actions`, {
      headers: { authorization: basic(HOST, token.token) },
      signal: AbortSignal.timeout(1_500),
    }).catch(() => undefined);
    expect(again?.status ?? 204).toBe(204);

    // Another host cannot answer it; its own host can, once, on either portal.
    const answer = { status: 200, body: { status: "succeeded", steps: [] } };
    const post = (base: string, auth: string) =>
      fetch(`${base}/api/agent/actions/${requests[0].id}`, {
        method: "POST",
        headers: { authorization: auth, "content-type": "application/json" },
        body: JSON.stringify(answer),
      });
    expect((await post(b.base, basic("edge-other", other.token))).status).toBe(404);
    expect((await post(b.base, basic(HOST, token.token))).status).toBe(204);
    expect((await post(a.base, basic(HOST, token.token))).status).toBe(404);

    const result = await operator;
    expect(result.status).toBe(200);
    expect(await result.json()).toMatchObject({ status: "succeeded" });
  }, 90_000);

  it("tells the operator at once when Redis hangs, and the request never reaches the host", async () => {
    const [a, b] = pair.portals;
    const alert = (
      (await getJson(`${alertmanager.url}/api/v2/alerts`)) as { fingerprint: string; labels: Record<string, string> }[]
    ).find((x) => x.labels.host === HOST)!;
    const cookies = await signIn(a.base, PAIR_USER.name, PAIR_USER.password);
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    const redisPid = pair.redis!.child.pid!;
    process.kill(redisPid, "SIGSTOP");
    let result: Response;
    const started = performance.now();
    try {
      result = await fetch(`${a.base}/api/recovery/actions`, {
        method: "POST",
        headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf, "content-type": "application/json" },
        body: JSON.stringify({
          fingerprint: alert.fingerprint,
          action: { kind: "restart", app: "edge-shop", instance: 0 },
        }),
      });
    } finally {
      process.kill(redisPid, "SIGCONT");
    }
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.status).toBe(502);
    expect((await result.json()).error).toMatch(/^not sent to edge-9: /);
    // Redis back: the write it kept went in and was withdrawn behind it; the host finds nothing.
    const polled = await fetch(`${b.base}/api/agent/actions`, {
      headers: { authorization: basic(HOST, token.token) },
      signal: AbortSignal.timeout(3_000),
    }).catch(() => undefined);
    expect(polled?.status ?? 204).toBe(204);
  }, 60_000);
});
