// OpsDeck's preload in a team's app that knows nothing of it: an Express app run by a real PM2
// in cluster mode (two workers) with the preload in its ecosystem file's node_args, exporting
// over OTLP into a real Prometheus' receiver. Its requests arrive as the standard histogram, by
// route template (never the raw URL), method and status code, one instance per worker.
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, pm2, promQuery, REPO, startPostgres, startTestPrometheus, type Proc } from "@opsdeck/stack";
import { ruleMetricNames } from "../../provisioning/prometheus/metric-names.ts";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { INSTRUMENT } from "../../scripts/build.ts";

const dir = tempDir("instrument");
const pm2Home = join(dir, "pm2");
let prom: { proc: Proc; url: string };
let port: number;
let postgres: Proc | undefined;

beforeAll(async () => {
  // The services' rules, evaluated every second on what the app sends (the last test's alerts).
  prom = await startTestPrometheus({
    dir: join(dir, "prometheus"),
    scrapeInterval: "1s",
    ruleFiles: [join(REPO, "provisioning/prometheus/rules/services.yml")],
  });
  port = await freePort();
  const pg = await startPostgres({ dir: join(dir, "postgres") });
  postgres = pg.proc;
  // The ecosystem file as the README tells a team to write it: the preload, and where it sends.
  const ecosystem = join(dir, "ecosystem.config.json");
  writeFileSync(
    ecosystem,
    JSON.stringify({
      apps: [
        {
          name: "shop",
          script: join(import.meta.dirname, "shop.cjs"),
          instances: 2,
          exec_mode: "cluster",
          node_args: `--require ${INSTRUMENT}`,
          env: {
            PORT: String(port),
            OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${prom.url}/api/v1/otlp/v1/metrics`,
            OTEL_METRIC_EXPORT_INTERVAL: "1000",
            OPSDECK_HOST_NAME: "app-1",
            PG_POOL: JSON.stringify({
              host: "127.0.0.1",
              port: pg.port,
              database: "postgres",
              user: pg.user,
              password: pg.password,
            }),
          },
        },
      ],
    }),
  );
  await pm2(pm2Home, ["start", ecosystem]);
}, 120_000);

afterAll(async () => {
  await pm2(pm2Home, ["kill"]).catch(() => undefined);
  await prom?.proc.stop();
  await postgres?.stop();
});

/** A request on a connection of its own: PM2's master hands each new connection to the next worker. */
const get = (path: string, method = "GET") =>
  new Promise<number>((resolve, reject) => {
    const req = request({ host: "127.0.0.1", port, path, method, agent: false }, (res) => {
      res.resume();
      res.on("end", () => resolve(res.statusCode ?? 0));
    });
    req.on("error", reject);
    req.end();
  });

describe("the preload", () => {
  it("exports each worker's requests by route template, method and status, into Prometheus' OTLP receiver", async () => {
    await eventually(
      () => get("/products/1").catch(() => 0),
      (status) => status === 200,
      30_000,
    );
    // Enough requests that both workers serve some (PM2 balances connections round-robin).
    for (let i = 0; i < 40; i++) await get(`/products/${1000 + i}`);
    for (let i = 0; i < 10; i++) await get("/checkout?fail=1", "POST");
    await get("/checkout", "POST");
    const series = await eventually(
      () =>
        promQuery(
          prom.url,
          'sum by (job, instance, host_name, http_route, http_request_method, http_response_status_code) (http_server_request_duration_seconds_count{job="shop"})',
        ),
      (s) => s.filter((x) => x.metric.http_route === "/products/:id").length === 2,
      30_000,
    );
    const byRoute = (route: string, status: string) =>
      series
        .filter((s) => s.metric.http_route === route && s.metric.http_response_status_code === status)
        .reduce((sum, s) => sum + Number(s.value[1]), 0);
    // The readiness request and the 40 (some more may still be on their way: at least these).
    expect(byRoute("/products/:id", "200")).toBeGreaterThanOrEqual(41);
    expect(byRoute("/checkout", "503")).toBe(10);
    expect(byRoute("/checkout", "201")).toBe(1);
    // One instance per worker, named for the host, the app and the worker; the host a label.
    expect(new Set(series.map((s) => s.metric.instance))).toEqual(new Set(["app-1/shop/0", "app-1/shop/1"]));
    expect(new Set(series.map((s) => s.metric.host_name))).toEqual(new Set(["app-1"]));
    // Never a raw URL: no product id anywhere in a label.
    expect(JSON.stringify(series)).not.toMatch(/\/products\/\d/);
    // Buckets on the semantic conventions' boundaries (seconds).
    const buckets = await promQuery(
      prom.url,
      'count by (le) (http_server_request_duration_seconds_bucket{job="shop",http_route="/products/:id"})',
    );
    expect(buckets.map((b) => b.metric.le)).toEqual(expect.arrayContaining(["0.005", "0.1", "1", "10", "+Inf"]));
  }, 90_000);

  it("measures a slow route's time", async () => {
    for (let i = 0; i < 3; i++) await get("/slow");
    const [slow] = await eventually(
      () =>
        promQuery(
          prom.url,
          'sum(http_server_request_duration_seconds_sum{job="shop",http_route="/slow"}) / sum(http_server_request_duration_seconds_count{job="shop",http_route="/slow"})',
        ),
      (s) => s.length === 1 && Number(s[0].value[1]) > 0,
      30_000,
    );
    expect(Number(slow.value[1])).toBeGreaterThanOrEqual(0.3);
    expect(Number(slow.value[1])).toBeLessThan(2);
  }, 60_000);

  it("counts exceptions by type and route template", async () => {
    for (let i = 0; i < 3; i++) await get("/reserve", "POST");
    for (let i = 0; i < 2; i++) await get("/api/pay", "POST");
    const counted = await eventually(
      () => promQuery(prom.url, 'sum by (exception_type, http_route) (opsdeck_app_exceptions_total{job="shop"})'),
      (s) => s.length === 2 && s.reduce((sum, x) => sum + Number(x.value[1]), 0) === 5,
      30_000,
    );
    const of = (type: string) => counted.find((s) => s.metric.exception_type === type);
    expect(of("RangeError")?.metric.http_route).toBe("/reserve");
    expect(of("RangeError")?.value[1]).toBe("3");
    expect(of("GatewayError")?.metric.http_route).toBe("/api/pay");
    expect(of("GatewayError")?.value[1]).toBe("2");
  }, 60_000);

  it("reports node-postgres' pool: connections in use of its limit, and the requests waiting for one", async () => {
    // Three at once on one connection: two wait (each worker has its own pool of one).
    await Promise.all(Array.from({ length: 6 }, () => get("/orders/7")));
    const waited = await eventually(
      () =>
        promQuery(
          prom.url,
          'max by (instance, db_client_connection_pool_name) (max_over_time(db_client_connection_pending_requests{job="shop"}[1m]))',
        ),
      (s) => s.some((x) => Number(x.value[1]) >= 1),
      30_000,
    );
    // The pool is named for where it connects (host:port/database), never with its password.
    expect(waited[0].metric.db_client_connection_pool_name).toMatch(/^127\.0\.0\.1:\d+\/postgres$/);
    expect(JSON.stringify(waited)).not.toContain("monitor-password");
    const [limit] = await promQuery(prom.url, 'max(db_client_connection_max{job="shop"})');
    expect(limit.value[1]).toBe("1");
    const used = await promQuery(
      prom.url,
      'max(max_over_time(db_client_connection_count{job="shop",db_client_connection_state="used"}[1m]))',
    );
    expect(used[0].value[1]).toBe("1");
    // Each query's time by operation, never its text.
    const [queries] = await eventually(
      () =>
        promQuery(prom.url, 'sum(db_client_operation_duration_seconds_count{job="shop",db_operation_name="SELECT"})'),
      (s) => Number(s[0]?.value[1]) >= 6,
      30_000,
    );
    expect(Number(queries.value[1])).toBeGreaterThanOrEqual(6);
    const labels = await promQuery(prom.url, 'group by (__name__) ({job="shop", __name__=~"db_.*"})');
    expect(JSON.stringify(labels)).not.toContain("pg_sleep");
    // What AppDatabasePoolWaiting reads is what arrives, by the names the rule uses.
    const ruleNames = ruleMetricNames(join(REPO, "provisioning/prometheus/rules"), (file) => file === "databases.yml");
    const fromPreload = ruleNames.filter((name) => name.startsWith("db_client_"));
    expect(fromPreload).toEqual(["db_client_connection_pending_requests"]);
    for (const name of fromPreload)
      expect(await promQuery(prom.url, `count({__name__="${name}", job="shop"})`)).toHaveLength(1);
  }, 90_000);

  it("writes the request's trace id into its log lines: console's at the end, pino's as trace.id", async () => {
    await get("/log?sku=42");
    const lines = await eventually(
      async () =>
        readdirSync(join(pm2Home, "logs"))
          .filter((f) => f.startsWith("shop-out"))
          .flatMap((f) => readFileSync(join(pm2Home, "logs", f), "utf8").split("\n")),
      (all) => all.some((l) => l.includes('"msg":"stock low"')),
      30_000,
    );
    const consoleLine = lines.find((l) => l.startsWith("INFO looked up 42"));
    const pinoLine = JSON.parse(lines.find((l) => l.includes('"msg":"stock low"'))!) as Record<string, unknown>;
    const traceId = /trace\.id=([0-9a-f]{32})$/.exec(consoleLine ?? "")?.[1];
    expect(traceId, consoleLine).toBeDefined();
    // One request, one trace: both lines carry the same id.
    expect(pinoLine["trace.id"]).toBe(traceId);
    expect(pinoLine["span.id"]).toMatch(/^[0-9a-f]{16}$/);
    // Outside a request a line stays as the app wrote it.
    expect(lines).toContain("INFO started, outside any request");
  }, 60_000);

  it("fires the error and the latency budget alerts on the app's own requests", async () => {
    // An error burst and requests slower than the objective's 0.5 s, on series the app has
    // already sent (a counter's first export is its start: rate() counts only what came after),
    // so both budgets burn over the short and the long window alike, for the rules' 2 minutes.
    for (let i = 0; i < 4; i++)
      await Promise.all([
        ...Array.from({ length: 10 }, () => get("/checkout?fail=1", "POST")),
        ...Array.from({ length: 10 }, () => get("/slow?ms=600")),
      ]);
    const firing = await eventually(
      () => promQuery(prom.url, 'ALERTS{alertstate="firing", job="shop"}'),
      (alerts) => alerts.length === 2,
      200_000,
    );
    expect(firing.map((a) => [a.metric.alertname, a.metric.severity]).sort()).toEqual([
      ["ServiceErrorBudgetBurn", "critical"],
      ["ServiceLatencyBudgetBurn", "warning"],
    ]);
    const [errors] = await promQuery(prom.url, 'service:http_errors:ratio_rate5m{job="shop"}');
    expect(Number(errors.value[1])).toBeGreaterThan(14.4 * 0.001);
  }, 240_000);
});
