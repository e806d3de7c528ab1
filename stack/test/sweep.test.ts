// The bad-input sweep: every HTTP endpoint of every OpsDeck service, called as a careless client
// and an attacker would — wrong method, wrong content type, malformed and oversized bodies,
// unknown fields, huge numbers, control characters, no credentials, the wrong role. Each answer
// must be a 4xx with a JSON error, and every service must still be serving afterwards.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { hashPassword } from "@opsdeck/core";
import { freePort, launchExporter, launchNotifier, launchPortal, stopAll, type Proc } from "@opsdeck/stack";
import { AXI_TOKEN, tempDir, TOKEN } from "@opsdeck/stack/testkit";

const BODY_LIMIT = 4096;
const CONTROL = "shop\u0000\u001b[31m\r\nx";
const procs: Proc[] = [];
const url: Record<"deploy" | "business" | "pm2" | "notifier" | "portal", string> = {} as never;
let operator: { cookie: string; csrf: string };
let viewer: { cookie: string; csrf: string };

async function signIn(name: string) {
  const res = await fetch(`${url.portal}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name, password: "sweep-password-1" }),
    redirect: "manual",
  });
  const cookies = res.headers.getSetCookie().map((c) => c.split(";")[0]);
  const csrf = cookies.find((c) => c.startsWith("opsdeck_csrf="))!.split("=")[1];
  return { cookie: cookies.join("; "), csrf };
}

beforeAll(async () => {
  const dir = tempDir("sweep");
  const port = { deploy: 0, business: 0, pm2: 0, notifier: 0, portal: 0 };
  for (const k of Object.keys(port) as (keyof typeof port)[]) {
    port[k] = await freePort();
    url[k] = `http://127.0.0.1:${port[k]}`;
  }
  const hash = await hashPassword("sweep-password-1");
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      exporters: {
        pm2: { port: port.pm2, pm2_home: join(dir, "pm2") },
        deploy: { port: port.deploy, token: TOKEN, axi_token: AXI_TOKEN, max_body_bytes: BODY_LIMIT, data_dir: "d" },
        business: { port: port.business, token: TOKEN, max_body_bytes: BODY_LIMIT, data_dir: "b" },
      },
      notifier: {
        port: port.notifier,
        token: TOKEN,
        max_body_bytes: BODY_LIMIT,
        data_dir: "n",
        channels: { hook: { type: "webhook", url: "http://127.0.0.1:9/hook" } },
        receivers: { default: { channels: ["hook"] } },
      },
      portal: {
        port: port.portal,
        session_secret: "sweep-session-secret-0123456789abcdef",
        users: [
          { name: "ops", password_hash: hash, role: "operator" },
          { name: "guest", password_hash: hash, role: "viewer" },
        ],
        sources: { deploy_url: url.deploy, notifier_url: url.notifier },
      },
    }),
  );
  const opts = (service: keyof typeof port) => ({ configFile: file, url: url[service] });
  procs.push(await launchExporter("deploy", opts("deploy")));
  procs.push(await launchExporter("business", opts("business")));
  procs.push(await launchExporter("pm2", opts("pm2")));
  procs.push(await launchNotifier(opts("notifier")));
  procs.push(await launchPortal(opts("portal")));
  operator = await signIn("ops");
  viewer = await signIn("guest");
  // Something to address by id.
  await fetch(`${url.deploy}/api/v1/deploys`, {
    method: "POST",
    headers: { authorization: `Bearer ${TOKEN}` },
    body: JSON.stringify({ id: "known", project: "shop", environment: "prod" }),
  });
});
afterAll(() => stopAll(procs));

type Service = keyof typeof url;
type Auth = "token" | "axi" | "session" | "none";
interface Endpoint {
  service: Service;
  method: "GET" | "POST" | "DELETE";
  path: string;
  auth: Auth;
  /** A body the endpoint accepts; its variants are the bad inputs. */
  body?: Record<string, unknown>;
  /** A field that names something (a project, a metric, a channel…): control characters are refused there. */
  name?: (body: Record<string, unknown>, value: string) => Record<string, unknown>;
  /** Puts a huge number where the body takes a number or a time. */
  huge?: (body: Record<string, unknown>, value: number) => Record<string, unknown>;
  /** For session endpoints: the role the call needs (a viewer is refused). */
  operatorOnly?: boolean;
  /**
   * A format defined elsewhere (Alertmanager's webhook, the axi-deploy notification): fields we
   * do not know are ignored, as their senders add fields from one version to the next.
   */
  foreign?: boolean;
}

const alert = { labels: { alertname: "Sweep" }, annotations: {}, startsAt: "2026-11-22T10:00:00Z", status: "firing" };
const amPayload = {
  version: "4",
  groupKey: "{}",
  truncatedAlerts: 0,
  status: "firing",
  receiver: "default",
  groupLabels: {},
  commonLabels: { alertname: "Sweep" },
  commonAnnotations: {},
  externalURL: "http://am",
  alerts: [{ ...alert, endsAt: "0001-01-01T00:00:00Z", generatorURL: "http://p", fingerprint: "f" }],
};

const ENDPOINTS: Endpoint[] = [
  {
    service: "deploy",
    method: "POST",
    path: "/api/v1/deploys",
    auth: "token",
    body: { project: "shop", environment: "prod" },
    name: (b, v) => ({ ...b, project: v }),
    huge: (b, v) => ({ ...b, started_at: v }),
  },
  {
    service: "deploy",
    method: "POST",
    path: "/api/v1/deploys/known/steps",
    auth: "token",
    body: { name: "build", status: "running" },
    huge: (b, v) => ({ ...b, started_at: v }),
  },
  {
    service: "deploy",
    method: "POST",
    path: "/api/v1/deploys/known/logs",
    auth: "token",
    body: { lines: [{ message: "hello" }] },
    huge: (b, v) => ({ lines: [{ message: "hello", ts: v }] }),
  },
  {
    service: "deploy",
    method: "POST",
    path: "/api/v1/deploys/known/finish",
    auth: "token",
    body: { result: "succeeded" },
    huge: (b, v) => ({ ...b, finished_at: v }),
  },
  {
    service: "deploy",
    method: "POST",
    path: "/api/v1/webhooks/axi",
    auth: "axi",
    foreign: true,
    body: { type: "step_started", project: "blog", deployment_id: "1" },
    name: (b, v) => ({ ...b, project: v }),
    // Its times are loose by the format's own rule ("null", numbers as strings): an impossible one
    // counts as absent, and is never stored (tested below).
  },
  { service: "deploy", method: "GET", path: "/api/v1/deploys?limit=1e308", auth: "none" },
  { service: "deploy", method: "GET", path: "/api/v1/stats?days=99999999999999999999", auth: "none" },
  { service: "deploy", method: "GET", path: "/api/v1/deploys/%00%1b", auth: "none" },
  {
    service: "business",
    method: "POST",
    path: "/api/v1/events",
    auth: "token",
    body: { events: [{ metric: "shop_refunds_total" }] },
    name: (_b, v) => ({ events: [{ metric: v }] }),
    huge: (_b, v) => ({ events: [{ metric: "shop_refunds_total", value: v }] }),
  },
  { service: "pm2", method: "GET", path: "/api/v1/nope", auth: "none" },
  {
    service: "notifier",
    method: "POST",
    path: "/api/v1/alerts",
    auth: "token",
    foreign: true,
    body: amPayload,
    name: (b, v) => ({ ...b, receiver: v, alerts: [] }),
    huge: (b, v) => ({ ...b, truncatedAlerts: v }),
  },
  { service: "notifier", method: "POST", path: "/api/v1/channels/nope/test", auth: "token", body: {} },
  { service: "notifier", method: "POST", path: "/api/v1/notifications/nope/retry", auth: "token", body: {} },
  { service: "notifier", method: "GET", path: "/api/v1/notifications?limit=1e308", auth: "none" },
  { service: "notifier", method: "GET", path: "/api/v1/notifications/%00", auth: "none" },
  {
    service: "portal",
    method: "POST",
    path: "/api/silences",
    auth: "session",
    operatorOnly: true,
    body: { matchers: [{ name: "alertname", value: "X" }], minutes: 5, comment: "sweep" },
    name: (b, v) => ({ ...b, matchers: [{ name: v, value: "X" }] }),
    huge: (b, v) => ({ ...b, minutes: v }),
  },
  { service: "portal", method: "DELETE", path: "/api/silences?id=nope", auth: "session", operatorOnly: true },
  { service: "portal", method: "GET", path: "/api/logs/search?from=now-1h&size=1e308", auth: "session" },
  { service: "portal", method: "GET", path: "/api/logs/context?id=%00&index=x", auth: "session" },
  { service: "portal", method: "GET", path: "/api/logs/export?format=exe", auth: "session" },
  { service: "portal", method: "GET", path: "/api/logs/tail?q=(((", auth: "session" },
  { service: "portal", method: "DELETE", path: "/api/logs/imports/nope", auth: "session", operatorOnly: true },
  { service: "portal", method: "GET", path: "/api/nope", auth: "session" },
];

interface Call {
  what: string;
  endpoint: Endpoint;
  method: string;
  body?: string;
  headers: Record<string, string>;
  /** Leave out the credentials, or use the viewer's. */
  as?: "nobody" | "viewer";
}

function credentials(e: Endpoint, as: Call["as"]): Record<string, string> {
  if (as === "nobody" || e.auth === "none") return {};
  if (e.auth === "token") return { authorization: `Bearer ${TOKEN}` };
  if (e.auth === "axi") return { authorization: `Bearer ${AXI_TOKEN}` };
  const who = as === "viewer" ? viewer : operator;
  return { cookie: who.cookie, "x-opsdeck-csrf": who.csrf };
}

function calls(): Call[] {
  const out: Call[] = [];
  for (const e of ENDPOINTS) {
    const json = { "content-type": "application/json" };
    const add = (what: string, call: Omit<Call, "what" | "endpoint">) =>
      out.push({ what: `${e.service} ${e.method} ${e.path}: ${what}`, endpoint: e, ...call });
    add("the wrong method", { method: "PUT", headers: {}, body: "{}" });
    const asIs = e.body ? { headers: json, body: JSON.stringify(e.body) } : { headers: {} };
    if (e.auth !== "none") add("no credentials", { method: e.method, ...asIs, as: "nobody" });
    if (e.operatorOnly) add("a viewer", { method: e.method, ...asIs, as: "viewer" });
    if (e.method === "GET" || (e.method === "DELETE" && !e.body)) {
      if (e.auth === "none" || e.method === "GET") add("a bad query", { method: e.method, headers: {} });
      continue;
    }
    const body = e.body!;
    add("malformed JSON", { method: e.method, headers: json, body: '{"a": ' });
    add("XML sent as its content type", {
      method: e.method,
      headers: { "content-type": "application/xml" },
      body: "<a/>",
    });
    add("an oversized body", {
      method: e.method,
      headers: json,
      body: JSON.stringify({ ...body, pad: "x".repeat(BODY_LIMIT * 300) }),
    });
    if (!e.foreign)
      add("an unknown field", { method: e.method, headers: json, body: JSON.stringify({ ...body, zzz_unknown: 1 }) });
    add("an array for an object", { method: e.method, headers: json, body: "[1,2,3]" });
    if (e.huge) {
      add("a huge number", { method: e.method, headers: json, body: JSON.stringify(e.huge(body, 1e308)) });
      add("a number past the double range", {
        method: e.method,
        headers: json,
        body: JSON.stringify(e.huge(body, 0)).replace(/:0([,}\]])/, ":1e999$1"),
      });
    }
    if (e.name)
      add("control characters in a name", {
        method: e.method,
        headers: json,
        body: JSON.stringify(e.name(body, CONTROL)),
      });
  }
  return out;
}

describe("the bad-input sweep", () => {
  const all = calls();

  it.each(all.map((c) => [c.what, c] as const))("%s → 4xx with a JSON error", async (_what, call) => {
    const e = call.endpoint;
    const res = await fetch(url[e.service] + e.path, {
      method: call.method,
      headers: { ...credentials(e, call.as), ...call.headers },
      body: call.body,
      redirect: "manual",
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    expect([call.what, res.status >= 400 && res.status < 500, res.status]).toEqual([call.what, true, res.status]);
    expect(res.headers.get("content-type") ?? "", call.what).toMatch(/application\/json/);
    expect(typeof (JSON.parse(text) as { error?: unknown }).error, `${call.what}: ${text.slice(0, 200)}`).toBe(
      "string",
    );
  });

  it("stores no impossible time from the loose axi format", async () => {
    const res = await fetch(`${url.deploy}/api/v1/webhooks/axi`, {
      method: "POST",
      headers: { authorization: `Bearer ${AXI_TOKEN}` },
      body: JSON.stringify({ type: "step_started", project: "blog", deployment_id: "huge", started_at: 1e308 }),
    });
    expect(res.status).toBe(202);
    const deploy = await (await fetch(`${url.deploy}/api/v1/deploys/axi-blog-huge`)).json();
    expect(Date.parse(deploy.started_at)).toBeLessThan(Date.now() + 60_000);
  });

  it("leaves every service serving", async () => {
    for (const [service, path] of [
      ["deploy", "/healthz"],
      ["business", "/healthz"],
      ["pm2", "/healthz"],
      ["notifier", "/healthz"],
      ["portal", "/api/health"],
    ] as const)
      expect([service, (await fetch(url[service] + path)).status]).toEqual([service, 200]);
    for (const p of procs) expect(p.tail(300), p.name).not.toMatch(/uncaught|unhandled|request failed/i);
  });
});
