// `npm start`'s own code: the whole native stack comes up on free ports with the demo, every
// Prometheus target is up, every metric an alert or recording rule reads has its series, and an
// interrupt (Ctrl-C) stops everything it started.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { alertsPath, changeSummarySchema, timelineSchema } from "@opsdeck/contracts";
import { hashPassword } from "@opsdeck/core";
import {
  freePort,
  pm2,
  promQuery,
  REPO,
  startMariadb,
  startPostgres,
  startRedis,
  type DatabaseServer,
  type Proc,
} from "@opsdeck/stack";
import { dingtalkStandin, wecomStandin } from "@opsdeck/stack/chat-standins";
import { eventually, getJson, post, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { stackConfig, stackPorts, startStack, type RunningStack, type StackPorts } from "@opsdeck/stack/whole-stack";
import { ruleMetricNames } from "../provisioning/prometheus/metric-names.ts";
import { committedDashboards } from "../provisioning/grafana/src/dashboards.ts";
import { checkPrometheusQueries } from "../provisioning/grafana/src/prometheus-check.ts";
import { launchChromium } from "../portal/test/browser.ts";
import { layoutProblems, overflow } from "../portal/test/page-checks.ts";
import { cookieHeader, signIn } from "../portal/test/signin.ts";

let stack: Proc;
let running: RunningStack;
let port: StackPorts;
let webhook: Server;
let ding: Awaited<ReturnType<typeof dingtalkStandin>>;
let wecom: Awaited<ReturnType<typeof wecomStandin>>;
const DING_SECRET = "SECstack0123456789abcdef0123456789";
let startedAt: number;
const databaseServers: DatabaseServer[] = [];
let browser: Browser | undefined;
const SHOTS = join(REPO, "portal/test/screenshots");
afterAll(async () => {
  await browser?.close();
  await stack?.stop(15_000);
  await Promise.all(databaseServers.map((d) => d.proc.stop()));
  webhook?.close();
  await Promise.all([ding?.close(), wecom?.close()]);
});

beforeAll(async () => {
  // Channels for the default receiver (a webhook that takes everything, and the DingTalk and WeCom
  // stand-ins), so the per-channel series exist and the messages can be read.
  const webhookPort = await freePort();
  webhook = createServer((req, res) => req.resume().on("end", () => res.end("ok"))).listen(webhookPort, "127.0.0.1");
  ding = await dingtalkStandin({ "ops-token": { secret: DING_SECRET } });
  wecom = await wecomStandin(["team-key"]);
  port = await stackPorts();
  // A team's databases, listed under databases: (npm start runs one exporter per type).
  const dbDir = tempDir("stack-databases");
  const [shopDb, ordersDb, cache] = await Promise.all([
    startPostgres({ dir: join(dbDir, "postgres") }),
    startMariadb({ dir: join(dbDir, "mariadb") }),
    startRedis({ dir: join(dbDir, "redis") }),
  ]);
  databaseServers.push(shopDb, ordersDb, cache);
  startedAt = Date.now() / 1000;
  const opsHash = await hashPassword("ops-password-1");
  running = await startStack("stack", () =>
    stackConfig(
      port,
      {
        session_secret: "stack-test-session-secret-0123456789",
        users: [{ name: "ops", password_hash: opsHash, role: "operator" }],
      },
      {},
      {
        channels: {
          ops: { type: "webhook", url: `http://127.0.0.1:${webhookPort}/hook` },
          ding: { type: "dingtalk", access_token: "ops-token", secret: DING_SECRET, base_url: ding.url },
          team: { type: "wecom", key: "team-key", base_url: wecom.url },
        },
        receivers: { default: { channels: ["ops", "ding", "team"] } },
        // The portal as the notifier reaches it; a generous budget, as the line is what is tested here
        // (that a late answer is left out is alertmanager/notifier/src/changes.test.ts').
        changes: { portal_url: `http://127.0.0.1:${port.portal}`, timeout_ms: 5000 },
        // The portal as people open it (the front door), for the messages' links.
        links: { portal_url: `http://127.0.0.1:${port.front}` },
      },
      {
        databases: [
          {
            name: "shop-db",
            type: "postgres",
            address: `127.0.0.1:${shopDb.port}`,
            user: shopDb.user,
            password: shopDb.password,
            sslmode: "disable",
          },
          {
            name: "orders",
            type: "mysql",
            address: `127.0.0.1:${ordersDb.port}`,
            user: ordersDb.user,
            password: ordersDb.password,
          },
          {
            name: "cache",
            type: "redis",
            address: `127.0.0.1:${cache.port}`,
            password: cache.password,
            host: "localhost",
          },
        ],
      },
    ),
  );
  stack = running.proc;
}, 300_000);

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe("npm start (scripts/stack.ts)", () => {
  it("has a series for every metric an alert or recording rule reads", checkSeries, 120_000);
  // After checkSeries: its deploy, finished while Prometheus watched, is what the DORA ratios
  // and the deploy annotation show.
  it("answers every Prometheus query of every Grafana dashboard with data", checkDashboards, 240_000);

  it("says in DingTalk and WeCom what changed before an alert: the demo's deploys, under the title", async () => {
    // The demo seeds a failed deploy of shop/production; DeployFailed fires and is routed to default.
    const line = (text: string) => text.split("\n").find((l) => l.startsWith("⚠"));
    const fromDing = await eventually(
      async () => ding.received.find((m) => m.text.includes("DeployFailed") && line(m.text)),
      (m) => m !== undefined,
      180_000,
    );
    // Second line, right under the title: a deploy of the alert's project, when, by whom.
    expect(fromDing!.text.split("\n")[1]).toMatch(/^⚠ .*(部署了|部署 .* 失败).*· \[时间线\]\(http[^)]*\/timeline\?/);
    expect(line(fromDing!.text)).toContain("shop");
    const fromWecom = await eventually(
      async () => wecom.received.find((m) => m.text.includes("DeployFailed") && line(m.text)),
      (m) => m !== undefined,
      60_000,
    );
    expect(line(fromWecom!.text)).toMatch(/^⚠ .*shop/);
    // The stand-ins refuse what the providers refuse (size, signature): nothing was refused.
    expect([...ding.rejected, ...wecom.rejected]).toEqual([]);
    const metrics = await (await fetch(`http://127.0.0.1:${port.notifier}/metrics`)).text();
    expect(metrics).toMatch(/^opsdeck_notifier_change_lines_total\{result="added"\} [1-9]/m);
  }, 240_000);

  it(
    "names the deploy that broke the shop first when it crash-loops: in DingTalk and WeCom, on the alert, on the timeline",
    crashLoop,
    600_000,
  );

  it("starts everything, shows real data, and stops cleanly on Ctrl-C", async () => {
    const stateDir = join(running.dir, "state");
    expect(stack.tail(100)).toContain(`http://127.0.0.1:${port.prom}`);

    const prom = `http://127.0.0.1:${port.prom}`;
    const up = await promQuery(prom, "up");
    expect(up.map((s) => [s.metric.job, s.value[1]]).sort()).toEqual([
      ["alertmanager", "1"],
      ["blackbox", "1"],
      ["business", "1"],
      ["deploy", "1"],
      ["elasticsearch", "1"],
      ["mysql", "1"],
      ["node", "1"],
      ["notifier", "1"],
      ["pm2", "1"],
      ["postgres", "1"],
      ["probes", "1"],
      ["prometheus", "1"],
      ["redis", "1"],
    ]);
    // The listed Redis, through its exporter, under its name.
    const [cache] = await promQuery(prom, "redis_up");
    expect([cache?.metric.database, cache?.metric.host, cache?.value[1]]).toEqual(["cache", "localhost", "1"]);
    // The demo's probe of the front door: the sign-in page answers, with the keyword.
    await eventually(
      () => promQuery(prom, 'probe_success{probe="opsdeck-front-door"}'),
      (r) => r[0]?.value[1] === "1",
      45_000,
    );
    // The demo's seeded deploys (the crash-loop test added one of its own).
    const demo = (await getJson(`http://127.0.0.1:${port.deploy}/api/v1/deploys?project=demo-shop`)) as {
      deploys: { id: string; status: string }[];
    };
    expect(demo.deploys.filter((d) => /^demo-shop-\d$/.test(d.id)).map((d) => d.status)).toEqual([
      "running",
      "failed",
      "succeeded",
    ]);
    // The demo shop under PM2 sends business events, and its processes are seen.
    await eventually(
      () => promQuery(prom, "sum(shop_checkouts_started_total)"),
      (r) => Number(r[0]?.value[1]) > 0,
      45_000,
    );
    expect((await promQuery(prom, 'pm2_process_up{app="demo-shop"}')).length).toBe(2);
    expect(readFileSync(join(stateDir, "secrets.env"), "utf8")).toMatch(/^OPSDECK_DEPLOY_TOKEN=/m);
    // Prometheus sends its alerts (the Watchdog at least) to Alertmanager, which delivers them
    // to the notifier with the token from the file the stack wrote.
    await eventually(
      async () => (await fetch(`http://127.0.0.1:${port.notifier}/metrics`)).text(),
      (t) => /^opsdeck_notifier_heartbeats_total [1-9]/m.test(t),
      // The first evaluation's alerts may be dropped (Alertmanager not yet discovered); they are
      // sent again 15 s later (startPrometheus' resend delay), not a minute later.
      60_000,
    );

    // Filebeat ships the demo's PM2 logs in both formats it writes (the shop's with PM2's --time
    // prefix, the worker's as PM2 JSON lines) and OpsDeck's own logs; it reports as up.
    const es = `http://127.0.0.1:${port.es}`;
    type Hit = { _source: { message: string; service: { name: string }; event: { dataset: string } } };
    const search = async (query: object): Promise<Hit[]> => {
      const res = await fetch(`${es}/opsdeck-*/_search?size=5`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ query }),
      });
      return ((await res.json()) as { hits?: { hits: Hit[] } }).hits?.hits ?? [];
    };
    const shop = await eventually(
      () => search({ bool: { filter: [{ term: { "service.name": "demo-shop" } }, { match: { message: "paid" } }] } }),
      (hits) => hits.length > 0,
      60_000,
    );
    expect(shop[0]._source.event.dataset).toBe("pm2.log");
    expect(shop[0]._source.message).toMatch(/^INFO order \w+ paid via/); // PM2's timestamp prefix parsed off
    // (Its first line: by then it may have crashed and said so too.)
    const worker = await eventually(
      () => search({ bool: { filter: [{ term: { "service.name": "demo-worker" } }, { match: { message: "up" } }] } }),
      (hits) => hits.length > 0,
      60_000,
    );
    expect(worker[0]._source.message).toMatch(/^worker up; will crash in \d+ s$/); // the JSON line's message
    await eventually(
      () => search({ prefix: { "event.dataset": "opsdeck" } }),
      (hits) => hits.length > 0,
      60_000,
    );
    await eventually(
      () => promQuery(prom, "filebeat_up"),
      (r) => r[0]?.value[1] === "1",
      45_000,
    );
    // Cluster health reaches Prometheus, and one node with OpsDeck's templates is green.
    await eventually(
      () => promQuery(prom, 'elasticsearch_cluster_health_status{color="green"}'),
      (r) => r[0]?.value[1] === "1",
      45_000,
    );

    // The portal is up and asks for a sign-in.
    const portal = await fetch(`http://127.0.0.1:${port.portal}/`, { redirect: "manual" });
    expect([portal.status, portal.headers.get("location")]).toEqual([307, "/signin"]);

    // The demo apps hold the business token they need, and no other secret: none of the other
    // values in secrets.env appears anywhere in what PM2 knows of them (their environment included).
    const secrets = Object.fromEntries(
      readFileSync(join(stateDir, "secrets.env"), "utf8")
        .trim()
        .split("\n")
        .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)]),
    );
    const apps = JSON.stringify(JSON.parse(await pm2(join(stateDir, "pm2"), ["jlist"])));
    expect(apps).toContain(`"OPSDECK_BUSINESS_TOKEN":"${TOKEN}"`); // the token this test's config gives
    const others = Object.entries(secrets).filter(([name]) => name !== "OPSDECK_BUSINESS_TOKEN");
    expect(others.length).toBeGreaterThan(4);
    expect(others.filter(([, value]) => apps.includes(value)).map(([name]) => name)).toEqual([]);

    // Nor do OpsDeck's own services, Prometheus or Alertmanager: this config gives every token
    // literally, so no process of this stack holds any value from secrets.env.
    const children = readdirSync("/proc")
      .filter((pid) => /^\d+$/.test(pid))
      .flatMap((pid) => {
        try {
          return [
            { cmd: readFileSync(`/proc/${pid}/cmdline`, "utf8"), env: readFileSync(`/proc/${pid}/environ`, "utf8") },
          ];
        } catch {
          return []; // gone, or not ours to read
        }
      })
      .filter((p) => p.env.includes(`OPSDECK_STACK_DIR=${stateDir}`) && !p.cmd.includes("scripts/stack.ts"));
    expect(children.map((c) => c.cmd).join("\n")).toMatch(/notifier\.mjs[\s\S]*|portal-server\.mjs/);
    for (const child of children)
      expect([
        child.cmd.split("\0").slice(0, 3).join(" "),
        others.filter(([, v]) => child.env.includes(v)).map(([n]) => n),
      ]).toEqual([child.cmd.split("\0").slice(0, 3).join(" "), []]);

    const pm2Pid = Number(readFileSync(join(stateDir, "pm2", "pm2.pid"), "utf8"));
    expect(await running.stop()).toBe(0);
    expect(stack.tail()).toContain("stopped.");
    await eventually(
      async () => alive(pm2Pid),
      (a) => !a,
      10_000,
    );
    expect(existsSync(join(stateDir, "pm2", "pm2.pid"))).toBe(false);
    for (const p of Object.values(port)) await expect(fetch(`http://127.0.0.1:${p}/`)).rejects.toThrow();
  }, 300_000);
});

/**
 * Series that exist only once something has happened — each with why. Every other metric name a
 * rule reads must have a series on this running stack.
 */
const ONLY_AFTER: Record<string, string> = {
  opsdeck_probe_agree: "only for a probe with vantage_points (the demo probes from this host alone)",
  probe_ssl_last_chain_expiry_timestamp_seconds:
    "only a probe of an https or tls target has a certificate (the demo probes the plain-http front door)",
  opsdeck_notifier_undeliverable_total:
    "counted per receiver once a notification arrives for a receiver with no channel",
  pm2_exporter_actions_total:
    "counted per kind, outcome and trigger from a host's first recovery action (portal/test/recovery.test.ts runs them)",
  opsdeck_ha_certificate_expiry_timestamp_seconds:
    "only in the compose HA layout, from ha-certs' volume (scripts/init.test.ts writes it, the HA rehearsal reads it from a server's node-exporter)",
};

/**
 * Dashboard queries that are empty until something goes wrong — each with why. Every other
 * Prometheus query of every dashboard must return data on this running stack.
 */
const EMPTY_UNTIL: Record<string, string> = {
  "opsdeck-probes / Certificates / A":
    "only a probe of an https or tls target has a certificate (the demo probes the plain-http front door)",
  "opsdeck-stack / Notifications with no channel / A":
    "counted per receiver once a notification arrives for a receiver with no channel (this stack has one)",
  "opsdeck-stack / Requests rejected / A": "counted per HTTP status from the deploy exporter's first rejected write",
  "opsdeck-stack / Requests rejected / B": "counted per HTTP status from the business exporter's first rejected event",
  "opsdeck-databases / Replication lag / B": "only a MySQL replica reports its lag (these databases are primaries)",
  "opsdeck-stack / Deliveries and failures / B":
    "counted per channel, kind and code from a channel's first failed send",
};

/** Every Prometheus query of every dashboard, variables expanded, returns data (or is in EMPTY_UNTIL). */
async function checkDashboards() {
  const prom = `http://127.0.0.1:${port.prom}`;
  // A project that fails and recovers while Prometheus watches, from commits with known times:
  // what the DORA panels (change failure, lead time, time to restore) are computed from.
  const deploys = `http://127.0.0.1:${port.deploy}/api/v1/deploys`;
  // A browser on the demo shop's product page, tapping its button, then leaving: its page-load
  // beacon (LCP, INP, CLS, FCP, TTFB) reaches the business exporter through the front door.
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    await page.goto(`http://127.0.0.1:${port.demoShop}/`);
    await page.click("button");
    // The tap's timing is known once the next frame is painted: leave only after it.
    await page.waitForFunction(() => document.title === "Demo shop (1)");
    await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => requestAnimationFrame(done))));
    await page.goto("about:blank");
  } finally {
    await browser.close();
  }
  await eventually(
    () => promQuery(prom, 'opsdeck_rum_inp_seconds_count{app="demo-shop"}'),
    (r) => r.length > 0,
    60_000,
  );
  // Two failed payments in the demo shop's checkout: exceptions by type have a series (the demo's
  // own fail now and then, not surely within the run).
  for (let i = 0; i < 2; i++) await fetch(`http://127.0.0.1:${port.demoShop}/api/checkout?fail=1`, { method: "POST" });
  const commitAt = new Date(Date.now() - 600_000).toISOString();
  const project = { project: "dora-check", environment: "production", commit_at: commitAt };
  expect((await post(deploys, { ...project, id: "dora-1", event_id: "dora-1:start", version: "2.0.0" })).status).toBe(
    201,
  );
  await eventually(
    () => promQuery(prom, 'opsdeck_deployments_total{project="dora-check"}'),
    (r) => r.length > 0,
    60_000,
  );
  expect((await post(`${deploys}/dora-1/finish`, { event_id: "dora-1:end", result: "failed" })).status).toBe(200);
  expect((await post(deploys, { ...project, id: "dora-2", event_id: "dora-2:start", version: "2.0.1" })).status).toBe(
    201,
  );
  expect((await post(`${deploys}/dora-2/finish`, { event_id: "dora-2:end", result: "succeeded" })).status).toBe(200);
  await eventually(
    () => promQuery(prom, 'project_environment:opsdeck_time_to_restore_seconds:avg7d{project="dora-check"}'),
    (r) => r.length > 0,
    120_000, // a scrape, then the DORA rules' next evaluation (every minute)
  );
  // To one step past now: a sample the rules wrote in the last seconds falls inside the last step.
  const range = { start: startedAt, end: Date.now() / 1000 + 15, scrapeSeconds: 15 };
  const failures: string[] = [];
  const empty: string[] = [];
  let checked = 0;
  for (const { uid, json } of committedDashboards()) {
    if (uid === "opsdeck-logs") continue; // Elasticsearch only: provisioning/grafana/elasticsearch.test.ts
    const result = await checkPrometheusQueries(prom, json, range);
    failures.push(...result.failures);
    empty.push(...result.empty);
    checked += result.checked;
  }
  expect(checked).toBeGreaterThan(150);
  expect(failures).toEqual([]);
  expect(empty.filter((id) => !(id in EMPTY_UNTIL))).toEqual([]);
  // The allow-list holds only what is still empty: a query that found data leaves it.
  expect(Object.keys(EMPTY_UNTIL).filter((id) => !empty.includes(id))).toEqual([]);
}

/** Every metric name any alert or recording rule reads has a series (or is in ONLY_AFTER). */
async function checkSeries() {
  const prom = `http://127.0.0.1:${port.prom}`;
  // A deploy that finishes while Prometheus watches: the change-failure ratio divides by an increase.
  const deploys = `http://127.0.0.1:${port.deploy}/api/v1/deploys`;
  const start = { id: "series-1", event_id: "series-1:start", project: "series-check", environment: "production" };
  expect((await post(deploys, { ...start, version: "1.5.0" })).status).toBe(201);
  await eventually(
    () => promQuery(prom, 'opsdeck_deployments_total{project="series-check",result="succeeded"}'),
    (r) => r.length === 1,
    60_000,
  );
  const finished = await post(`${deploys}/series-1/finish`, { event_id: "series-1:end", result: "succeeded" });
  expect(finished.status).toBe(200);
  // The databases' rules read what only a listed database brings (the demo has none):
  // stack/test/databases.test.ts finds those on real servers.
  const names = ruleMetricNames(join(REPO, "provisioning/prometheus/rules"), (file) => file !== "databases.yml");
  expect(names.length).toBeGreaterThan(30);
  const missing = await eventually(
    async () => {
      const left: string[] = [];
      for (const name of names)
        if (!(name in ONLY_AFTER) && (await promQuery(prom, `count({__name__="${name}"})`)).length === 0)
          left.push(name);
      return left;
    },
    (left) => left.length === 0,
    90_000,
  );
  expect(missing).toEqual([]);
  for (const name of Object.keys(ONLY_AFTER)) expect(names).toContain(name); // nothing stale in the list
}

/**
 * Issue 25's incident, for real: release 1.4.3 of the demo shop is deployed (reported as CI
 * would, with its host), throws on a cart field a few seconds after it starts, and PM2 restarts
 * it again and again. The crash-loop alert's message names that deploy first with the new error
 * kind; the Alerts page does too, with its reasons, and its timeline has the four lanes — read in
 * Chromium in both languages at 390 and 1440 px. Then it is rolled back.
 */
async function crashLoop() {
  const prom = `http://127.0.0.1:${port.prom}`;
  const front = `http://127.0.0.1:${port.front}`;
  const pm2Home = join(running.dir, "state", "pm2");
  const demoEnv = { OPSDECK_BUSINESS_PORT: String(port.business), OPSDECK_BUSINESS_TOKEN: TOKEN };
  const host = (await promQuery(prom, 'pm2_process_up{app="demo-shop"}'))[0].metric.host;
  expect(host).toBeTruthy();

  // The release: the demo shop, and a checkout that reads a field 1.4.2's carts do not have.
  const version = "1.4.3";
  const release = join(running.dir, "releases", version);
  mkdirSync(release, { recursive: true });
  writeFileSync(
    join(release, "shop.cjs"),
    `require(${JSON.stringify(join(REPO, "demo/shop.cjs"))});
const cart = { id: "c-1042" };
setTimeout(() => console.log("INFO checkout of cart " + cart.id + ": " + cart.items[0].sku), 3000);
`,
  );
  writeFileSync(
    join(release, "ecosystem.config.cjs"),
    `const demo = require(${JSON.stringify(join(REPO, "demo/ecosystem.config.cjs"))});
module.exports = { apps: [{ ...demo.apps.find((a) => a.name === "demo-shop"), script: __dirname + "/shop.cjs" }] };
`,
  );
  const deploys = `http://127.0.0.1:${port.deploy}/api/v1/deploys`;
  const id = `shop-release-${version}`;
  const reported = { project: "demo-shop", environment: "production", version, commit: "9e8d7c6", actor: "ci-bot" };
  expect((await post(deploys, { id, event_id: `${id}:start`, ...reported, hosts: [host] })).status).toBe(201);
  // A new script path: the deploy replaces the app (a reload keeps the old path).
  await pm2(pm2Home, ["delete", "demo-shop"]);
  await pm2(pm2Home, ["start", join(release, "ecosystem.config.cjs")], { env: demoEnv });
  expect((await post(`${deploys}/${id}/finish`, { event_id: `${id}:finish`, result: "succeeded" })).status).toBe(200);

  try {
    // The messages: the crash loop's, with the deploy on the line under the title, and the new
    // error kind when it had reached Elasticsearch by then (Filebeat finds a restarted app's new
    // log files within 2 s; the alert needs two scrapes of its restarts: the count is there unless
    // the machine is slow — what the notifier was told is checked below, from the same source).
    const line = (text: string) => text.split("\n").find((l) => l.startsWith("⚠"));
    const about = (m: { text: string }) => m.text.includes("PM2ProcessCrashLooping") && line(m.text)?.includes(version);
    const fromDing = await eventually(
      async () => ding.received.find(about),
      (m) => m !== undefined,
      300_000,
    );
    expect(line(fromDing!.text)).toMatch(
      new RegExp(
        `^⚠ (\\d+ 分钟前|告警开始时) demo-shop 部署了 ${version}（ci-bot，9e8d7c6）( · 新错误 [1-9]\\d* 种)? · \\[时间线\\]\\(${front}/timeline\\?`,
      ),
    );
    const fromWecom = await eventually(
      async () => wecom.received.find(about),
      (m) => m !== undefined,
      60_000,
    );
    expect(line(fromWecom!.text)).toMatch(new RegExp(`^⚠ .*demo-shop 部署了 ${version}（ci-bot，9e8d7c6）`));
    expect([...ding.rejected, ...wecom.rejected]).toEqual([]);
    console.log(`crash loop: DingTalk's line: ${line(fromDing!.text)}`);

    // The portal's answer for one of the alerts: that deploy first, and why.
    type Firing = { labels: Record<string, string>; startsAt: string };
    const alert = ((await getJson(`http://127.0.0.1:${port.am}/api/v2/alerts?active=true`)) as Firing[]).find(
      (a) => a.labels.alertname === "PM2ProcessCrashLooping" && a.labels.app === "demo-shop",
    )!;
    expect(alert).toBeDefined();
    const cookies = await signIn(front, "ops", "ops-password-1");
    const asUser = async (path: string) => {
      const res = await fetch(front + path, { headers: { cookie: cookieHeader(cookies) } });
      expect(res.status).toBe(200);
      return res.json();
    };
    const changes = (await asUser(
      `/api/changes?${new URLSearchParams({ at: String(Date.parse(alert.startsAt)), app: "demo-shop", host, alertname: "PM2ProcessCrashLooping" })}`,
    )) as { changes: { kind: string; version?: string; reasons: string[] }[] };
    expect(changes.changes[0]).toMatchObject({ kind: "deploy", version });
    expect(changes.changes[0].reasons).toEqual(expect.arrayContaining(["same_app", "same_host", "restarts_after"]));
    // What the notifier asks for a message's line (with its own token): the deploy, and the new error kind.
    const summary = await eventually(
      async () => {
        const query = new URLSearchParams({ at: String(Date.parse(alert.startsAt)), app: "demo-shop", host });
        const res = await fetch(`http://127.0.0.1:${port.portal}/api/changes/summary?${query}`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        return changeSummarySchema.parse(await res.json());
      },
      (answer) => (answer.new_errors?.kinds ?? 0) > 0,
      60_000,
    );
    expect(summary.top).toMatchObject({ kind: "deploy", version, actor: "ci-bot", commit: "9e8d7c6" });

    browser = await launchChromium();
    for (const [locale, reasons] of [
      // (The group may hold the demo worker's crash loop too: then it is scoped by the host alone.)
      ["zh-CN", /同一主机 \/ 部署后该应用重启/],
      ["en", /same host \/ its app restarted after it/],
    ] as const) {
      const context = await browser.newContext({ locale });
      await context.addCookies(cookies.map((c) => ({ ...c, url: front })));
      for (const width of [390, 1440]) {
        const page = await context.newPage();
        await page.setViewportSize({ width, height: 900 });
        await page.goto(front + alertsPath({ alertname: "PM2ProcessCrashLooping", host }));
        const group = page
          .locator("section[data-group]", { has: page.locator('[data-alertname="PM2ProcessCrashLooping"]') })
          .first();
        const top = group.locator("[data-what-changed] li").first();
        await expect(top.getAttribute("data-change")).resolves.toBe("deploy");
        await expect(top.textContent()).resolves.toContain(version);
        await expect(top.locator("[data-reasons]").textContent()).resolves.toMatch(reasons);
        await expect(group.locator("[data-new-errors]").textContent()).resolves.toContain("TypeError");
        expect(await layoutProblems(page, width === 390)).toEqual([]);
        expect((await overflow(page)).pageScrolls).toBe(false);
        await page.screenshot({
          path: join(SHOTS, `crash-loop-alert-${locale}-${width}.png`),
          fullPage: true,
        });

        // Its timeline: the deploy, the alert, the restarts and the error volume, on one axis.
        await group.locator("[data-timeline-link]").click();
        await page.waitForURL(/\/timeline\?/);
        await page.locator(".tl-chart[data-drawn]").waitFor();
        const lanes = timelineSchema.parse(
          await asUser(new URL(page.url()).pathname.replace("/timeline", "/api/timeline") + new URL(page.url()).search),
        );
        expect(lanes.deploys.some((d) => d.version === version && d.hosts.includes(host))).toBe(true);
        expect(lanes.alerts.some((a) => a.alertname === "PM2ProcessCrashLooping")).toBe(true);
        expect(lanes.restarts.some((r) => r.app === "demo-shop")).toBe(true);
        expect(lanes.logs.some((l) => l.service === "demo-shop" && l.error.some((n) => n > 0))).toBe(true);
        expect(await page.locator('[data-lane="deploys"] [data-item="deploy"]').count()).toBeGreaterThan(0);
        expect(
          await page.locator('[data-lane="alerts"] [data-alertname="PM2ProcessCrashLooping"]').count(),
        ).toBeGreaterThan(0);
        expect(await page.locator('[data-lane="pm2"] [data-item="restart"]').count()).toBeGreaterThan(0);
        expect(await page.locator('[data-lane="logs-demo-shop"] [data-item="logs"]').count()).toBeGreaterThan(0);
        expect(await layoutProblems(page, width === 390)).toEqual([]);
        await page.screenshot({
          path: join(SHOTS, `crash-loop-timeline-${locale}-${width}.png`),
          fullPage: true,
        });
        await page.close();
      }
    }
  } finally {
    // Rolled back: the demo shop as the stack started it.
    await pm2(pm2Home, ["delete", "demo-shop"]);
    await pm2(pm2Home, ["start", join(REPO, "demo/ecosystem.config.cjs"), "--only", "demo-shop"], { env: demoEnv });
    // …and seen online again by Prometheus, as the tests after this one expect it.
    await eventually(
      () => promQuery(prom, 'pm2_process_up{app="demo-shop"} == 1'),
      (r) => r.length === 2,
      60_000,
    );
  }
}
