// The team's databases as opsdeck.yml lists them, watched for real: Debian's PostgreSQL, MariaDB
// and Redis on loopback with a monitoring user as the README makes one; OpsDeck's files for
// their exporters (built from their Go modules, one per type in multi-target mode); a real
// Prometheus scraping each database through its type's exporter. A wrong password says so.
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseListSchema, DATABASE_TYPES } from "@opsdeck/core";
import { DATABASE_EXPORTER_USER, writeDatabaseFiles } from "@opsdeck/core/databases/exporters";
import {
  promQuery,
  REPO,
  startDatabaseExporter,
  startMariadb,
  startPostgres,
  startRedis,
  startTestPrometheus,
  stopAll,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { ruleMetricNames } from "../../provisioning/prometheus/metric-names.ts";

const dir = tempDir("databases");
const procs: Proc[] = [];
let prom: string;
const exporters: Record<string, string> = {};
const SCRAPE_PASSWORD = "prometheus-scrape-password-0123";
afterAll(() => stopAll(procs.reverse()));

beforeAll(async () => {
  const [pg, my, redis] = await Promise.all([
    startPostgres({ dir: join(dir, "postgres") }),
    startMariadb({ dir: join(dir, "mariadb") }),
    startRedis({ dir: join(dir, "redis") }),
  ]);
  procs.push(pg.proc, my.proc, redis.proc);
  // As opsdeck.yml lists them (the passwords from the environment there).
  const databases = databaseListSchema.parse([
    {
      name: "shop-db",
      type: "postgres",
      address: `127.0.0.1:${pg.port}`,
      user: pg.user,
      password: pg.password,
      sslmode: "disable",
      host: "db-1",
    },
    { name: "orders", type: "mysql", address: `127.0.0.1:${my.port}`, user: my.user, password: my.password },
    { name: "cache", type: "redis", address: `127.0.0.1:${redis.port}`, password: redis.password },
    {
      name: "wrong-pass",
      type: "postgres",
      address: `127.0.0.1:${pg.port}`,
      user: pg.user,
      password: "not-it",
      sslmode: "disable",
    },
  ]);
  const files = { secretsDir: join(dir, "secrets"), targetsDir: join(dir, "targets") };
  const passwordFile = join(dir, "scrape.password");
  writeFileSync(passwordFile, SCRAPE_PASSWORD, { mode: 0o600 });
  writeDatabaseFiles({ ...files, secretsDir: () => files.secretsDir }, databases);
  for (const type of DATABASE_TYPES) {
    const exporter = await startDatabaseExporter(type, {
      secretsDir: files.secretsDir,
      scrapePassword: SCRAPE_PASSWORD,
      logFile: join(dir, `${type}-exporter.log`),
    });
    procs.push(exporter.proc);
    exporters[type] = new URL(exporter.url).host;
  }
  const p = await startTestPrometheus({
    dir: join(dir, "prometheus"),
    // postgres_exporter takes a second to give up on a refused password: more than a 1 s scrape.
    scrapeInterval: "2s",
    ruleFiles: [],
    databases: { targetsDir: files.targetsDir, exporters, username: DATABASE_EXPORTER_USER, passwordFile },
  });
  procs.push(p.proc);
  prom = p.url;
}, 180_000);

describe("the databases opsdeck.yml lists", () => {
  it("are each scraped through their type's exporter, named by their database label", async () => {
    const up = await eventually(
      () => promQuery(prom, 'up{job=~"postgres|mysql|redis"}'),
      (r) => r.length === 4,
      30_000,
    );
    expect(Object.fromEntries(up.map((s) => [s.metric.instance, [s.metric.job, s.value[1]]]))).toEqual({
      "shop-db": ["postgres", "1"],
      "wrong-pass": ["postgres", "1"],
      orders: ["mysql", "1"],
      cache: ["redis", "1"],
    });
    expect(up.find((s) => s.metric.instance === "shop-db")?.metric.host).toBe("db-1");
  }, 60_000);

  it("reach their servers with the monitoring user's password; a wrong one is a database down, not a target", async () => {
    const reached = await eventually(
      () => promQuery(prom, "pg_up or mysql_up or redis_up"),
      (r) => r.length === 4,
      30_000,
    );
    expect(Object.fromEntries(reached.map((s) => [s.metric.database, s.value[1]]))).toEqual({
      "shop-db": "1",
      "wrong-pass": "0",
      orders: "1",
      cache: "1",
    });
    // What the rules will read: connections and their limit, cache hits.
    for (const q of [
      'pg_settings_max_connections{database="shop-db"}',
      'sum by (database) (pg_stat_database_numbackends{database="shop-db"})',
      'mysql_global_variables_max_connections{database="orders"}',
      'mysql_global_status_threads_connected{database="orders"}',
      'redis_config_maxclients{database="cache"}',
      'redis_connected_clients{database="cache"}',
    ])
      expect((await promQuery(prom, q)).length, q).toBe(1);
  }, 60_000);

  it("keep the passwords in files only their exporter reads, never in a target or a label", async () => {
    const secrets = join(dir, "secrets");
    for (const file of ["postgres_exporter.yml", "my.cnf", "redis-passwords.json"])
      expect((statSync(join(secrets, file)).mode & 0o777).toString(8), file).toBe("600");
    for (const type of DATABASE_TYPES)
      expect(readFileSync(join(dir, "targets", "databases", `${type}.json`), "utf8")).not.toMatch(/password/);
    const labels = JSON.stringify(await promQuery(prom, '{job=~"postgres|mysql|redis"}'));
    expect(labels).not.toContain("monitor-password");
    expect(labels).not.toContain("redis-password");
  }, 60_000);

  it("bring every series the databases' rules read (a replica's lag aside: there is no replica here)", async () => {
    const names = ruleMetricNames(join(REPO, "provisioning/prometheus/rules"), (file) => file === "databases.yml");
    const REPLICA_ONLY = ["mysql_slave_status_seconds_behind_master"];
    // The apps' pools come from OpsDeck's preload, not an exporter: instrument/test/preload.test.ts checks those.
    const fromPreload = (name: string) => name.startsWith("db_client_");
    const missing: string[] = [];
    for (const name of names.filter((n) => !n.includes(":") && !REPLICA_ONLY.includes(n) && !fromPreload(n)))
      if ((await promQuery(prom, `count({__name__="${name}"})`)).length === 0) missing.push(name);
    expect(names.length).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  }, 60_000);

  it("answer only Prometheus: asked for another target without its password, no credentials are lent", async () => {
    // Someone on the machine points the PostgreSQL exporter at a server of their own, naming
    // shop-db's auth module: refused before any connection is made.
    const trap = "postgresql%3A%2F%2F127.0.0.1%3A1%2Fpostgres";
    for (const [type, path] of [
      ["postgres", `/probe?auth_module=shop-db&target=${trap}`],
      ["mysql", "/probe?auth_module=client.orders&target=127.0.0.1:1"],
      ["redis", "/scrape?target=redis://127.0.0.1:1"],
    ] as const) {
      expect((await fetch(`http://${exporters[type]}${path}`)).status, type).toBe(401);
      const wrong = { authorization: `Basic ${Buffer.from(`${DATABASE_EXPORTER_USER}:guess`).toString("base64")}` };
      expect((await fetch(`http://${exporters[type]}${path}`, { headers: wrong })).status, type).toBe(401);
    }
  });
});
