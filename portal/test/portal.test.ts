// The portal in Debian's Chromium, against the native stack (`npm start`'s code) with real data:
// sign in; the overview shows real numbers; deploy steps advance live; a silence reaches
// Alertmanager; acknowledging; the language switch; a source down fails alone; a viewer cannot
// silence. A screenshot of every page in both languages goes to portal/test/screenshots/.
import { mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import { createServer, type Server } from "node:http";
import { dirname, join } from "node:path";
import type { Browser, Page } from "playwright-core";
import { alertsPath, alertTimelinePath, timelineSchema } from "@opsdeck/contracts";
import { GRAFANA_DASHBOARDS } from "@opsdeck/contracts/dashboards";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { hashPassword, parseConfig } from "@opsdeck/core";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { esClient, indexName } from "@opsdeck/core/elastic";
import { readSse, type ParsedEvent } from "@opsdeck/core/sse";
import { filebeatDoc } from "@opsdeck/stack/filebeat-docs";
import {
  freePort,
  promQuery,
  REPO,
  launchPortal,
  spawnProc,
  startAgentHost,
  startPostgres,
  startRedis,
  type AgentHost,
  type DatabaseServer,
  type Proc,
} from "@opsdeck/stack";
import { eventually, getJson, post, tempDir } from "@opsdeck/stack/testkit";
import { stackConfig, stackPorts, startStack, type RunningStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { launchChromium } from "./browser.ts";
import { INSTRUMENT } from "../../scripts/build.ts";
import { chineseWords, consoleErrors, layoutProblems, overflow, untranslatedWords } from "./page-checks.ts";
// The shared Elasticsearch's URL, provided by this globalSetup (types only).
import type {} from "@opsdeck/stack/test-elasticsearch";

const SHOTS = join(REPO, "portal/test/screenshots");
const SECRET = "portal-session-secret-0123456789abcdef";
let stack: RunningStack;
let brokenPortal: Proc | undefined;
/** An agent host on loopback, added from the Hosts page. */
let agent: AgentHost | undefined;
let browser: Browser;
/** Stands in for Grafana: serves any dashboard path, and records what was asked. */
let grafana: Server;
const grafanaHits: string[] = [];
let port: StackPorts & { broken: number; slow: number };
/** A page that answers, slowly (1.2 s): a probe of it is "slow", not down; and one it does not have (404). */
let slowPage: Server;
/** The team's Redis, listed under databases: (the Services page's databases section). */
let redis: DatabaseServer;
/** A team's app with a node-postgres pool of one, under the preload (the Services page's pools). */
let postgres: DatabaseServer;
let ordersApp: Proc | undefined;
let ordersPort = 0;
const url = (p: number) => `http://127.0.0.1:${p}`;
/** Every page is opened through the front door (nginx, provisioning/nginx/), as users open it. */
const front = () => url(port.front);

const MAINTENANCE_TOKEN = "maintenance-token-0123456789";
const OPS_HASH = await hashPassword("ops-password-1");
const GUEST_HASH = await hashPassword("guest-password-1");
const config = (portal: Record<string, unknown> = {}, elasticsearch: Record<string, unknown> = {}) =>
  stackConfig(
    port,
    {
      session_secret: SECRET,
      users: [
        { name: "ops", password_hash: OPS_HASH, role: "operator" },
        { name: "guest", password_hash: GUEST_HASH, role: "viewer" },
      ],
      // No dashboards listed: the portal embeds OpsDeck's provisioned ones, same-origin through
      // the front door, which passes /grafana/ to the stand-in on port.grafana.
      grafana: { url: "/grafana/" },
      trusted_proxies: ["127.0.0.1"],
      maintenance_token: MAINTENANCE_TOKEN,
      ...portal,
    },
    // The test run's shared Elasticsearch, with indices of this file's own.
    { url: inject("elasticsearchUrl"), index_prefix: "t-portal", ...elasticsearch },
    {},
    // The front door's sign-in page (up), a page a server does not have (down: HTTP 404), a slow page.
    {
      probes: [
        {
          name: "front-door",
          type: "http",
          target: `${front()}/signin`,
          http: { keyword: "OpsDeck" },
          slow_ms: 2000,
          public: true,
          display_name: "网上商城",
          labels: { project: "shop" },
        },
        {
          name: "missing-page",
          type: "http",
          target: `${url(port.slow)}/missing`,
          http: { status: [200] },
          public: true,
          display_name: "结账页面",
          depends_on: { app: "checkout-api" },
        },
        { name: "slow-page", type: "http", target: `${url(port.slow)}/`, slow_ms: 300 },
      ],
      databases: [{ name: "cache", type: "redis", address: `127.0.0.1:${redis.port}`, password: redis.password }],
    },
  );

beforeAll(async () => {
  port = { ...(await stackPorts()), broken: await freePort(), slow: await freePort() };
  slowPage = createServer((req, res) =>
    req.url === "/missing" ? res.writeHead(404).end() : setTimeout(() => res.end("slow, but here"), 1200),
  );
  await new Promise<void>((r) => slowPage.listen(port.slow, "127.0.0.1", r));
  grafana = createServer((req, res) => {
    grafanaHits.push(req.url!);
    res.writeHead(200, { "content-type": "text/html" }).end("<h1>Grafana stand-in</h1>");
  });
  await new Promise<void>((r) => grafana.listen(port.grafana, "127.0.0.1", r));
  redis = await startRedis({ dir: join(tempDir("portal-redis"), "redis") });
  postgres = await startPostgres({ dir: join(tempDir("portal-postgres"), "postgres") });
  stack = await startStack("portal", () => config());
  ordersPort = await freePort();
  ordersApp = spawnProc("orders", process.execPath, ["--require", INSTRUMENT, join(REPO, "instrument/test/shop.cjs")], {
    env: {
      PATH: process.env.PATH,
      PORT: String(ordersPort),
      OTEL_SERVICE_NAME: "orders",
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${url(port.prom)}/api/v1/otlp/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: "1000",
      OPSDECK_HOST_NAME: "app-1",
      PG_POOL: JSON.stringify({
        host: "127.0.0.1",
        port: postgres.port,
        database: "postgres",
        user: postgres.user,
        password: postgres.password,
      }),
    },
  });
  browser = await launchChromium();
  mkdirSync(SHOTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
  await brokenPortal?.stop();
  await agent?.stop();
  grafana?.close();
  slowPage?.close();
  await stack?.stop();
  await redis?.proc.stop();
  await ordersApp?.stop();
  await postgres?.proc.stop();
});

async function signIn(page: Page, name: string, password: string, base = front()) {
  await page.goto(base);
  await page.waitForURL(/\/signin$/);
  await page.fill('input[name="name"]', name);
  await page.fill('input[name="password"]', password);
  await page.click('button[type="submit"]');
  await page.waitForURL((u) => !u.pathname.startsWith("/signin"));
}

const shot = (page: Page, name: string) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage: true });

describe("portal", () => {
  it("needs a sign-in, and refuses a wrong password", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await page.goto(front() + "/deploys");
    expect(new URL(page.url()).pathname).toBe("/signin");
    await shot(page, "signin-zh");
    await page.fill('input[name="name"]', "ops");
    await page.fill('input[name="password"]', "wrong-password");
    await page.click('button[type="submit"]');
    await expect(page.locator(".error[role=alert]").textContent()).resolves.toContain("用户名或密码错误");
    const api = await fetch(front() + "/api/stream");
    expect(api.status).toBe(401);
    await page.close();
  });

  it("shows real numbers on the overview", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await expect(page.locator('[data-widget="components"]').textContent()).resolves.toMatch(/Prometheus/);
    expect(await page.locator('[data-widget="components"] [data-service] .s-down').count()).toBe(0);
    // Every target Prometheus scrapes is listed too, node-exporter and the exporters among them, up.
    const targets = await eventually(
      async () => {
        await page.reload();
        return page
          .locator('[data-widget="components"] [data-target]')
          .evaluateAll((rows) =>
            rows.map((r) => `${r.getAttribute("data-target")} ${r.querySelector(".pill")?.className}`),
          );
      },
      (list) => ["node", "pm2", "deploy", "business"].every((job) => list.includes(`${job} pill s-up`)),
      60_000,
    );
    expect(targets.length).toBeGreaterThanOrEqual(4);
    await expect(page.locator('[data-target="node"]').first().textContent()).resolves.toContain("主机指标");
    // This stack's notifier has no channel: said first, with how to add one.
    await expect(page.locator('[data-widget="no-channel"]').textContent()).resolves.toContain(
      "告警无处发送：尚未配置任何通知渠道",
    );
    // The demo seeds a deploy that started a minute ago: today's count is real, not 0, and it is
    // the deploy exporter's own count of deploys since the portal's midnight.
    const shown = Number(await page.locator('[data-value="deploys-today"]').textContent());
    expect(shown).toBeGreaterThanOrEqual(1);
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const exporter = (await getJson(
      `${url(port.deploy)}/api/v1/deploys?since=${midnight.toISOString()}&limit=500`,
    )) as { deploys: unknown[] };
    expect(shown).toBe(exporter.deploys.length);
    // The firing alerts by severity are Alertmanager's (the Watchdog aside).
    // (An alert may begin firing between the page and the question: asked again until both agree.)
    type Alert = { labels: Record<string, string>; status: { state: string } };
    const counts = async () => {
      await page.reload();
      const onPage = await Promise.all(
        ["critical", "warning", "info"].map(async (s) =>
          Number(await page.locator(`[data-severity="${s}"] b`).textContent()),
        ),
      );
      const active = ((await getJson(`${url(port.am)}/api/v2/alerts?active=true`)) as Alert[]).filter(
        (a) => a.status.state === "active" && a.labels.alertname !== "Watchdog",
      );
      const inAm = ["critical", "warning", "info"].map((s) => active.filter((a) => a.labels.severity === s).length);
      return { onPage, inAm };
    };
    const agreed = await eventually(counts, (c) => c.onPage.join() === c.inAm.join(), 30_000);
    expect(agreed.onPage).toEqual(agreed.inAm);
    await shot(page, "overview-zh");
    await page.close();
  });

  it("lists the PM2 processes and the business KPIs", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/processes");
    await page.locator('[data-row="demo-shop#0"]').waitFor();
    expect(await page.locator('[data-row^="demo-shop#"]').count()).toBe(2);
    // Each status has its own look, explained under the table (here in Chinese).
    await expect(page.locator('[data-row="demo-shop#0"] .s-up').count()).resolves.toBe(1);
    const legend = await page.locator('[data-legend="pm2-status"]').textContent();
    expect(legend).toContain("PM2 已放弃重启");
    const looks = await page
      .locator('[data-legend="pm2-status"] .pill')
      .evaluateAll((pills) => pills.map((p) => `${getComputedStyle(p).color} ${getComputedStyle(p).borderStyle}`));
    expect(new Set(looks).size).toBe(4);
    // Small trend lines of the last hour, once Prometheus holds two samples.
    await eventually(
      async () => {
        await page.reload();
        return page.locator('[data-row="demo-shop#0"] svg.spark').count();
      },
      (n) => n === 2,
      60_000,
    );
    // Sorting by memory: ascending on the first click, descending (largest first) on the second.
    const memoryOrder = async () =>
      (
        await page
          .locator('td[data-column="memory"]')
          .evaluateAll((cells) => cells.map((c) => c.getAttribute("data-sort")))
      ).map(Number);
    await page.locator("th button", { hasText: "内存" }).click();
    const ascending = await memoryOrder();
    expect(ascending.length).toBeGreaterThan(1);
    expect(ascending).toEqual([...ascending].sort((a, b) => a - b));
    await page.locator("th button", { hasText: "内存" }).click();
    expect(await page.locator('th[aria-sort="descending"]').textContent()).toContain("内存");
    const descending = await memoryOrder();
    expect(descending).toEqual([...ascending].sort((a, b) => b - a));
    await shot(page, "processes-zh");
    await page.goto(front() + "/business");
    expect(await page.locator("[data-kpi]").count()).toBe(4);
    // One formatter for a KPI everywhere: GMV in yuan (not "68240 currencyCNY"), orders whole,
    // and the Overview writes the same figures (within the second between the two pages' queries).
    // (The demo's first orders may be seconds away on a fresh stack: reload until they count.)
    const gmv = await eventually(
      async () => {
        await page.reload();
        return page.locator('[data-kpi="gmv"] .big').textContent();
      },
      (text) => text !== "–",
      60_000,
    );
    // In yuan, large amounts in 万 as Chinese readers write them — never a Latin "K".
    expect(gmv).toMatch(/^¥\d[\d,.]*(万|亿)?$/);
    // The hourly chart says it is a rate, and from when data has been collected.
    await expect(page.locator("main").textContent()).resolves.toMatch(/每小时成交额（元，按近 5 分钟速率折算）/);
    // The orders figure is Prometheus' over the business exporter's counter, read just before and
    // after the page (the demo keeps ordering): it lies between the two, whole, with separators.
    const promOrders = async () =>
      Math.round(
        Number(
          (
            (await getJson(
              `${url(port.prom)}/api/v1/query?query=${encodeURIComponent("sum(increase(shop_orders_total[1d]))")}`,
            )) as { data: { result: { value: [number, string] }[] } }
          ).data.result[0]?.value[1] ?? 0,
        ),
      );
    const before = await promOrders();
    await page.reload();
    const orders = (await page.locator('[data-kpi="orders"] .big').textContent())!;
    const after = await promOrders();
    expect(orders).toMatch(/^\d[\d,]*$/);
    const figure = Number(orders.replace(/,/g, ""));
    expect(figure).toBeGreaterThanOrEqual(before - 1);
    expect(figure).toBeLessThanOrEqual(after + 1);
    await page.goto(front() + "/");
    expect(await page.locator('[data-value="gmv-today"]').textContent()).toMatch(/^¥\d/);
    expect(await page.locator('[data-value="orders-today"]').textContent()).toMatch(/^\d[\d,]*$/);
    await page.goto(front() + "/business");
    await shot(page, "business-zh");
    await page.close();
  });

  it("charts each host over a chosen time range", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/system");
    await page.locator("[data-chart] canvas").first().waitFor();
    expect(await page.locator("[data-chart]").count()).toBe(5);
    await page.selectOption('select[name="range"]', "now-15m");
    await page.waitForURL(/from=now-15m&to=now/);
    await page.locator("[data-chart] canvas").first().waitFor();
    await shot(page, "system-zh");
    await page.close();
  });

  it("adds a host from the Hosts page: on disk, audited, scraped by Prometheus without a restart; then disabled", async () => {
    const secrets = readFileSync(join(stack.dir, "state", "secrets.env"), "utf8");
    const password = /^OPSDECK_AGENT_PASSWORD=(.*)$/m.exec(secrets)![1];
    agent = await startAgentHost({
      name: "agent-1",
      dir: tempDir("portal-agent"),
      credentials: { username: "prometheus", password },
    });
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/hosts");
    // This stack's Elasticsearch runs without security, as npm start's does: no log keys, said so.
    await expect(page.locator("[data-log-keys] .notice").textContent()).resolves.toContain(
      "没有开启安全功能，无法签发日志密钥",
    );
    await page.click('[data-host-manager] button[aria-expanded="false"]');
    await page.fill('[data-form="add-host"] input[name="name"]', "agent-1");
    await page.fill('[data-form="add-host"] input[name="address"]', "127.0.0.1");
    await page.fill('[data-form="add-host"] input[name="labels"]', "env=staging, role=web");
    await page.fill('[data-form="add-host"] input[name="node"]', String(agent.nodePort));
    await page.fill('[data-form="add-host"] input[name="pm2"]', String(agent.pm2Port));
    await page.click('[data-form="add-host"] button[type="submit"]');
    await page.locator('[data-managed-host="agent-1"]').waitFor();
    // On disk before the answer: the hosts file beside opsdeck.yml and the target files.
    expect(readFileSync(join(stack.dir, "hosts.yml"), "utf8")).toMatch(/name: agent-1[\s\S]*env: staging/);
    const targets = JSON.parse(readFileSync(join(stack.dir, "state/data/targets/node.json"), "utf8"));
    expect(targets).toEqual([
      { targets: [`127.0.0.1:${agent.nodePort}`], labels: { env: "staging", role: "web", host: "agent-1" } },
    ]);
    // Prometheus (15 s scrapes here, as in production) finds it; the row says it is up, with its
    // versions, once both targets were scraped (each at its own offset in the interval).
    const row = page.locator('tr[data-row="agent-1"]');
    const [status, versions] = await eventually(
      async () => {
        await page.reload();
        const cell = (column: string) => row.locator(`[data-column="${column}"]`).textContent({ timeout: 5000 });
        return [(await cell("status")) ?? "", (await cell("agent")) ?? ""];
      },
      ([s, v]) => s === "正常" && v.includes("OpsDeck"),
      60_000,
    );
    expect(status).toBe("正常");
    expect(versions).toMatch(/^node-exporter \d+\.\d+\.\d+, OpsDeck \d/);
    expect(await row.locator('[data-column="apps"]').textContent()).toBe("2 / 0");
    await shot(page, "hosts-added-zh");
    expect(readFileSync(join(stack.dir, "state/logs/portal.log"), "utf8")).toMatch(
      /"event.action":"host-added".*"host.name":"agent-1"|"host.name":"agent-1".*"event.action":"host-added"/,
    );
    // A second host of the same name, and a bad address, are refused with the reason.
    const refused = await page.evaluate(async () => {
      const csrf = document.cookie
        .split("; ")
        .find((c) => c.startsWith("opsdeck_csrf="))!
        .split("=")[1];
      const add = async (body: unknown) => {
        const res = await fetch("/api/hosts", {
          method: "POST",
          headers: { "content-type": "application/json", "x-opsdeck-csrf": csrf },
          body: JSON.stringify(body),
        });
        return [res.status, ((await res.json()) as { error: string }).error];
      };
      return [
        await add({ name: "agent-1", address: "10.0.0.1" }),
        await add({ name: "agent-2", address: "http://10.0.0.2:9100" }),
      ];
    });
    expect(refused[0]).toEqual([409, 'a host named "agent-1" is already listed']);
    expect(refused[1][0]).toBe(400);
    expect(refused[1][1]).toMatch(/^address: a host name or IP address/);
    // Disabled: Prometheus drops the target, the row says so.
    await page.locator('[data-managed-host="agent-1"] button').first().click();
    await row.locator('[data-column="status"]', { hasText: "已停用" }).waitFor();
    expect(JSON.parse(readFileSync(join(stack.dir, "state/data/targets/node.json"), "utf8"))).toEqual([]);
    await page.close();
  });

  it("embeds the provisioned Grafana dashboards with the portal's time range, and allows frames from Grafana alone", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const res = await page.goto(front() + "/dashboards?from=now-1h");
    expect(res!.headers()["content-security-policy"]).toContain("frame-src 'self'");
    await expect(page.locator("section.card h2").allTextContents()).resolves.toEqual(
      GRAFANA_DASHBOARDS.map((d) => d.title["zh-CN"]),
    );
    for (const [i] of GRAFANA_DASHBOARDS.entries())
      await page.frameLocator("iframe").nth(i).locator("h1", { hasText: "Grafana stand-in" }).waitFor();
    expect(new Set(grafanaHits)).toEqual(
      new Set(GRAFANA_DASHBOARDS.map((d) => `/grafana/d/${d.uid}?orgId=1&from=now-1h&to=now&kiosk`)),
    );
    await shot(page, "dashboards-zh");
    await page.close();
  });

  it("links each page to its Grafana dashboard with the page's time range", async () => {
    const page = await browser.newPage({ locale: "en-US" });
    await signIn(page, "ops", "ops-password-1");
    const links: Record<string, string | null> = {};
    for (const path of [
      "/",
      "/system?from=now-24h",
      "/processes",
      "/deploys",
      "/business?from=now-7d",
      "/logs",
      "/probes",
    ]) {
      await page.goto(front() + path);
      const link = page.locator("a.grafana-link");
      links[path] = (await link.count()) ? await link.getAttribute("href") : null;
    }
    const grafana = "/grafana";
    expect(links).toEqual({
      "/": `${grafana}/d/opsdeck-stack?orgId=1&from=now-3h&to=now`,
      "/system?from=now-24h": `${grafana}/d/opsdeck-host?orgId=1&from=now-24h&to=now`,
      "/processes": `${grafana}/d/opsdeck-pm2?orgId=1&from=now-6h&to=now`,
      "/deploys": `${grafana}/d/opsdeck-deploys?orgId=1&from=now-7d&to=now`,
      "/business?from=now-7d": `${grafana}/d/opsdeck-business?orgId=1&from=now-7d&to=now`,
      "/logs": `${grafana}/d/opsdeck-logs?orgId=1&from=now-1h&to=now`,
      "/probes": `${grafana}/d/opsdeck-probes?orgId=1&from=now-24h&to=now`,
    });
    await page.close();
  });

  it("advances deploy steps live, without a reload", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/deploys");
    await page.locator('[data-live="true"]').waitFor();
    const d = url(port.deploy);
    await post(`${d}/api/v1/deploys`, { id: "live-e2e", project: "web", environment: "production", version: "9.9.9" });
    await page.locator('[data-deploy="live-e2e"]').waitFor({ timeout: 10_000 });
    await post(`${d}/api/v1/deploys/live-e2e/steps`, { name: "build", status: "running" });
    await page
      .locator('[data-deploy="live-e2e"] [data-step="build"][data-step-status="running"]')
      .waitFor({ timeout: 10_000 });
    await post(`${d}/api/v1/deploys/live-e2e/steps`, { name: "build", status: "succeeded" });
    await post(`${d}/api/v1/deploys/live-e2e/finish`, { result: "succeeded" });
    await page.locator('[data-deploy="live-e2e"] [data-status="succeeded"]').waitFor({ timeout: 10_000 });
    await shot(page, "deploys-zh");
    await page.close();
  });

  it("opens a deploy's detail, live; filters the history; shows DORA figures", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const d = url(port.deploy);
    await post(`${d}/api/v1/deploys`, {
      id: "detail-e2e",
      project: "api",
      environment: "staging",
      version: "2.0.0",
      commit: "0123456789abcdef",
      actor: "alice",
      url: "https://ci.example.com/runs/7",
    });
    await post(`${d}/api/v1/deploys/detail-e2e/steps`, {
      name: "build",
      status: "failed",
      log: "npm ERR! missing script: build",
    });
    await page.goto(front() + "/deploys");
    await page.locator('[data-deploy="detail-e2e"] a').click();
    await page.waitForURL(/\/deploys\/detail-e2e$/);
    await expect(page.locator("dl.facts").textContent()).resolves.toMatch(/0123456789ab[\s\S]*alice/);
    await page.locator('[data-step="build"] summary').click();
    await expect(page.locator('[data-step="build"] pre').textContent()).resolves.toContain("missing script");
    // Live on the detail page too: a new step and log lines appear without a reload.
    await page.locator('[data-live="true"]').waitFor();
    await post(`${d}/api/v1/deploys/detail-e2e/steps`, { name: "rollback", status: "running" });
    await post(`${d}/api/v1/deploys/detail-e2e/logs`, {
      lines: [{ level: "error", message: "build failed, rolling back" }],
    });
    await page.locator('[data-step="rollback"][data-step-status="running"]').waitFor({ timeout: 10_000 });
    await page.locator("[data-log]", { hasText: "rolling back" }).waitFor({ timeout: 10_000 });
    await post(`${d}/api/v1/deploys/detail-e2e/finish`, { result: "failed" });
    await page.locator('h1 [data-status="failed"]').waitFor({ timeout: 10_000 });
    await shot(page, "deploy-detail-zh");

    // A failed deploy is a change failure already: nothing to mark.
    expect(await page.locator("[data-incident]").count()).toBe(0);
    // A successful one that caused an incident: an operator says so, with a note; kept by the
    // exporter, counted in the change failure rate; and taken back.
    await post(`${d}/api/v1/deploys`, { id: "incident-e2e", project: "api", environment: "staging", version: "2.0.1" });
    await post(`${d}/api/v1/deploys/incident-e2e/finish`, { result: "succeeded" });
    const before = (await getJson(`${d}/api/v1/stats?project=api&environment=staging`)).projects[0];
    await page.goto(`${front()}/deploys/incident-e2e`);
    await page.locator('[data-incident-action="open"]').click();
    await page.locator("[data-incident] input").fill("checkout 500s after the release");
    await page.locator('[data-incident-action="mark"]').click();
    await page.locator('[data-incident="marked"]').waitFor();
    await expect(page.locator("[data-incident]").textContent()).resolves.toMatch(
      /此部署导致了故障 · ops · .*checkout 500s/,
    );
    expect((await getJson(`${d}/api/v1/deploys/incident-e2e`)).incident).toMatchObject({ by: "ops" });
    const after = (await getJson(`${d}/api/v1/stats?project=api&environment=staging`)).projects[0];
    expect(after.caused_incident).toBe(before.caused_incident + 1);
    expect(after.change_failure_rate).toBeGreaterThan(before.change_failure_rate ?? 0);
    await shot(page, "deploy-incident-zh");
    await page.locator('[data-incident-action="unmark"]').click();
    await page.locator('[data-incident="none"]').waitFor();
    expect((await getJson(`${d}/api/v1/deploys/incident-e2e`)).incident).toBeUndefined();

    // Filtered history: only the project asked for.
    await page.goto(front() + "/deploys?project=web");
    const projects = await page.locator("tr[data-deploy] td:first-child").allTextContents();
    expect(projects.length).toBeGreaterThan(0);
    expect(new Set(projects)).toEqual(new Set(["web"]));
    // DORA per project, from the history: web's live-e2e succeeded.
    await expect(
      page.locator('[data-project="web/production"] [data-cell="success_rate"]').textContent(),
    ).resolves.toMatch(/^\d+(\.\d+)?%$/);
    // A bad filter value is said, not silently dropped.
    await page.goto(front() + "/deploys?status=exploded");
    await expect(page.locator(".filters [role=alert]").textContent()).resolves.toContain("status");
    await page.close();
  });

  it("resumes the event stream from Last-Event-ID", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const cookie = (await page.context().cookies()).map((c) => `${c.name}=${c.value}`).join("; ");
    await page.close();
    /** Reads the stream until `until` matches an event's text; returns the events read. */
    async function read(lastEventId: string | undefined, until: RegExp): Promise<ParsedEvent[]> {
      const ac = new AbortController();
      const res = await fetch(front() + "/api/stream", {
        headers: { cookie, ...(lastEventId ? { "last-event-id": lastEventId } : {}) },
        signal: AbortSignal.any([ac.signal, AbortSignal.timeout(10_000)]),
      });
      const events: ParsedEvent[] = [];
      try {
        for await (const e of readSse(res.body!)) {
          if (e.id) events.push(e);
          if (until.test(e.data)) return events;
        }
      } catch {
        /* timed out: said below */
      } finally {
        ac.abort();
      }
      throw new Error(`no event matching ${until} in: ${JSON.stringify(events.slice(-5))}`);
    }
    const d = url(port.deploy);
    const first = read(undefined, /resume-e2e/);
    await new Promise((r) => setTimeout(r, 500));
    await post(`${d}/api/v1/deploys`, { id: "resume-e2e", project: "web", environment: "production" });
    const seen = (await first).find((e) => e.data.includes("resume-e2e"))!;
    const id = seen.id!;
    // While no stream is open, a step happens; reconnecting with the last id replays it.
    await post(`${d}/api/v1/deploys/resume-e2e/steps`, { name: "missed-step", status: "running" });
    await new Promise((r) => setTimeout(r, 500));
    const replayed = await read(id, /missed-step/);
    expect(replayed.every((e) => Number(e.id) > Number(id))).toBe(true);
  });

  it("acknowledges an alert, expires that, and creates a silence Alertmanager holds", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    // The demo's failed deploy fires DeployFailed once Prometheus has evaluated it.
    await eventually(
      async () => {
        await page.goto(front() + "/alerts");
        return page.locator('[data-alertname="DeployFailed"]').count();
      },
      (n) => n > 0,
      90_000,
    );
    // Prometheus' rules and their state are on the page, and DeployFailed's is firing.
    await page.locator('[data-rule="DeployFailed"][data-rule-state="firing"]').waitFor();
    await shot(page, "alerts-zh");
    // Every receiver the notifier counted a lost notification for is named, not only the first.
    const lostReceivers = async () =>
      [
        ...new Set(
          (await promQuery(url(port.prom), "opsdeck_notifier_undeliverable_total > 0")).map((x) => x.metric.receiver),
        ),
      ].sort();
    await eventually(
      async () => {
        await page.reload();
        const named = (await page.locator('[data-widget="no-channel"] code').allTextContents()).sort();
        return JSON.stringify(named) === JSON.stringify(await lostReceivers()) && named.length > 0;
      },
      (same) => same,
      60_000,
    );
    // The host filter (?host=, kept in the URL): the alert's own host keeps it, another host's does not.
    const firing = (await getJson(`${url(port.am)}/api/v2/alerts?active=true`)) as {
      labels: Record<string, string>;
      startsAt: string;
    }[];
    const deployFailed = firing.find((a) => a.labels.alertname === "DeployFailed")!;
    const alertHost = deployFailed.labels.host;
    // "What changed before it?": the failed deploy of that project and environment, first, and why.
    const { project, environment } = deployFailed.labels;
    const changes = await page.request.get(
      `${front()}/api/changes?${new URLSearchParams({ at: deployFailed.startsAt, project, environment })}`,
    );
    expect(changes.status()).toBe(200);
    const answer = (await changes.json()) as {
      changes: { kind: string; project?: string; result?: string; reasons: string[] }[];
      sources: { source: string; ok: boolean }[];
    };
    expect(answer.sources.every((x) => x.ok)).toBe(true);
    // The demo's failed deploy (3 h before) is in the top 3, behind the one still running since a
    // minute before: nearer wins unless the rest differs (the rules are in the answer).
    const top = answer.changes.slice(0, 3);
    expect(top.find((c) => c.result === "failed")).toMatchObject({
      project,
      reasons: ["same_project", "same_environment", "failed"],
    });
    expect((await page.request.get(`${front()}/api/changes?at=yesterday`)).status()).toBe(400);
    // …and on the alert itself: its group's "what changed?" lists that deploy, with why, in Chinese.
    const failedGroup = page.locator("section[data-group]", { has: page.locator('[data-alertname="DeployFailed"]') });
    const failedItem = failedGroup.first().locator('[data-what-changed] [data-reasons*="failed"]').first();
    await expect(failedItem.textContent()).resolves.toMatch(/同一项目 \/ 同一环境 \/ 部署失败/);
    await expect(
      failedGroup.first().locator('[data-what-changed] li[data-change="deploy"] a').first().getAttribute("href"),
    ).resolves.toMatch(/^\/deploys\//);
    // …and leads to the group's timeline, from its start.
    await expect(failedGroup.first().locator("[data-timeline-link]").getAttribute("href")).resolves.toMatch(
      /^\/timeline\?from=.*&at=\d+&project=/,
    );
    // New error kinds since the likeliest deploy: a kind the demo shop never logged before, now.
    const es = esClient(parseConfig(config(), "test"));
    await es.bulk({
      refresh: true,
      // Twenty: more than the demo's own errors of these minutes, so it is among the three shown,
      // and few enough to leave the demo's lines on the Logs page's first page (a later test).
      operations: Array.from({ length: 20 }, (_, i) => [
        { create: { _index: indexName.logs("t-portal") } },
        filebeatDoc("pm2", new Date(), i, {
          service: "demo-shop",
          host: alertHost,
          level: "error",
          message: `CouponError: coupon "SPRING${i}" rejected for cart ${i}`,
        }),
      ]).flat(),
    });
    // (New errors since a deploy are kept half a minute: reload until the new kind is counted.)
    const newErrors = failedGroup.first().locator("[data-new-errors]");
    await eventually(
      async () => {
        await page.reload();
        return newErrors.textContent();
      },
      (text) => !!text?.includes("CouponError"),
      60_000,
    );
    expect(Number(await newErrors.getAttribute("data-new-errors"))).toBeGreaterThanOrEqual(1);
    await expect(newErrors.textContent()).resolves.toMatch(
      /新出现的错误（自 .+ 起）: \d+ 种[\s\S]*CouponError: coupon "<v>" rejected for cart <n>/,
    );
    expect(alertHost).toBeTruthy();
    await page.goto(`${front()}/alerts?host=${encodeURIComponent(alertHost)}`);
    expect(await page.locator('[data-alertname="DeployFailed"]').count()).toBeGreaterThan(0);
    await page.goto(`${front()}/alerts?host=app-elsewhere`);
    expect(await page.locator('[data-alertname="DeployFailed"]').count()).toBe(0);
    expect(await page.locator('select[name="host"]').inputValue()).toBe("app-elsewhere");
    await page.goto(front() + "/alerts");
    type Silence = { id: string; comment: string; createdBy: string; status: { state: string } };
    const silences = () => getJson(`${url(port.am)}/api/v2/silences`) as Promise<Silence[]>;

    // Acknowledge: a short silence that says who and why, typed into a form that opens in place.
    const row = page.locator('[data-alertname="DeployFailed"]').first();
    await row.locator("button", { hasText: "确认" }).click();
    await row.locator('form[data-form="ack"] input[name="comment"]').fill("looking into it");
    await row.locator("form[data-form=ack] button.primary").click();
    const ack = (
      await eventually(silences, (l) =>
        l.some((x) => x.comment === "ack: looking into it" && x.status.state === "active"),
      )
    ).find((x) => x.comment === "ack: looking into it")!;
    expect(ack.createdBy).toBe("ops");
    await page.waitForSelector('[data-alertname="DeployFailed"] [data-state="suppressed"]', { timeout: 15_000 });
    // The row says who acknowledged, why, and until when (in the reader's format, 24-hour).
    const said = await page
      .locator(`[data-alertname="DeployFailed"] [data-silence-of="${ack.id}"]`)
      .first()
      .innerText();
    expect(said).toContain("已确认");
    expect(said).toContain("ops: looking into it");
    expect(said).toMatch(/至 \d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}/);
    await shot(page, "alerts-acknowledged-zh");

    // Expire it from the page; the alert is open again.
    await page.locator(`[data-silence="${ack.id}"] button`).click();
    await eventually(silences, (l) => l.find((x) => x.id === ack.id)?.status.state === "expired");
    await eventually(
      async () => {
        await page.goto(front() + "/alerts");
        return page.locator('[data-alertname="DeployFailed"] button', { hasText: "静默" }).count();
      },
      (n) => n > 0,
    );

    // One tap from a chat message: the group's acknowledge link, opened signed out, goes through
    // the sign-in and back to the acknowledge form, filled with the group's matchers.
    const group = JSON.parse(
      (await page
        .locator("section[data-group]", { has: page.locator('[data-alertname="DeployFailed"]') })
        .first()
        .getAttribute("data-group-labels"))!,
    ) as Record<string, string>;
    const phone = await browser.newPage({ locale: "zh-CN", viewport: { width: 390, height: 844 } });
    await phone.goto(front() + alertsPath(group, { ack: true }));
    await phone.waitForURL(/\/signin/);
    await phone.fill('input[name="name"]', "ops");
    await phone.fill('input[name="password"]', "ops-password-1");
    await phone.click('button[type="submit"]');
    await phone.waitForURL((u) => u.pathname === "/alerts" && u.searchParams.get("ack") === "1");
    const form = phone.locator('[data-widget="ack-form"] form[data-form="ack"]');
    await form.locator('input[name="comment"]').fill("from the chat");
    await shot(phone, "alerts-ack-link-zh-390");
    await form.locator("button.primary").click();
    const fromChat = (
      await eventually(silences, (l) =>
        l.some((x) => x.comment === "ack: from the chat" && x.status.state === "active"),
      )
    ).find((x) => x.comment === "ack: from the chat")! as Silence & { matchers: { name: string; value: string }[] };
    expect(Object.fromEntries(fromChat.matchers.map((m) => [m.name, m.value]))).toEqual(group);
    await phone.close();
    await fetch(`${url(port.am)}/api/v2/silence/${fromChat.id}`, { method: "DELETE" });
    await page.goto(front() + "/alerts");

    // A silence with a duration and a comment.
    const again = page.locator('[data-alertname="DeployFailed"]').first();
    await again.locator("button", { hasText: "静默" }).click();
    await again.locator('form[data-form="silence"] input[name="comment"]').fill("deploy being fixed");
    await again.locator("form[data-form=silence] button.primary").click();
    const s = (await eventually(silences, (l) => l.some((x) => x.comment === "deploy being fixed"))).find(
      (x) => x.comment === "deploy being fixed",
    );
    expect(s).toMatchObject({ createdBy: "ops", status: { state: "active" } });
    await page.waitForSelector('[data-alertname="DeployFailed"] [data-state="suppressed"]', { timeout: 15_000 });
    // The notifier's history is on the page too, with each channel's state. (DeployFailed itself
    // was silenced before Alertmanager's group_wait, so it never reached the notifier: post one.)
    const startsAt = new Date().toISOString();
    const payload = {
      version: "4",
      groupKey: '{}:{alertname="PortalHistory"}',
      status: "firing",
      receiver: "default",
      alerts: [
        { status: "firing", labels: { alertname: "PortalHistory", severity: "warning" }, annotations: {}, startsAt },
      ],
    };
    expect((await post(`${url(port.notifier)}/api/v1/alerts`, payload)).status).toBe(200);
    await page.goto(front() + "/alerts");
    const history = page.locator('[data-widget="notifications"] tr', { hasText: "PortalHistory" });
    await history.waitFor();
    // Its receiver has no channel: said in Chinese, not "(none) 无法送达".
    await expect(history.innerText()).resolves.toContain("无渠道，未送达");
    await shot(page, "alerts-history-zh");
    // "Send a test message" goes to the notifier with the portal's token: a channel it does not
    // have is its 404, passed on (a wrong token would be refused, 401, said as 502).
    const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")!.value;
    const tested = await page.evaluate(async (token) => {
      const r = await fetch("/api/channels/test", {
        method: "POST",
        headers: { "content-type": "application/json", "x-opsdeck-csrf": token },
        body: JSON.stringify({ channel: "no-such-channel" }),
      });
      return { status: r.status, body: await r.text() };
    }, csrf);
    expect(tested).toEqual({ status: 404, body: expect.stringContaining('no channel named \\"no-such-channel\\"') });
    await page.close();
  });

  it("draws the timeline: the demo's deploys, the alert they caused, its errors and the KPIs, on one axis", async () => {
    const page = await browser.newPage({ locale: "zh-CN", viewport: { width: 1440, height: 900 } });
    await signIn(page, "ops", "ops-password-1");
    // The demo's failed deploy fires DeployFailed (the Alerts test waits for it too).
    type Firing = { labels: Record<string, string>; startsAt: string };
    const deployFailed = await eventually(
      async () =>
        ((await getJson(`${url(port.am)}/api/v2/alerts?active=true`)) as Firing[]).find(
          (a) => a.labels.alertname === "DeployFailed",
        ),
      (a) => a !== undefined,
      120_000,
    );
    const { project, environment } = deployFailed!.labels;
    // The API: the lanes as the contract says, every source answering.
    // (Prometheus' ALERTS series can trail Alertmanager's copy of an alert by a rule interval.)
    const timelineApi = `${front()}/api/timeline?${new URLSearchParams({ project, environment, from: new Date(Date.now() - 4 * 3_600_000).toISOString() })}`;
    const lanes = await eventually(
      async () => {
        const api = await page.request.get(timelineApi);
        expect(api.status()).toBe(200);
        return timelineSchema.parse(await api.json());
      },
      (l) => l.alerts.some((a) => a.alertname === "DeployFailed"),
      60_000,
    );
    expect(lanes.sources.filter((x) => !x.ok)).toEqual([]);
    expect(lanes.deploys.some((d) => d.project === project && d.status === "failed")).toBe(true);
    expect(lanes.alerts.some((a) => a.alertname === "DeployFailed" && a.end === undefined)).toBe(true);
    expect(lanes.logs.some((l) => l.service === "demo-shop" && l.error.some((n) => n > 0))).toBe(true);
    expect(lanes.kpis.map((k) => k.id)).toContain("orders_per_minute");
    expect((await page.request.get(`${front()}/api/timeline?from=yesterday`)).status()).toBe(400);
    expect((await fetch(`${front()}/api/timeline`)).status).toBe(401);

    // The page, from the alert: its start and the likeliest change before it marked.
    await page.goto(front() + alertTimelinePath(deployFailed!.labels, deployFailed!.startsAt, { hoursBefore: 4 }));
    await page.locator('[data-lane="deploys"] rect[data-status="failed"]').first().waitFor();
    // (The page's own lanes, as the API gives them for its URL, say what is missing if anything is.)
    const pageLanes = timelineSchema.parse(
      await (
        await page.request.get(
          front() +
            alertTimelinePath(deployFailed!.labels, deployFailed!.startsAt, { hoursBefore: 4 }).replace(
              "/timeline?",
              "/api/timeline?",
            ),
        )
      ).json(),
    );
    // An alert younger than one step is still on it (the steps end at the range's end).
    expect(pageLanes.alerts.map((a) => a.alertname)).toContain("DeployFailed");
    expect(await page.locator('[data-lane="alerts"] rect[data-alertname="DeployFailed"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-lane^="logs-"]').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-lane^="kpi-"]').count()).toBeGreaterThan(0);
    await page.locator('[data-mark="alert"]').waitFor();
    await expect(page.locator("[data-highlight]").textContent()).resolves.toMatch(/最可能的变更：?\s*\S+/);
    // A tap on a deploy says what it was, with a link to it.
    await page.locator('[data-lane="deploys"] rect[data-status="failed"]').first().click();
    await expect(page.locator("[data-selected]").textContent()).resolves.toContain(project);
    await shot(page, "timeline-zh-1440");
    // Drag across the lanes: the range narrows to the dragged span, kept in the URL with the scope.
    const box = (await page.locator(".tl-lanes").boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.5, box.y + 5);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.9, box.y + 5, { steps: 5 });
    await page.mouse.up();
    await page.waitForURL(/to=/);
    const zoomed = new URL(page.url()).searchParams;
    expect(zoomed.get("project")).toBe(project);
    expect(Date.parse(zoomed.get("to")!) - Date.parse(zoomed.get("from")!)).toBeLessThan(2.5 * 3_600_000);
    // From a deploy's page: its timeline.
    const failedDeploy = lanes.deploys.find((d) => d.status === "failed")!;
    await page.goto(`${front()}/deploys/${encodeURIComponent(failedDeploy.id)}`);
    await page.locator("[data-timeline-link]").click();
    await page.waitForURL(/\/timeline\?/);
    await page.locator('[data-lane="deploys"] rect').first().waitFor();
    await page.close();
  });

  it("searches logs, filters by a field value, opens context, and tails live", async () => {
    const es = esClient(parseConfig(config(), "test"));
    const now = Date.now();
    const docs = Array.from({ length: 60 }, (_, n) =>
      filebeatDoc(n % 3 ? "pm2" : "nginx-access", new Date(now - (60 - n) * 20_000), n, {
        // Filebeat ships this stack's own logs to the same indices: this test's lines are its host's.
        host: "portal-test",
        service: n % 3 ? (n % 2 ? "shop" : "worker") : undefined,
        message: n % 5 === 0 ? `upstream timeout after ${n} ms` : undefined,
        level: n % 5 === 0 ? "error" : undefined,
      }),
    );
    await es.bulk({
      refresh: true,
      operations: docs.flatMap((d) => [{ create: { _index: indexName.logs("t-portal") } }, d]),
    });
    const page = await browser.newPage({ locale: "zh-CN" });
    const errors = consoleErrors(page);
    await signIn(page, "ops", "ops-password-1");
    // The demo shop's own lines, shipped by Filebeat as the stack runs, are there with no import.
    await page.goto(front() + "/logs?q=service.name:demo-shop");
    await page
      .locator("tr[data-line] td.msg", { hasText: /order \w+ paid via/ })
      .first()
      .waitFor({ timeout: 60_000 });
    await shot(page, "logs-shipped-zh");
    // The search box's own example is true against the demo: it finds the demo shop's failed payments.
    const example = (await page.locator('input[name="q"]').getAttribute("placeholder"))!.split(/例如 |e\.g\. /)[1];
    expect(example).toBe("service.name:demo-shop AND PaymentError");
    await page.fill('input[name="q"]', example);
    await page.click('form.filters button[type="submit"]');
    await page.locator("tr[data-line] td.msg", { hasText: "PaymentError" }).first().waitFor({ timeout: 60_000 });
    // Errors only: one tap keeps error and fatal lines, another undoes it.
    await page.fill('input[name="q"]', "service.name:demo-shop");
    await page.click('form.filters button[type="submit"]');
    await page.click("[data-errors-only]");
    await page.waitForURL(/level=error&level=fatal/);
    // (The previous results stay on the page until the new search answers.)
    await expect.poll(() => page.locator("tr[data-line] .pill.lvl-info").count(), { timeout: 15_000 }).toBe(0);
    expect(await page.locator("tr[data-line] .pill.lvl-error").count()).toBeGreaterThan(0);
    await page.click("[data-errors-only]");
    await page.waitForURL((u) => !u.search.includes("level="));
    await page.goto(front() + "/logs?q=host.name:portal-test");
    await page.locator('[data-total="60"]').waitFor();
    await page.fill('input[name="q"]', "timeout AND host.name:portal-test");
    await page.click('form.filters button[type="submit"]');
    await page.locator('[data-total="12"]').waitFor();
    expect(await page.locator("td.msg mark").first().textContent()).toBe("timeout");
    expect(await page.locator("[data-histogram] rect").count()).toBeGreaterThan(0);
    // The histogram has a scale and a time axis, in the reader's 24-hour format.
    expect(Number((await page.locator("[data-histogram-max]").textContent())!.replace(/,/g, ""))).toBeGreaterThan(0);
    const axis = await page.locator("[data-histogram-axis] span").allTextContents();
    expect(axis).toHaveLength(5);
    for (const tick of axis) expect(tick).toMatch(/^\d{2}:\d{2}(:\d{2})?(\n\d{2}\/\d{2})?$/);
    await shot(page, "logs-zh");
    // A field value filters on click.
    await page.locator('[data-facet="service.name"] button[data-value="worker"]').click();
    await page.waitForURL(/service=worker/);
    await page.locator('[data-filter="service:worker"]').waitFor();
    // The results follow once the search answers: only worker's lines.
    const services = await eventually(
      () => page.locator("tr[data-line] td:nth-child(3)").allTextContents(),
      (l) => l.length > 0 && l.every((x) => x === "worker"),
    );
    expect(new Set(services)).toEqual(new Set(["worker"]));
    // Context: the lines around one, from the same file.
    await page.locator("tr[data-line] button.link").first().click();
    await page.locator("tr[data-context] pre .self").waitFor();
    expect(await page.locator("tr[data-context] pre div").count()).toBeGreaterThan(1);
    await shot(page, "logs-context-zh");
    // Live tail: a line indexed now shows up on top without a reload.
    await page.locator('button[data-tail="off"]').click();
    await page.locator('[data-live="true"]').waitFor();
    await new Promise((r) => setTimeout(r, 1500));
    await es.index({
      index: indexName.logs("t-portal"),
      refresh: true,
      document: filebeatDoc("pm2", new Date(), 1000, {
        host: "portal-test",
        service: "worker",
        message: "tail e2e timeout line",
      }),
    });
    const totalBefore = Number(await page.locator("[data-total]").getAttribute("data-total"));
    await page.locator("tr[data-line] td.msg", { hasText: "tail e2e timeout line" }).waitFor({ timeout: 15_000 });
    // The hit count follows the tail.
    expect(Number(await page.locator("[data-total]").getAttribute("data-total"))).toBe(totalBefore + 1);
    await shot(page, "logs-tail-zh");
    // A query it cannot parse: said on the page, with where.
    await page.fill('input[name="q"]', "service.name:shop AND (x");
    await page.click('form.filters button[type="submit"]');
    await expect(page.locator("[data-query-error]").textContent()).resolves.toContain("缺少右括号");

    // Import a file from the page: its progress bar runs to done, then its lines are searchable.
    const file = join(stack.dir, "upload.log");
    writeFileSync(
      file,
      Array.from(
        { length: 3000 },
        (_, i) => `2026-11-22T08:${String(i % 60).padStart(2, "0")}:00Z INFO imported line ${i}`,
      ).join("\n") + "\nnot a log line at the end, but after one: joined\n{broken json\n",
    );
    await page.locator("[data-imports] summary").click();
    await page.setInputFiles('input[name="import"]', file);
    await page.locator('[data-import-progress="done"]').waitFor({ timeout: 60_000 });
    await expect(page.locator("[data-import-progress]").textContent()).resolves.toMatch(/3,002 .*1 /);
    await shot(page, "logs-import-zh");
    await page.locator("tr[data-import] button").first().click();
    // The chip names the import by its file, and the range is the import's own span of times.
    await expect(page.locator('[data-filter="source"]').textContent()).resolves.toContain("upload.log");
    const range = await page.locator('select[name="range"] option:checked').textContent();
    expect(range).toMatch(/^2026\/11\/22 \d{2}:\d{2}:\d{2} – 2026\/11\/22 \d{2}:\d{2}:\d{2}$/);
    await page.locator('[data-filter="service:worker"]').click();
    await page.fill('input[name="q"]', "");
    await page.click('form.filters button[type="submit"]');
    await page.locator('[data-total="3000"]').waitFor();
    // A file of which no line can be read: the list says why, once the progress box is gone too.
    const garbage = join(stack.dir, "garbage.log");
    writeFileSync(garbage, "no time here\nnor here\n");
    await page.setInputFiles('input[name="import"]', garbage);
    await page.locator('[data-import-progress="done"]').waitFor({ timeout: 60_000 });
    await expect(
      page.locator("tr[data-import]", { hasText: "garbage.log" }).locator("[data-import-error]").textContent(),
    ).resolves.toMatch(/^第 1 行无法读取：\s*no timestamp/);
    // Nothing broke on the way (the refused query's 400 is the one resource error, and meant).
    expect(
      errors.filter((e) => !e.startsWith("Failed to load resource: the server responded with a status of 400")),
    ).toEqual([]);
    await page.close();
  });

  it("switches language", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.click("header.top button:has-text('English')");
    await page.locator("header.top a", { hasText: "Overview" }).waitFor();
    expect(await page.locator("html").getAttribute("lang")).toBe("en");
    await expect(page.locator("main h1").first().innerText()).resolves.toBe("Overview");
    await page.close();
  });

  // Every page as a person checks it, in both languages, both themes and at a phone's and a
  // desktop's width: it answers 200 with its heading, logs no console error, nothing sticks out
  // sideways; in Chinese no English word is left; in English no Chinese. A screenshot of each.
  const PAGES = [
    ["/", { "zh-CN": "总览", en: "Overview" }],
    ["/deploys", { "zh-CN": "部署", en: "Deploys" }],
    ["/deploys/walk-e2e", { "zh-CN": "shop", en: "shop" }],
    ["/hosts", { "zh-CN": "主机", en: "Hosts" }],
    ["/system", { "zh-CN": "系统", en: "System" }],
    ["/processes", { "zh-CN": "进程", en: "Processes" }],
    ["/services", { "zh-CN": "服务", en: "Services" }],
    ["/business", { "zh-CN": "业务", en: "Business" }],
    ["/alerts", { "zh-CN": "告警", en: "Alerts" }],
    ["/timeline", { "zh-CN": "时间线", en: "Timeline" }],
    ["/probes", { "zh-CN": "探测", en: "Probes" }],
    ["/status", { "zh-CN": "服务状态", en: "Service" }],
    ["/logs", { "zh-CN": "日志", en: "Logs" }],
    ["/dashboards", { "zh-CN": "仪表盘", en: "Dashboards" }],
  ] as const;
  for (const lang of ["zh-CN", "en"] as const)
    it(`reads right on every page in ${lang}: status, heading, no console error, no overflow, the language`, async () => {
      // Every problem on every page, said together (one failing page does not hide the others).
      const problems: string[] = [];
      // A deploy of its own, so the detail page has one to show whichever tests ran before.
      await post(`${url(port.deploy)}/api/v1/deploys`, {
        id: "walk-e2e",
        project: "shop",
        environment: "production",
        version: "1.2.3",
      });
      const check = (at: string, what: string, seen: unknown, wanted: unknown) => {
        if (JSON.stringify(seen) !== JSON.stringify(wanted))
          problems.push(`${at}: ${what} ${JSON.stringify(seen)}, not ${JSON.stringify(wanted)}`);
      };
      for (const theme of ["light", "dark"] as const)
        for (const width of [390, 1440]) {
          const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
          const host = new URL(front()).hostname;
          await context.addCookies([
            { name: "lang", value: lang, domain: host, path: "/" },
            { name: "theme", value: theme, domain: host, path: "/" },
          ]);
          const page = await context.newPage();
          const errors = consoleErrors(page);
          await signIn(page, "ops", "ops-password-1");
          for (const [path, heading] of PAGES) {
            const at = `${path} (${lang}, ${theme}, ${width}px)`;
            const res = await page.goto(front() + path);
            check(at, "status", res!.status(), 200);
            await page.waitForLoadState("networkidle").catch(() => undefined);
            const h1 = await page
              .locator("main h1")
              .first()
              .innerText({ timeout: 5000 })
              .catch(() => "(no heading)");
            check(at, "heading", h1.split(/\s/)[0], heading[lang]);
            check(at, "overflow", await overflow(page), { pageScrolls: false, sticking: [] });
            check(at, "layout", await layoutProblems(page, width === 390), []);
            if (theme === "light" && width === 1440) {
              if (lang === "zh-CN") check(at, "English words", await untranslatedWords(page), []);
              // The language switch is written in the language it switches to.
              else check(at, "Chinese", await chineseWords(page), ["中文"]);
            }
            await shot(
              page,
              `${path === "/" ? "overview" : path.slice(1).replace(/\//g, "-")}-${lang}-${theme}-${width}`,
            );
          }
          check(`${lang} ${theme} ${width}px`, "console errors", errors, []);
          await context.close();
        }
      expect(problems).toEqual([]);
    });

  it("shows each app's requests and exceptions: the demo shop's, sent by OpsDeck's preload from both its workers, and one request's log lines", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const row = page.locator('[data-widget="services"] tr[data-service="demo-shop"]');
    // Two exports 15 s apart make the first rate.
    const routes = await eventually(
      async () => {
        await page.goto(front() + "/services");
        return row
          .locator('[data-column="routes"]')
          .textContent({ timeout: 5000 })
          .catch(() => "");
      },
      (text) => (text ?? "").includes("/products/:id"),
      90_000,
    );
    expect(routes).not.toMatch(/\/products\/\d/);
    await expect(row.textContent()).resolves.toContain("2 个工作进程");
    expect(
      Number((await row.locator('[data-column="requests"]').textContent())!.replace(/[^\d.]/g, "")),
    ).toBeGreaterThan(0);
    await expect(row.locator('[data-column="latency"]').textContent()).resolves.toMatch(/ms \/ .* \/ /);
    // Failed payments in its checkout: counted by type, once per request.
    for (let i = 0; i < 5; i++) await post(`${url(port.demoShop)}/api/checkout?fail=1`, {});
    const payments = await eventually(
      async () => {
        await page.goto(front() + "/services");
        const text = await row.locator('[data-exception="PaymentError"] .muted').textContent({ timeout: 5000 });
        return Number((text ?? "").replace(/\D/g, ""));
      },
      (n) => n >= 5,
      60_000,
    );
    expect(payments).toBeGreaterThanOrEqual(5);
    await shot(page, "services-zh");
    // Every log line of one of those requests: its "checkout started" line and its stack trace.
    await page.goto(front() + "/logs?q=" + encodeURIComponent("service.name:demo-shop AND PaymentError"));
    const oneRequest = page.locator("tr[data-line] button[data-trace]").first();
    await oneRequest.waitFor({ timeout: 90_000 });
    const traceId = (await oneRequest.getAttribute("data-trace"))!;
    expect(traceId).toMatch(/^[0-9a-f]{32}$/);
    await oneRequest.click();
    await page.waitForURL((u) => u.searchParams.get("q") === `trace.id:${traceId}`);
    const lines = page.locator("tr[data-line] td.msg");
    await expect.poll(() => lines.count(), { timeout: 15_000 }).toBe(2);
    const texts = await lines.allTextContents();
    expect(texts.some((m) => /^INFO checkout \w+ started trace\.id=/.test(m))).toBe(true);
    expect(texts.some((m) => m.startsWith("PaymentError: payment"))).toBe(true);

    // Page load as a browser saw it: the demo shop's product page (its script and beacon from the
    // front door), left for another page so the browser reports; then the browser's TTFB beside
    // the server's own time for that route, and the portal's own pages.
    const shopPage = await browser.newPage();
    await shopPage.goto(`${url(port.demoShop)}/products/7`);
    await shopPage.locator("h1").waitFor();
    await shopPage.goto("about:blank");
    await shopPage.close();
    const pageLoad = page.locator('[data-widget="page-load"] tr[data-page="demo-shop /products/:id desktop"]');
    const DURATIONS = /^\d+(\.\d+)? m?s \/ \d+(\.\d+)? m?s$/;
    const ttfb = await eventually(
      async () => {
        await page.goto(front() + "/services");
        return pageLoad.locator('[data-vital="TTFB"]').textContent({ timeout: 5000 });
      },
      // A slow first load (a loaded CI machine) reads "1.10 s": durations switch to seconds past 1 s.
      (text) => DURATIONS.test(text ?? ""),
      90_000,
    );
    expect(ttfb).toMatch(DURATIONS);
    await expect(pageLoad.locator('[data-vital="LCP"] [data-rating]').textContent()).resolves.toMatch(/\d m?s · 良好$/);
    await expect(pageLoad.locator('[data-vital="LCP"] [data-shares]').textContent()).resolves.toMatch(
      /^良好 100% · 待改进 0% · 较差 0%$/,
    );
    expect(await page.locator('[data-widget="page-load"] tr[data-page^="portal /"]').count()).toBeGreaterThan(0);
    // The Redis opsdeck.yml lists, through its exporter: reachable, its clients against maxclients.
    const cache = page.locator('[data-widget="databases"] tr[data-database="cache"]');
    await expect(cache.locator('[data-column="state"]').textContent()).resolves.toBe("正常");
    await expect(cache.locator('[data-column="connections"]').textContent()).resolves.toMatch(/^\d+ \/ 100 \d+%$/);
    // An app's pool of one, three requests at once: two wait for its connection.
    await Promise.all(Array.from({ length: 3 }, () => fetch(`${url(ordersPort)}/orders/1`)));
    const pool = page.locator('[data-widget="db-pools"] tr[data-pool^="orders "]');
    const waited = await eventually(
      async () => {
        await page.goto(front() + "/services");
        return (await pool.locator('[data-column="waited"]').textContent({ timeout: 5000 })) ?? "";
      },
      (text) => Number(text) >= 1,
      60_000,
    );
    expect(Number(waited)).toBeGreaterThanOrEqual(1);
    await expect(pool.textContent()).resolves.toContain(`orders · app-1 → 127.0.0.1:${postgres.port}/postgres`);
    await expect(pool.locator('[data-column="open"]').textContent()).resolves.toBe("1 / 1");
    await shot(page, "services-page-load-zh");
    // On a phone, in English: the same rows, stacked.
    const phone = await browser.newPage({ locale: "en", viewport: { width: 390, height: 844 } });
    await signIn(phone, "ops", "ops-password-1");
    await phone.goto(front() + "/services");
    await expect(
      phone.locator('[data-widget="db-pools"] tr[data-pool^="orders "] [data-column="waited"]').textContent(),
    ).resolves.toBe(waited);
    expect(await overflow(phone)).toEqual({ pageScrolls: false, sticking: [] });
    await shot(phone, "services-pools-en-390");
    await phone.close();
    await page.close();
  });

  it("shows each probe's state, and why one is down", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const row = (name: string) => page.locator(`[data-widget="probes"] tr[data-probe="${name}"]`);
    await eventually(
      async () => {
        await page.goto(front() + "/probes");
        return Promise.all(["front-door", "missing-page", "slow-page"].map((p) => row(p).getAttribute("data-state")));
      },
      (states) => states.join(" ") === "up down slow",
      60_000,
    );
    await expect(row("missing-page").locator("[data-reason]").textContent()).resolves.toBe("返回状态码 404");
    await expect(row("front-door").textContent()).resolves.toMatch(/正常/);
    // Slow: its p95 against its own threshold, said.
    await expect(row("slow-page").textContent()).resolves.toMatch(/缓慢[\s\S]*1\.\d+ s \/ 300 ms/);
    await shot(page, "probes-zh");
    await page.close();
  });

  it("adds a probe from the Probes page: on disk, audited, run by blackbox without a restart; edited, refused, removed", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/probes");
    const form = '[data-form="probe"]';
    await page.click('[data-probe-editor] button[aria-expanded="false"]');
    await page.fill(`${form} input[name="name"]`, "portal-page");
    await page.fill(`${form} input[name="target"]`, `${front()}/signin`);
    await page.fill(`${form} input[name="keyword"]`, "OpsDeck");
    await page.fill(`${form} textarea[name="headers"]`, "X-Api-Key: sekrit-4711");
    await page.fill(`${form} input[name="slow_ms"]`, "2000");
    await page.fill(`${form} input[name="labels"]`, "project=shop");
    await shot(page, "probes-editor-zh");
    await page.click(`${form} button[type="submit"]`);
    await page.locator('[data-managed-probe="portal-page"]').waitFor();
    // On disk before the answer: the portal's probes file (its user's alone), its modules, blackbox.yml.
    const probesFile = join(dirname(stack.file), "data/portal/probes.yml");
    expect(readFileSync(probesFile, "utf8")).toMatch(/name: portal-page[\s\S]*X-Api-Key: sekrit-4711/);
    expect(statSync(probesFile).mode & 0o777).toBe(0o600);
    const targets = join(stack.dir, "state/data/targets");
    expect(readFileSync(join(targets, "blackbox.yml"), "utf8")).toMatch(/probe_portal-page:[\s\S]*probe_front-door:/);
    expect(JSON.parse(readFileSync(join(targets, "probes/portal.json"), "utf8"))).toEqual([
      {
        targets: [`${front()}/signin`],
        labels: { project: "shop", probe: "portal-page", probe_type: "http", __param_module: "probe_portal-page" },
      },
    ]);
    // blackbox and Prometheus (15 s scrapes) run it; the row says it is up and was added here.
    const row = page.locator('[data-widget="probes"] tr[data-probe="portal-page"]');
    await eventually(
      async () => {
        await page.reload();
        return row.getAttribute("data-state", { timeout: 5000 }).catch(() => null);
      },
      (state) => state === "up",
      60_000,
    );
    await expect(row.textContent()).resolves.toContain("门户添加");
    const audit = readFileSync(join(stack.dir, "state/logs/portal.log"), "utf8");
    expect(audit).toMatch(/"event.action":"probe-added"/);
    expect(audit).not.toContain("sekrit-4711");
    // Edited: a keyword the page does not hold, and the probe says why it is down.
    await page.locator('[data-managed-probe="portal-page"] button').first().click();
    await page.fill(`${form} input[name="keyword"]`, "no-such-words-on-the-page");
    await page.click(`${form} button[type="submit"]`);
    await page.locator(form).waitFor({ state: "detached" });
    await eventually(
      async () => {
        await page.reload();
        return row
          .locator("[data-reason]")
          .textContent({ timeout: 5000 })
          .catch(() => null);
      },
      (reason) => reason === "页面中没有要求的关键字",
      60_000,
    );
    // Refused, with the reason: opsdeck.yml's names, a bad target, a server path, a viewer's change.
    const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")!.value;
    const answers = await page.evaluate(async (token) => {
      const send = async (method: string, path: string, body: unknown) => {
        const res = await fetch(path, {
          method,
          headers: { "content-type": "application/json", "x-opsdeck-csrf": token },
          body: JSON.stringify(body),
        });
        return [res.status, ((await res.json()) as { error: string }).error];
      };
      return [
        await send("POST", "/api/probes", { name: "front-door", type: "tcp", target: "127.0.0.1:1" }),
        await send("PUT", "/api/probes/front-door", { name: "front-door", type: "tcp", target: "127.0.0.1:1" }),
        await send("POST", "/api/probes", { name: "ftp", type: "http", target: "ftp://example.com/" }),
        await send("POST", "/api/probes", { name: "ca", type: "tls", target: "a:443", ca_file: "/etc/shadow" }),
      ];
    }, csrf);
    expect(answers).toEqual([
      [409, 'a probe named "front-door" already exists'],
      [409, '"front-door" is declared in opsdeck.yml: change it there'],
      [400, "target: an http:// or https:// URL for an http probe"],
      [400, "ca_file: a private CA is set in opsdeck.yml, not from the portal"],
    ]);
    // Removed: gone from blackbox.yml and the targets; opsdeck.yml's probes untouched.
    page.once("dialog", (dialog) => void dialog.accept());
    await page.locator('[data-managed-probe="portal-page"] button').last().click();
    await page.locator('[data-managed-probe="portal-page"]').waitFor({ state: "detached" });
    expect(readFileSync(join(targets, "blackbox.yml"), "utf8")).not.toContain("probe_portal-page");
    expect(readFileSync(join(targets, "blackbox.yml"), "utf8")).toContain("probe_front-door:");
    expect(JSON.parse(readFileSync(join(targets, "probes/portal.json"), "utf8"))).toEqual([]);
    expect(readFileSync(join(stack.dir, "state/logs/portal.log"), "utf8")).toMatch(/"event.action":"probe-removed"/);
    await page.close();
  });

  it("serves a vantage point the modules of its probes, through the front door, with its host token alone", async () => {
    const page = await browser.newPage({ locale: "en" });
    await signIn(page, "ops", "ops-password-1");
    const { token, sha256 } = newPushToken();
    const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")!.value;
    const statuses = await page.evaluate(
      async ({ token: csrfToken, sha }) => {
        const send = async (path: string, body: unknown) =>
          (
            await fetch(path, {
              method: "POST",
              headers: { "content-type": "application/json", "x-opsdeck-csrf": csrfToken },
              body: JSON.stringify(body),
            })
          ).status;
        return [
          await send("/api/hosts", {
            name: "vantage-9",
            address: "127.0.0.1",
            node_exporter: false,
            pm2_exporter: false,
            blackbox_exporter: 19115,
            push_token_sha256: sha,
          }),
          await send("/api/probes", {
            name: "from-afar",
            type: "tcp",
            target: "127.0.0.1:22",
            vantage_points: { hosts: ["vantage-9"], agree: 2 },
          }),
          // A secret header would reach the agents: refused with vantage points.
          await send("/api/probes", {
            name: "secret-afar",
            type: "http",
            target: "http://127.0.0.1/",
            http: { headers: { "X-Api-Key": "k" } },
            vantage_points: { hosts: ["vantage-9"] },
          }),
        ];
      },
      { token: csrf, sha: sha256 },
    );
    expect(statuses).toEqual([201, 201, 400]);
    const modules = (auth?: string) =>
      fetch(`${front()}/api/agent/probes`, { headers: auth ? { authorization: auth } : {} });
    const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
    const answer = await eventually(
      () => modules(basic("vantage-9", token)).then(async (r) => [r.status, await r.text()] as const),
      ([, text]) => text.includes("probe_from-afar"),
      15_000,
    );
    expect(answer[0]).toBe(200);
    expect(Object.keys((parseYaml(answer[1]) as { modules: object }).modules)).toEqual(["probe_from-afar"]);
    // Its targets for Prometheus, and the count the rule compares with (2 of its 2 vantage points).
    const targets = join(stack.dir, "state/data/targets");
    expect(JSON.parse(readFileSync(join(targets, "probes/agents/portal.json"), "utf8"))).toEqual([
      {
        targets: ["127.0.0.1:19115"],
        labels: {
          probe: "from-afar",
          probe_type: "tcp",
          host: "vantage-9",
          __param_target: "127.0.0.1:22",
          __param_module: "probe_from-afar",
        },
      },
    ]);
    expect(readFileSync(join(targets, "textfile/probes-portal.prom"), "utf8")).toMatch(
      /^opsdeck_probe_agree\{probe="from-afar"\} 2$/m,
    );
    expect((await modules(basic("vantage-9", "wrong"))).status).toBe(401);
    expect((await modules()).status).toBe(401);
    expect(await (await modules(basic("nobody", token))).json()).toEqual({ error: 'no host named "nobody"' });
    await page.evaluate(async (csrfToken) => {
      for (const path of ["/api/probes/from-afar", "/api/hosts/vantage-9"])
        await fetch(path, { method: "DELETE", headers: { "x-opsdeck-csrf": csrfToken } });
    }, csrf);
    await page.close();
  });

  it("keeps a public status page: public probes by display name only, incidents with notes, maintenance from CI", async () => {
    const am = url(port.am);
    const maintenance = (body: unknown, authorization?: string) =>
      fetch(front() + "/api/maintenance", {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(body),
      });
    const window = { title: "结账系统升级", scope: { probe: "missing-page" }, minutes: 30 };
    // CI's token, and nothing less.
    expect((await maintenance(window)).status).toBe(401);
    expect((await maintenance(window, "Bearer not-the-token-at-all")).status).toBe(401);
    const bad = await maintenance({ ...window, scope: {} }, `Bearer ${MAINTENANCE_TOKEN}`);
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([
      400,
      "scope: name at least one of probe, host, app, project, environment",
    ]);
    const past = await maintenance(
      { ...window, starts_at: new Date(Date.now() - 3_600_000).toISOString() },
      `Bearer ${MAINTENANCE_TOKEN}`,
    );
    expect(past.status).toBe(400);
    // Alerts that share some of the window's labels but not all: only the probe's own are silenced.
    const alerts = [
      { alertname: "ProbeDown", probe: "missing-page", severity: "critical" },
      { alertname: "ProbeDown", probe: "front-door", severity: "critical" },
      { alertname: "HostDown", host: "missing-page", severity: "critical" },
    ];
    await post(
      `${am}/api/v2/alerts`,
      alerts.map((labels) => ({ labels: { ...labels, test: "maintenance" }, startsAt: new Date().toISOString() })),
    );
    const opened = await maintenance(window, `Bearer ${MAINTENANCE_TOKEN}`);
    expect(opened.status).toBe(201);
    const { id } = (await opened.json()) as { id: string };
    const silencedBy = await eventually(
      async () => {
        const list = (await getJson(`${am}/api/v2/alerts?filter=test%3D%22maintenance%22`)) as {
          labels: Record<string, string>;
          status: { silencedBy: string[] };
        }[];
        return Object.fromEntries(
          list.map((a) => [
            `${a.labels.alertname}/${a.labels.probe ?? a.labels.host}`,
            a.status.silencedBy.includes(id),
          ]),
        );
      },
      (seen) => Object.keys(seen).length === 3 && seen["ProbeDown/missing-page"] === true,
      30_000,
    );
    expect(silencedBy).toEqual({
      "ProbeDown/missing-page": true,
      "ProbeDown/front-door": false,
      "HostDown/missing-page": false,
    });
    const listed = (await (
      await fetch(front() + "/api/maintenance", { headers: { authorization: `Bearer ${MAINTENANCE_TOKEN}` } })
    ).json()) as { windows: { id: string; title: string; createdBy: string }[] };
    expect(listed.windows.find((w) => w.id === id)).toMatchObject({ title: "结账系统升级", createdBy: "ci" });

    // The public page, without a session: the display names, the window, the incident — and
    // nothing of the configuration behind them.
    const publicPage = async (lang = "zh-CN") => {
      const res = await fetch(`${front()}/status?lang=${lang}`);
      expect(res.status).toBe(200);
      return res.text();
    };
    // What a reader sees (the page's text), until the window and the incident are on it.
    const seen = async (lang = "zh-CN") =>
      (await publicPage(lang))
        .replace(/<script[\s\S]*?<\/script>/g, "")
        .replace(/<[^>]+>/g, " ")
        .replace(/\s+/g, " ");
    await eventually(
      seen,
      (text) => text.includes("结账系统升级") && text.includes("结账页面 不可用") && text.includes("维护中"),
      150_000,
    );
    const html = await publicPage();
    expect(html).toContain("网上商城");
    expect(html).toContain("结账页面");
    const internal = [
      "front-door",
      "missing-page",
      "slow-page",
      "checkout-api",
      "127.0.0.1",
      "localhost",
      `:${port.slow}`,
      `:${port.front}`,
      'project="shop"',
    ];
    expect(internal.filter((word) => html.includes(word))).toEqual([]);
    // The host's name (which may be as short as "vm") as a word of what the page says.
    expect((await seen()).split(/[\s,.·:()（）]+/)).not.toContain(os.hostname());

    // An operator's public note on the incident, from the Probes page.
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    await page.goto(front() + "/probes");
    const incident = page.locator('[data-widget="incidents"] tr[data-incident="missing-page"]').first();
    await incident.locator('input[name="text"]').fill("已定位：结账接口返回 404，正在修复");
    await incident.locator('button[type="submit"]').click();
    await expect.poll(() => publicPage(), { timeout: 20_000 }).toContain("已定位：结账接口返回 404，正在修复");
    await shot(page, "probes-maintenance-zh");
    await page.close();
    expect(await seen("en")).toMatch(/Scheduled maintenance[\s\S]*结账页面 is down/);

    // The public page at a phone's width and a desktop's, in both languages, signed out.
    for (const lang of ["zh-CN", "en"] as const)
      for (const width of [390, 1440]) {
        const context = await browser.newContext({ locale: lang, viewport: { width, height: 900 } });
        const view = await context.newPage();
        await view.goto(`${front()}/status?lang=${lang}`);
        expect([lang, width, await overflow(view)]).toEqual([lang, width, { pageScrolls: false, sticking: [] }]);
        await shot(view, `status-public-${lang}-${width}`);
        await context.close();
      }

    // Ended early: the alert is no longer silenced, and the page no longer says maintenance.
    const ended = await fetch(`${front()}/api/maintenance?id=${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${MAINTENANCE_TOKEN}` },
    });
    expect(ended.status).toBe(204);
    const again = await fetch(`${front()}/api/maintenance?id=${id}`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${MAINTENANCE_TOKEN}` },
    });
    expect(again.status).toBe(404);
  }, 300_000);

  it("a viewer cannot silence, nor add a host or a probe", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "guest", "guest-password-1");
    await page.goto(front() + "/alerts");
    await expect(page.locator("body").textContent()).resolves.toContain("只读用户不能静默或确认告警");
    await page.goto(front() + "/hosts");
    await expect(page.locator("body").textContent()).resolves.toContain("只读用户不能添加或修改主机");
    const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")!.value;
    const statuses = await page.evaluate(async (token) => {
      const send = async (path: string, body: unknown) =>
        (
          await fetch(path, {
            method: "POST",
            headers: { "content-type": "application/json", "x-opsdeck-csrf": token },
            body: JSON.stringify(body),
          })
        ).status;
      return [
        await send("/api/silences", { matchers: [{ name: "alertname", value: "X" }], minutes: 5, comment: "no" }),
        await send("/api/hosts", { name: "sneaky", address: "10.0.0.9" }),
        await send("/api/probes", { name: "sneaky", type: "tcp", target: "10.0.0.9:22" }),
      ];
    }, csrf);
    expect(statuses).toEqual([403, 403, 403]);
    await page.close();
  });

  it("answers a bad silence matcher and an unknown deploy in the reader's language", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const csrf = (await page.context().cookies()).find((c) => c.name === "opsdeck_csrf")!.value;
    const answer = await page.evaluate(async (token) => {
      const res = await fetch("/api/silences", {
        method: "POST",
        headers: { "content-type": "application/json", "x-opsdeck-csrf": token },
        body: JSON.stringify({
          matchers: [{ name: "alertname", value: "([", isRegex: true }],
          minutes: 5,
          comment: "bad regex",
        }),
      });
      return { status: res.status, body: (await res.json()) as { error: string } };
    }, csrf);
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatch(
      /^Alertmanager 不接受这个匹配条件（例如正则表达式写错了）: invalid silence: .*invalid regular expression/,
    );
    const missing = await page.goto(front() + "/deploys/no-such-deploy");
    expect(missing!.status()).toBe(404);
    await expect(page.locator("main h1").textContent()).resolves.toBe("找不到这个页面");
    await page.click('main a[href="/"]');
    await page.waitForURL((u) => u.pathname === "/");
    await page.close();
  });

  it("a change without the CSRF token is refused", async () => {
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1");
    const status = await page.evaluate(
      async () =>
        (
          await fetch("/api/silences", {
            method: "POST",
            headers: { "content-type": "application/json" },
            body: JSON.stringify({ matchers: [{ name: "alertname", value: "X" }], minutes: 5, comment: "csrf" }),
          })
        ).status,
    );
    expect(status).toBe(403);
    await page.close();
  });

  it("a source that is down shows its error while the rest works", async () => {
    const file = join(stack.dir, "broken.yml");
    writeFileSync(
      file,
      config(
        { port: port.broken, sources: { deploy_url: `http://127.0.0.1:${port.broken + 1}` }, grafana: {} },
        { url: `http://127.0.0.1:${port.broken + 2}` },
      ),
    );
    brokenPortal = await launchPortal({ configFile: file, url: url(port.broken) });
    const page = await browser.newPage({ locale: "zh-CN" });
    await signIn(page, "ops", "ops-password-1", url(port.broken));
    const deploysToday = page.locator('[data-widget="今日部署"]');
    await expect(deploysToday.textContent()).resolves.toMatch(/数据源不可用: 127\.0\.0\.1:\d+: ECONNREFUSED/);
    await expect(page.locator('[data-service="svc_deploy"]').textContent()).resolves.toContain("部署服务");
    expect(await page.locator('[data-service="svc_deploy"] .s-down').count()).toBe(1);
    expect(await page.locator('[data-widget="components"] [data-service] .s-up').count()).toBe(3);
    await shot(page, "overview-source-down-zh");
    // Elasticsearch down: the Logs page says so; the other pages above still worked.
    await page.goto(url(port.broken) + "/logs");
    // (Not the first [role=alert]: Next's route announcer is one.)
    await page.locator("[data-query-error]", { hasText: "Elasticsearch: " }).waitFor();
    await shot(page, "logs-elasticsearch-down-zh");
    // With no Grafana configured, the Dashboards page says how to add one, and no frame is allowed.
    const res = await page.goto(url(port.broken) + "/dashboards");
    expect(res!.headers()["content-security-policy"]).toContain("frame-src 'none'");
    await expect(page.locator('[data-widget="dashboards-off"]').textContent()).resolves.toContain("portal.grafana");
    await page.close();
  });
});
