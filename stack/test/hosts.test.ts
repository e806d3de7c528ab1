// Many servers on one machine: three agent hosts on loopback (each its own node-exporter, PM2
// daemon and PM2 exporter, behind basic auth), found by the central Prometheus through the target
// files OpsDeck writes from opsdeck.yml's hosts and the hosts file; the real alert rules and
// Alertmanager's real routing and inhibition, delivering to a recorder.
import { readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { parse, stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { agentsSchema, hostSchema, type Host } from "@opsdeck/core";
import { writeTargetFiles } from "@opsdeck/core/hosts/file-sd";
import { mergeHosts, readHostsFile, writeHostsFile } from "@opsdeck/core/hosts/host-list";
import {
  basicAuthHeader,
  freePort,
  prepareAgentScrape,
  promQuery,
  renderAlertmanagerConfig,
  REPO,
  startAgentHost,
  startAlertmanager,
  startTestPrometheus,
  stopAll,
  writeWebConfig,
  type AgentHost,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir, TOKEN } from "@opsdeck/stack/testkit";
import { committedDashboards } from "../../provisioning/grafana/src/dashboards.ts";
import { checkPrometheusQueries } from "../../provisioning/grafana/src/prometheus-check.ts";

const dir = tempDir("hosts");
const credentials = { username: "prometheus", password: "agent-password-0123456789abcdef" };
const agents = agentsSchema.parse({ password: credentials.password, hosts_file: "hosts.yml", targets_dir: "targets" });
const hostsFile = join(dir, "hosts.yml");
const procs: Proc[] = [];
const agentHosts = new Map<string, AgentHost>();
let prom: string;
let am: string;
let recorder: Server;
/** Every webhook Alertmanager sent: its alerts' names, hosts and status. */
const notifications: { alertname: string; host?: string; status: string }[][] = [];

const host = (agent: AgentHost, labels: Record<string, string> = {}): Host =>
  hostSchema.parse({
    name: agent.name,
    address: "127.0.0.1",
    node_exporter: agent.nodePort,
    pm2_exporter: agent.pm2Port,
    labels,
  });
let inConfig: Host[] = [];

/** What OpsDeck does on a change of either list: rewrite the target files. */
const sync = () => writeTargetFiles(join(dir, "targets"), mergeHosts(inConfig, readHostsFile(hostsFile)));

const byHost = async (query: string) =>
  Object.fromEntries((await promQuery(prom, query)).map((s) => [s.metric.host, Number(s.value[1])]));

/**
 * The real rules, each `for:` scaled down 20× (the alerts, not their patience, are under test) —
 * in proportion, as production orders them: HostDown (2m → 6 s) fires before TargetDown (3m →
 * 9 s) can, so the inhibition is in place when TargetDown fires. (Cut all to 1 s, the order
 * was left to which target's scrape failed first.)
 */
function fastRules(): string[] {
  const seconds = (d: string) => Number(/^(\d+)/.exec(d)![1]) * ({ s: 1, m: 60, h: 3600 }[d.slice(-1)] ?? 1);
  return ["host.yml", "stack.yml"].map((name) => {
    const doc = parse(readFileSync(join(REPO, "provisioning/prometheus/rules", name), "utf8")) as {
      groups: { rules: { for?: string }[] }[];
    };
    for (const g of doc.groups)
      for (const r of g.rules) if (r.for) r.for = `${Math.max(1, Math.round(seconds(r.for) / 20))}s`;
    const file = join(dir, name);
    writeFileSync(file, stringify(doc));
    return file;
  });
}

beforeAll(async () => {
  for (const name of ["app-1", "app-2", "app-3"])
    agentHosts.set(name, await startAgentHost({ name, dir: tempDir(name), credentials }));
  const [a1, a2, a3] = ["app-1", "app-2", "app-3"].map((n) => agentHosts.get(n)!);
  inConfig = [host(a1, { env: "production", role: "web" }), host(a2, { env: "production", role: "worker" })];
  writeHostsFile(hostsFile, [host(a3, { env: "staging" })]); // as the portal adds one

  recorder = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      const payload = JSON.parse(body) as { alerts: { labels: Record<string, string>; status: string }[] };
      notifications.push(
        payload.alerts.map((a) => ({ alertname: a.labels.alertname, host: a.labels.host, status: a.status })),
      );
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => recorder.listen(0, "127.0.0.1", r));
  const recorderPort = (recorder.address() as { port: number }).port;
  const tokenFile = join(dir, "notifier.token");
  writeFileSync(tokenFile, TOKEN, { mode: 0o600 });
  const amPort = await freePort();
  const amProc = await startAlertmanager({
    dir: join(dir, "am"),
    port: amPort,
    config: await renderAlertmanagerConfig({
      source: join(REPO, "alertmanager/alertmanager.yml"),
      notifierUrl: `http://127.0.0.1:${recorderPort}`,
      tokenFile,
      timing: { group_wait: "1s", group_interval: "2s", repeat_interval: "1h" },
    }),
  });
  procs.push(amProc.proc);
  am = amProc.url;

  const started = await startTestPrometheus({
    dir: join(dir, "prom"),
    alertmanagers: [`127.0.0.1:${amPort}`],
    scrapeInterval: "1s",
    ruleFiles: fastRules(),
    agents: prepareAgentScrape({ config: { hosts: inConfig, agents }, baseDir: dir, prometheusDir: join(dir, "prom") }),
    resendDelay: "1s",
  });
  procs.push(started.proc);
  prom = started.url;
});

afterAll(async () => {
  await stopAll(procs);
  for (const a of agentHosts.values()) await a.stop();
  recorder?.close();
});

describe("many hosts, one Prometheus", () => {
  it("scrapes every host's node-exporter and PM2 exporter, each series labelled with its host", async () => {
    const everyHost = { "app-1": 1, "app-2": 1, "app-3": 1 };
    expect(
      await eventually(
        () => byHost('up{job="node"}'),
        (v) => Object.keys(v).length === 3,
      ),
    ).toMatchObject(everyHost);
    expect(
      await eventually(
        () => byHost('up{job="pm2"}'),
        (v) => Object.values(v).join() === "1,1,1",
      ),
    ).toEqual(everyHost);
    // Each host's own PM2 daemon: two apps apiece, not one daemon seen three times.
    expect(
      await eventually(
        () => byHost("count by (host) (pm2_process_up)"),
        (v) => Object.keys(v).length === 3,
      ),
    ).toEqual({ "app-1": 2, "app-2": 2, "app-3": 2 });
    // The host's labels ride on its series.
    expect(await byHost('node_load1{env="production",role="web"}')).toHaveProperty("app-1");
    expect(await byHost('pm2_process_up{env="staging"}')).toHaveProperty("app-3");
  });

  it("answers every query of the Host and PM2 dashboards for the three hosts", async () => {
    // The rate() windows need a few samples of each host (1 s scrapes here).
    await new Promise((r) => setTimeout(r, 5000));
    const now = Date.now() / 1000;
    const range = { start: now - 60, end: now + 1, scrapeSeconds: 1 };
    const dashboards = committedDashboards().filter(({ uid }) => ["opsdeck-host", "opsdeck-pm2"].includes(uid));
    expect(dashboards).toHaveLength(2);
    const results = await Promise.all(dashboards.map(({ json }) => checkPrometheusQueries(prom, json, range)));
    expect(results.flatMap((r) => r.failures)).toEqual([]);
    expect(results.reduce((n, r) => n + r.checked, 0)).toBeGreaterThan(50);
    // Every panel has data for them; only the deploy annotations are empty (no deploy exporter here).
    expect(results.flatMap((r) => r.empty)).toEqual([
      "opsdeck-host / annotation Deploys (Prometheus)",
      "opsdeck-pm2 / annotation Deploys (Prometheus)",
    ]);
  });

  it("refuses a scrape without the password, at both exporters", async () => {
    const a = agentHosts.get("app-1")!;
    for (const port of [a.nodePort, a.pm2Port]) {
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
      const wrong = basicAuthHeader({ username: "prometheus", password: "guess" });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`, { headers: wrong })).status).toBe(401);
      const right = await fetch(`http://127.0.0.1:${port}/metrics`, { headers: basicAuthHeader(credentials) });
      expect(right.status).toBe(200);
    }
  });

  it("scrapes a host added, and drops one removed, while Prometheus runs", async () => {
    const startedAt = await byHost('process_start_time_seconds{job="prometheus"}');
    const a4 = await startAgentHost({ name: "app-4", dir: tempDir("app-4"), credentials });
    agentHosts.set("app-4", a4);
    writeHostsFile(hostsFile, [...readHostsFile(hostsFile), host(a4)]);
    expect(sync()).toEqual(["node", "pm2"]);
    await eventually(
      () => byHost('up{job="node"} == 1'),
      (v) => "app-4" in v,
    );
    inConfig = inConfig.filter((h) => h.name !== "app-2");
    sync();
    const active = async () => {
      const body = (await (await fetch(`${prom}/api/v1/targets?state=active`)).json()) as {
        data: { activeTargets: { labels: Record<string, string> }[] };
      };
      return body.data.activeTargets.map((t) => t.labels.host);
    };
    expect(await eventually(active, (hosts) => !hosts.includes("app-2"))).toEqual(
      expect.arrayContaining(["app-1", "app-3", "app-4"]),
    );
    // The same Prometheus process throughout: no restart, no reload.
    expect(await byHost('process_start_time_seconds{job="prometheus"}')).toEqual(startedAt);
  });

  it("alerts HostDown for the host that went down alone, inhibits its other alerts, and notifies once", async () => {
    await agentHosts.get("app-1")!.stopExporters();
    const firing = (name: string) => notifications.flat().filter((a) => a.alertname === name && a.status === "firing");
    await eventually(
      async () => firing("HostDown"),
      (a) => a.length > 0,
      60_000,
    );
    // The PM2 exporter down on that host is TargetDown: firing in Prometheus, held back by Alertmanager.
    await eventually(
      () => byHost('ALERTS{alertname="TargetDown",alertstate="firing"}'),
      (v) => "app-1" in v,
      30_000,
    );
    const suppressed = async () => {
      const alerts = (await (await fetch(`${am}/api/v2/alerts?filter=alertname%3D%22TargetDown%22`)).json()) as {
        labels: Record<string, string>;
        status: { state: string; inhibitedBy: string[] };
      }[];
      return alerts.filter((a) => a.labels.host === "app-1");
    };
    const held = await eventually(suppressed, (a) => a.length > 0 && a.every((x) => x.status.state === "suppressed"));
    expect(held[0].status.inhibitedBy.length).toBeGreaterThan(0);
    // Several group intervals later: one notification, for app-1 only, and nothing else about it.
    await new Promise((r) => setTimeout(r, 6000));
    expect(firing("HostDown").map((a) => a.host)).toEqual(["app-1"]);
    expect(firing("TargetDown").filter((a) => a.host === "app-1")).toEqual([]);
    expect(await byHost('ALERTS{alertname="HostDown"}')).toEqual({ "app-1": 1 });
  });

  it("shows a host whose web config no longer holds Prometheus' password as refusing, and the host says so", async () => {
    const a3 = agentHosts.get("app-3")!;
    // The host's password is rotated there and not (yet) centrally: the old one is revoked.
    writeWebConfig(a3.webConfigFile, { username: "prometheus", password: "rotated-password-0123456789" });
    const errors = async () => {
      const body = (await (await fetch(`${prom}/api/v1/targets?state=active`)).json()) as {
        data: { activeTargets: { labels: Record<string, string>; health: string; lastError: string }[] };
      };
      return body.data.activeTargets.filter((t) => t.labels.host === "app-3").map((t) => t.lastError);
    };
    const lastErrors = await eventually(errors, (e) => e.length === 2 && e.every((x) => x.includes("401")));
    expect(lastErrors.every((e) => /401 Unauthorized/.test(e))).toBe(true);
    expect(readFileSync(a3.pm2ExporterLog, "utf8")).toContain(
      'request refused: invalid credentials for user \\"prometheus\\"',
    );
  });
});
