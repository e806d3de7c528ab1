// Bad input on every write endpoint gets a 4xx with a JSON error, and the process keeps serving.
import { createHmac } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchExporter, stopAll, type Proc } from "@opsdeck/stack";
import {
  AXI_TOKEN,
  GITHUB_SECRET,
  getJson,
  post,
  tempDir,
  TOKEN,
  writeConfig,
  type TestConfig,
} from "@opsdeck/stack/testkit";

let cfg: TestConfig;
const procs: Proc[] = [];

beforeAll(async () => {
  cfg = await writeConfig(tempDir("bad"), { deploy: { max_body_bytes: 4096 }, business: { max_body_bytes: 4096 } });
  procs.push(await launchExporter("deploy", { configFile: cfg.file, url: cfg.urls.deploy }));
  procs.push(await launchExporter("business", { configFile: cfg.file, url: cfg.urls.business }));
  expect(
    (await post(`${cfg.urls.deploy}/api/v1/deploys`, { id: "known", project: "shop", environment: "prod" })).status,
  ).toBe(201);
});
afterAll(() => stopAll(procs));

const sign = (body: string, secret = GITHUB_SECRET) =>
  "sha256=" + createHmac("sha256", secret).update(body).digest("hex");
const big = JSON.stringify({ project: "x".repeat(5000) });
const run = JSON.stringify({
  action: "requested",
  repository: { name: "shop", full_name: "a/shop" },
  workflow_run: { id: 1, head_sha: "abc" },
});

type Case = [
  name: string,
  path: string,
  body: unknown,
  opts: Parameters<typeof post>[2],
  status: number,
  error: RegExp,
];
const deployCases: Case[] = [
  ["invalid JSON", "/api/v1/deploys", '{"project": "shop",', {}, 400, /invalid JSON/],
  ["missing field", "/api/v1/deploys", { project: "shop" }, {}, 400, /environment/],
  ["wrong type", "/api/v1/deploys", { project: "shop", environment: 3 }, {}, 400, /environment/],
  ["unknown field", "/api/v1/deploys", { project: "shop", environment: "p", colour: "red" }, {}, 400, /colour/],
  ["bad commit", "/api/v1/deploys", { project: "shop", environment: "p", commit: "zzz" }, {}, 400, /commit/],
  ["a JSON array", "/api/v1/deploys", [], {}, 400, /body/],
  ["oversized body", "/api/v1/deploys", big, {}, 413, /too large/],
  ["missing token", "/api/v1/deploys", { project: "shop", environment: "p" }, { token: null }, 401, /missing token/],
  ["bad token", "/api/v1/deploys", { project: "shop", environment: "p" }, { token: "nope" }, 401, /invalid token/],
  [
    "token in query refused on the JSON API",
    `/api/v1/deploys?token=${TOKEN}`,
    { project: "s", environment: "p" },
    { token: null },
    401,
    /missing token/,
  ],
  ["unknown deploy", "/api/v1/deploys/nope/steps", { name: "a", status: "running" }, {}, 404, /no deploy/],
  ["bad step status", "/api/v1/deploys/known/steps", { name: "a", status: "weird" }, {}, 400, /status/],
  [
    "bad log level",
    "/api/v1/deploys/known/logs",
    { lines: [{ message: "x", level: "loud" }] },
    {},
    400,
    /lines\.0\.level/,
  ],
  ["empty log", "/api/v1/deploys/known/logs", { lines: [] }, {}, 400, /lines/],
  ["bad result", "/api/v1/deploys/known/finish", { result: "timed_out" }, {}, 400, /result/],
  ["bad time", "/api/v1/deploys/known/finish", { result: "failed", finished_at: "yesterday" }, {}, 400, /finished_at/],
  [
    "axi: heredoc JSON",
    `/api/v1/webhooks/axi?token=${AXI_TOKEN}`,
    '{"type": "step_started", "project": "blog", "deployment_id": "1", "logs": "line1\nline2"}',
    { token: null },
    400,
    /invalid JSON/,
  ],
  [
    "axi: unknown type",
    `/api/v1/webhooks/axi?token=${AXI_TOKEN}`,
    { type: "nope", project: "b", deployment_id: "1" },
    { token: null },
    400,
    /type/,
  ],
  [
    "axi: the deploy token does not open the axi webhook",
    `/api/v1/webhooks/axi?token=${TOKEN}`,
    { type: "log_entry", project: "b", deployment_id: "1" },
    { token: null },
    401,
    /invalid token/,
  ],
  [
    "axi: a project that is not a plain name",
    `/api/v1/webhooks/axi?token=${AXI_TOKEN}`,
    { type: "step_started", project: "shop\n\n### Rotate [sign in](https://evil.example)", deployment_id: "1" },
    { token: null },
    400,
    /project/,
  ],
  [
    "axi: an environment with a mention",
    `/api/v1/webhooks/axi?token=${AXI_TOKEN}`,
    { type: "step_started", project: "shop", environment: "<@zhangsan>", deployment_id: "1" },
    { token: null },
    400,
    /environment/,
  ],
  [
    "axi: a deployment id that would break its URL",
    `/api/v1/webhooks/axi?token=${AXI_TOKEN}`,
    { type: "step_started", project: "shop", deployment_id: "1/../2 x" },
    { token: null },
    400,
    /deployment_id/,
  ],
  [
    "a deploy link that is not http(s)",
    "/api/v1/deploys",
    { project: "shop", environment: "p", url: "javascript:alert(1)" },
    {},
    400,
    /url/,
  ],
  [
    "axi: bad query token",
    "/api/v1/webhooks/axi?token=wrong",
    { type: "log_entry", project: "b", deployment_id: "1" },
    { token: null },
    401,
    /invalid token/,
  ],
  [
    "github: bad signature",
    "/api/v1/webhooks/github",
    run,
    {
      token: null,
      headers: { "x-github-event": "workflow_run", "x-hub-signature-256": sign(run, "other-secret-000000") },
    },
    401,
    /does not match/,
  ],
  [
    "github: no signature",
    "/api/v1/webhooks/github",
    run,
    { token: null, headers: { "x-github-event": "workflow_run" } },
    401,
    /missing X-Hub-Signature-256/,
  ],
  [
    "github: unsupported event",
    "/api/v1/webhooks/github",
    run,
    { token: null, headers: { "x-github-event": "push", "x-hub-signature-256": sign(run) } },
    400,
    /unsupported GitHub event/,
  ],
  [
    "github: malformed payload",
    "/api/v1/webhooks/github",
    "{}",
    { token: null, headers: { "x-github-event": "workflow_run", "x-hub-signature-256": sign("{}") } },
    400,
    /action/,
  ],
  ["unknown route", "/api/v1/nothing", {}, {}, 404, /no route/],
];

const businessCases: Case[] = [
  ["invalid JSON", "/api/v1/events", "{events: [", {}, 400, /invalid JSON/],
  [
    "a time nobody can read",
    "/api/v1/events",
    { events: [{ metric: "shop_refunds_total" }, { metric: "shop_refunds_total", timestamp: "yesterday" }] },
    {},
    400,
    /^events\.1\.timestamp: not a time/,
  ],
  [
    "a time years ahead",
    "/api/v1/events",
    { events: [{ metric: "shop_refunds_total", timestamp: "2031-01-01T00:00:00Z" }] },
    {},
    400,
    /^events\.0\.timestamp: in the future/,
  ],
  ["no events", "/api/v1/events", { events: [] }, {}, 400, /events/],
  ["not a batch", "/api/v1/events", { metric: "shop_orders_total" }, {}, 400, /events/],
  [
    "unknown metric",
    "/api/v1/events",
    { events: [{ metric: "nope" }] },
    {},
    400,
    /^events\.0\.metric: unknown metric "nope"/,
  ],
  [
    "label not allowed",
    "/api/v1/events",
    {
      events: [
        { metric: "shop_orders_total", labels: { channel: "web" } },
        { metric: "shop_orders_total", labels: { channel: "tv" } },
      ],
    },
    {},
    400,
    /^events\.1\.labels\.channel: "tv" is not allowed/,
  ],
  [
    "wrong value type",
    "/api/v1/events",
    { events: [{ metric: "shop_order_amount_yuan", value: "12", labels: { channel: "web" } }] },
    {},
    400,
    /^events\.0\.value/,
  ],
  [
    "missing value",
    "/api/v1/events",
    { events: [{ metric: "shop_order_amount_yuan", labels: { channel: "web" } }] },
    {},
    400,
    /^events\.0\.value: required for a histogram/,
  ],
  [
    "negative counter",
    "/api/v1/events",
    { events: [{ metric: "shop_refunds_total", value: -2 }] },
    {},
    400,
    /only goes up/,
  ],
  [
    "oversized body",
    "/api/v1/events",
    JSON.stringify({ events: Array(500).fill({ metric: "shop_refunds_total" }) }),
    {},
    413,
    /too large/,
  ],
  [
    "missing token",
    "/api/v1/events",
    { events: [{ metric: "shop_refunds_total" }] },
    { token: null },
    401,
    /missing token/,
  ],
  ["bad token", "/api/v1/events", { events: [{ metric: "shop_refunds_total" }] }, { token: "x" }, 401, /invalid token/],
];

describe.each([
  ["deploy", () => cfg.urls.deploy, deployCases],
  ["business", () => cfg.urls.business, businessCases],
] as const)("%s exporter", (_name, base, cases) => {
  it.each(cases)("%s", async (_n, path, body, opts, status, error) => {
    const res = await post(base() + path, body, opts);
    expect(res.status).toBe(status);
    expect(res.body.error).toMatch(error);
  });

  it("keeps serving", async () => {
    expect(await getJson(`${base()}/healthz`)).toEqual({ status: "ok" });
  });
});

describe("what bad input must not do", () => {
  it("a rejected business batch changes nothing", async () => {
    const res = await post(`${cfg.urls.business}/api/v1/events`, {
      events: [{ metric: "shop_refunds_total" }, { metric: "nope" }],
    });
    expect(res.status).toBe(400);
    const text = await (await fetch(`${cfg.urls.business}/metrics`)).text();
    expect(text).not.toMatch(/^shop_refunds_total /m);
  });

  it("errors are counted by status code", async () => {
    const text = await (await fetch(`${cfg.urls.deploy}/metrics`)).text();
    expect(text).toMatch(/^opsdeck_deploy_requests_rejected_total\{code="401"\} [1-9]/m);
  });
});
