// A real Prometheus scrapes the three exporters (run as real processes); after events are sent,
// PromQL answers with the expected values.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePort,
  pm2,
  promQuery,
  renderPrometheusConfig,
  REPO,
  launchExporter,
  startNodeExporter,
  startPrometheus,
  stopAll,
  type Proc,
} from "@opsdeck/stack";
import {
  eventually,
  post,
  promtool,
  promtoolCheckMetrics,
  tempDir,
  writeConfig,
  type TestConfig,
} from "@opsdeck/stack/testkit";

const dir = tempDir("prom");
const procs: Proc[] = [];
let cfg: TestConfig;
let prom: string;
let promConfig: string;

const value = async (q: string) => {
  const r = await promQuery(prom, q);
  return r.length ? Number(r[0].value[1]) : undefined;
};

beforeAll(async () => {
  cfg = await writeConfig(dir);
  const app = join(dir, "web.cjs");
  writeFileSync(app, "setInterval(() => {}, 1000);");
  await pm2(join(dir, "pm2"), ["start", app, "--name", "web"]);
  for (const kind of ["pm2", "deploy", "business"] as const)
    procs.push(await launchExporter(kind, { configFile: cfg.file, url: cfg.urls[kind] }));
  const nodePort = await freePort();
  procs.push((await startNodeExporter({ port: nodePort })).proc);
  const promPort = await freePort();
  const t = (u: string) => [new URL(u).host];
  promConfig = await renderPrometheusConfig({
    source: join(REPO, "provisioning/prometheus/prometheus.yml"),
    targets: {
      prometheus: [`127.0.0.1:${promPort}`],
      node: [`127.0.0.1:${nodePort}`],
      pm2: t(cfg.urls.pm2),
      deploy: t(cfg.urls.deploy),
      business: t(cfg.urls.business),
    },
    scrapeInterval: "1s",
  });
  const p = await startPrometheus({ dir: join(dir, "prometheus"), port: promPort, config: promConfig });
  procs.push(p.proc);
  prom = p.url;
});

afterAll(async () => {
  await stopAll(procs);
  await pm2(join(dir, "pm2"), ["kill"]).catch(() => undefined);
});

describe("Prometheus as the stack runs it", () => {
  it("refuses its admin and lifecycle APIs: nobody on the machine can delete data or stop it", async () => {
    const deleted = await fetch(`${prom}/api/v1/admin/tsdb/delete_series?match[]=up`, { method: "POST" });
    expect(deleted.ok).toBe(false);
    expect(await deleted.text()).toMatch(/admin APIs disabled/i);
    const quit = await fetch(`${prom}/-/quit`, { method: "POST" });
    expect(quit.ok).toBe(false);
    expect((await fetch(`${prom}/-/ready`)).ok).toBe(true);
  });
});

describe("Prometheus scrapes the exporters", () => {
  it("has every target up", async () => {
    const up = await eventually(
      () => promQuery(prom, "up"),
      (r) => r.length === 5 && r.every((s) => s.value[1] === "1"),
    );
    expect(up.map((s) => s.metric.job).sort()).toEqual(["business", "deploy", "node", "pm2", "prometheus"]);
  });

  it("sees PM2 processes", async () => {
    expect(
      await eventually(
        () => value('pm2_process_up{app="web"}'),
        (v) => v === 1,
      ),
    ).toBe(1);
    expect(await value("pm2_daemon_up")).toBe(1);
  });

  it("sees deploys and their DORA metrics", async () => {
    for (const [id, result] of [
      ["a1", "succeeded"],
      ["a2", "failed"],
      ["a3", "succeeded"],
    ] as const) {
      expect(
        (
          await post(`${cfg.urls.deploy}/api/v1/deploys`, {
            id,
            project: "shop",
            environment: "prod",
            commit_at: Date.now() / 1000 - 600,
          })
        ).status,
      ).toBe(201);
      expect((await post(`${cfg.urls.deploy}/api/v1/deploys/${id}/finish`, { result })).status).toBe(200);
    }
    await post(`${cfg.urls.deploy}/api/v1/deploys`, { id: "a4", project: "shop", environment: "prod" });
    const q = 'opsdeck_deployments_total{project="shop",environment="prod",result="succeeded"}';
    expect(
      await eventually(
        () => value(q),
        (v) => v === 2,
      ),
    ).toBe(2);
    expect(await value('opsdeck_deployments_total{result="failed"}')).toBe(1);
    // The scrape that saw a3 finish may have come before a4 started: wait for the next one.
    expect(
      await eventually(
        () => value('opsdeck_deployments_in_progress{project="shop"}'),
        (v) => v === 1,
      ),
    ).toBe(1);
    expect(await value('opsdeck_deployment_time_to_restore_seconds_count{project="shop"}')).toBe(1);
    expect(await value('opsdeck_deployment_lead_time_seconds_count{project="shop"}')).toBe(2);
    expect(await value('opsdeck_deployment_failing{project="shop"}')).toBe(0);
  });

  it("sees business events", async () => {
    const events = [
      ...Array.from({ length: 7 }, (_, i) => ({
        metric: "shop_orders_total",
        labels: { channel: "web" },
        event_id: `o${i}`,
      })),
      { metric: "shop_order_amount_yuan", value: 120, labels: { channel: "app" } },
      { metric: "shop_order_amount_yuan", value: 80, labels: { channel: "app" } },
    ];
    expect((await post(`${cfg.urls.business}/api/v1/events`, { events })).body).toEqual({ accepted: 9, duplicates: 0 });
    expect((await post(`${cfg.urls.business}/api/v1/events`, { events: events.slice(0, 3) })).body).toEqual({
      accepted: 0,
      duplicates: 3,
    });
    expect(
      await eventually(
        () => value('shop_orders_total{channel="web"}'),
        (v) => v === 7,
      ),
    ).toBe(7);
    expect(await value('shop_order_amount_yuan_sum{channel="app"}')).toBe(200);
    // Prometheus 3 stores a classic histogram's `le` as a float ("100.0"), whatever the exporter
    // wrote ("100"): a matcher on le="100" finds nothing there.
    expect(await value('shop_order_amount_yuan_bucket{channel="app",le="100.0"}')).toBe(1);
  });

  it("promtool check metrics is clean for every exporter", async () => {
    for (const url of Object.values(cfg.urls)) expect(await promtoolCheckMetrics(url), url).toBe("");
  });

  it("promtool checks the rendered config", async () => {
    const file = join(dir, "rendered.yml");
    writeFileSync(file, promConfig);
    expect(await promtool(["check", "config", file])).toMatch(/SUCCESS/);
  });
});
