// npm run compose-rehearsal: the production path — `docker compose -f docker-compose.monitoring.yml
// up -d` on a server, as the README tells it — under a real Docker engine, with the compose file
// unchanged. No image registry is reachable here, so every third-party image is a local stand-in
// under the exact name and tag the compose file pins (scripts/compose-rehearsal/images/: the same
// software where it exists here, the upstream image's user, paths and entry point; recording
// stand-ins for Grafana and Kibana), and the OpsDeck image is built by compose from the real
// Dockerfile on a stand-in node base. docs/compose-rehearsal.md says what each stand-in proves
// and what it cannot.
//
//   npm run compose-rehearsal              # everything, then `down -v`
//   npm run compose-rehearsal -- --keep    # leave the stack running (it says where)
//
// The "server" is a copy of this checkout under ~/.cache/opsdeck/rehearsal/server/opsdeck, with
// .env and opsdeck.yml made as the README says; the "host" runs a PM2 daemon with a small app
// and the PM2 exporter on the Docker bridge's address, as provisioning/systemd/ has it, and a real
// PostgreSQL and Redis (Debian's) that opsdeck.yml lists at 127.0.0.1, as a team's own.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { hashPassword } from "@opsdeck/core";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { INSTRUMENT } from "./build.ts";
import {
  freePort,
  pm2,
  PM2_EXPORTER_NODE_FLAGS,
  REPO,
  spawnProc,
  startPostgres,
  startRedis,
  type DatabaseServer,
  type Proc,
} from "@opsdeck/stack";
import { dockerReady, rehearse } from "./compose-rehearsal/engine.ts";
import {
  CACHE,
  checklist,
  copyCheckout,
  DOCKER_CONFIG,
  env,
  eventually,
  fetchScript,
  memoryInUse,
  run,
  seconds,
} from "./compose-rehearsal/shell.ts";

const SERVER = join(CACHE, "server", "opsdeck");
const HOST = join(CACHE, "host");
const ADMIN_PASSWORD = "rehearsal-admin-password-1";
/** The host's token (README, Request metrics: another server's apps send with it). */
const HOST_TOKEN = newPushToken();
const keep = process.argv.includes("--keep");
const started = Date.now();
const { step, results } = checklist();

/** `docker compose -f docker-compose.monitoring.yml …` in the server's checkout, as the README runs it. */
const compose = (...args: string[]) =>
  run("docker", ["compose", "-f", "docker-compose.monitoring.yml", ...args], { cwd: SERVER });
const composeLoud = (...args: string[]) =>
  run("docker", ["compose", "-f", "docker-compose.monitoring.yml", ...args], { cwd: SERVER, quiet: false });

// ---------------------------------------------------------------- the server and the host

let frontPort = 0;
let front = "";
const secrets: Record<string, string> = {};

/** The server's checkout and its .env and opsdeck.yml, made as the README's Production section says. */
async function serverCheckout() {
  copyCheckout(REPO, SERVER);
  frontPort = await freePort();
  front = `http://127.0.0.1:${frontPort}`;
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)/.exec(run("ip", ["-4", "addr", "show", "docker0"]))![1];
  mkdirSync(join(HOST, "pm2", "logs"), { recursive: true });
  mkdirSync(join(HOST, "nginx"), { recursive: true });
  // cp .env.example .env && chmod 600 .env; fill every CHANGE_ME (openssl rand -hex 24).
  const hash = await hashPassword(ADMIN_PASSWORD);
  const filled = readFileSync(join(SERVER, ".env.example"), "utf8")
    .split("\n")
    .map((line) => {
      const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
      if (!m) return line;
      const [, name, value] = m;
      const set: Record<string, string> = {
        OPSDECK_HOST_NAME: "rehearsal",
        OPSDECK_PUBLIC_URL: front,
        OPSDECK_HTTP_PORT: `127.0.0.1:${frontPort}`,
        DOCKER_BRIDGE_ADDRESS: bridge,
        PM2_HOME: join(HOST, "pm2"),
        NGINX_LOG_DIR: join(HOST, "nginx"),
        // The host's PM2 writes local times with no offset: a server in China, as the team's.
        LOG_TIMEZONE: "Asia/Shanghai",
        ES_HEAP: "512m",
        OPSDECK_PORTAL_ADMIN_HASH: `'${hash}'`,
        // The exporters of the databases opsdeck.yml lists (README, Databases).
        COMPOSE_PROFILES: "postgres,redis",
      };
      const v = set[name] ?? (value.includes("CHANGE_ME") ? randomBytes(24).toString("hex") : value);
      secrets[name] = v.replace(/^'(.*)'$/, "$1");
      return `${name}=${v}`;
    })
    .join("\n");
  writeFileSync(join(SERVER, ".env"), filled);
  chmodSync(join(SERVER, ".env"), 0o600);
  // cp opsdeck.example.yml opsdeck.yml, and a probe of the site, as a team adds one (here the
  // front door's sign-in page, reached on the compose network), with a header blackbox reads
  // from the probe-secrets volume (as nobody).
  const example = readFileSync(join(SERVER, "opsdeck.example.yml"), "utf8");
  if (!/^probes: \[\]$/m.test(example)) throw new Error("opsdeck.example.yml has no `probes: []` line");
  // …and the host as a push host (its token, for its apps' request metrics through the front door).
  if (!/^hosts: \[\]$/m.test(example)) throw new Error("opsdeck.example.yml has no `hosts: []` line");
  // …and the host's PostgreSQL and Redis at 127.0.0.1, their passwords in databases.env.
  if (!/^databases: \[\]$/m.test(example)) throw new Error("opsdeck.example.yml has no `databases: []` line");
  writeFileSync(
    join(SERVER, "opsdeck.yml"),
    example
      .replace(
        /^probes: \[\]$/m,
        'probes:\n  - { name: front-door, type: http, target: "http://nginx/signin", http: { keyword: OpsDeck, headers: { X-Probe-Token: "${OPSDECK_PROBE_TOKEN:-rehearsal}" } } }',
      )
      .replace(
        /^hosts: \[\]$/m,
        `hosts:\n  - { name: shop-host, address: shop-host, mode: push, push_token_sha256: ${HOST_TOKEN.sha256} }`,
      )
      .replace(
        /^databases: \[\]$/m,
        [
          "databases:",
          `  - { name: main, type: postgres, address: "127.0.0.1:${hostDatabases.postgres.port}", user: ${hostDatabases.postgres.user}, password: "\${SHOP_PG_MONITOR_PASSWORD}", sslmode: disable }`,
          `  - { name: cache, type: redis, address: "127.0.0.1:${hostDatabases.redis.port}", password: "\${SHOP_REDIS_PASSWORD}" }`,
        ].join("\n"),
      ),
  );
  writeFileSync(
    join(SERVER, "databases.env"),
    `SHOP_PG_MONITOR_PASSWORD=${hostDatabases.postgres.password}\nSHOP_REDIS_PASSWORD=${hostDatabases.redis.password}\n`,
    { mode: 0o600 },
  );
  const preflight = spawnSync("bash", ["scripts/preflight.sh"], { cwd: SERVER, env, encoding: "utf8" });
  const fixes = preflight.stdout.split("\n").filter((l) => l.startsWith("  FIX"));
  writeFileSync(join(CACHE, "preflight.txt"), preflight.stdout);
  return `${SERVER}; preflight: ${fixes.length ? fixes.map((f) => f.trim().slice(6)).join(" | ") : "ready"}`;
}

const hostProcs: Proc[] = [];
let hostDatabases: { postgres: DatabaseServer; redis: DatabaseServer };
/** The host's PostgreSQL and Redis, listening on loopback and the Docker bridge (where containers reach the host). */
async function databases() {
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)/.exec(run("ip", ["-4", "addr", "show", "docker0"]))![1];
  // The exporters' containers connect from the compose network, whose subnet Docker takes in
  // turn from its pools (172.17–31.0.0/16, then 192.168.x.0/20 once a long-running engine has
  // made many networks: it happened here). Any client may try, with the password: the server
  // listens only on loopback and the bridge, which only this host and its containers reach.
  const listen = { addresses: [bridge], clients: "0.0.0.0/0" };
  rmSync(join(HOST, "postgres"), { recursive: true, force: true });
  const postgres = await startPostgres({ dir: join(HOST, "postgres"), listen });
  hostProcs.push(postgres.proc);
  const redis = await startRedis({ dir: join(HOST, "redis"), listen });
  hostProcs.push(redis.proc);
  hostDatabases = { postgres, redis };
  return `PostgreSQL on :${postgres.port}, Redis on :${redis.port} (127.0.0.1 and ${bridge})`;
}
/** The host's PM2 daemon with one app logging with --time, and the PM2 exporter as its systemd unit runs it. */
async function hostPm2() {
  const home = join(HOST, "pm2");
  const app = join(HOST, "app.cjs");
  writeFileSync(app, "setInterval(() => console.log('shop: heartbeat'), 5000);\n");
  await pm2(home, ["delete", "all"]).catch(() => "");
  // An exporter a --keep run left behind would answer in this one's place.
  const pidFile = join(HOST, "pm2-exporter.pid");
  if (existsSync(pidFile)) spawnSync("kill", [readFileSync(pidFile, "utf8").trim()]);
  await pm2(home, ["start", app, "--name", "shop", "--time"]);
  const bridge = secrets.DOCKER_BRIDGE_ADDRESS;
  hostProcs.push(
    spawnProc("pm2-exporter", process.execPath, [...PM2_EXPORTER_NODE_FLAGS, join(REPO, "dist/exporter.mjs"), "pm2"], {
      env: {
        ...process.env,
        PM2_HOME: home,
        OPSDECK_BIND: bridge,
        OPSDECK_CONFIG: join(SERVER, "opsdeck.yml"),
        OPSDECK_FILEBEAT_URL: `http://${bridge}:5066`,
        // Its unit's EnvironmentFile (/etc/opsdeck/pm2-exporter.env), from .env.
        OPSDECK_PM2_ACTIONS_KEY: secrets.OPSDECK_PM2_ACTIONS_KEY,
        OPSDECK_HOST_NAME: secrets.OPSDECK_HOST_NAME,
      },
      logFile: join(HOST, "pm2-exporter.log"),
    }),
  );
  writeFileSync(pidFile, String(hostProcs.at(-1)!.child.pid));
  await eventually(
    "the PM2 exporter",
    () => fetch(`http://${bridge}:9209/metrics`).then((r) => r.ok || undefined),
    30_000,
  );
  return `PM2 (${home}) and its exporter on ${bridge}:9209`;
}

// ---------------------------------------------------------------- the stack

interface PsRow {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
  ID: string;
}
const ps = (): PsRow[] =>
  compose("ps", "-a", "--format", "json")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => JSON.parse(l) as PsRow | PsRow[]);

const ONE_SHOTS = ["init", "volume-owners", "kibana-setup"];
/** The one-shot that failed (kibana-setup may, and retries), with the end of its log; else "". */
function failedOneShots(rows = ps()) {
  const failed = rows.find(
    (r) => ONE_SHOTS.includes(r.Service) && r.State === "exited" && r.ExitCode !== 0 && r.Service !== "kibana-setup",
  );
  return failed
    ? `${failed.Service} exited ${failed.ExitCode}: ${compose("logs", "--tail", "20", failed.Service)}`
    : "";
}
async function allHealthy() {
  return eventually(
    "every service healthy and the one-shots done",
    () => {
      const rows = ps();
      const failed = failedOneShots(rows);
      if (failed) throw new Error(failed);
      const waiting = rows.filter((r) =>
        ONE_SHOTS.includes(r.Service)
          ? !(r.State === "exited" && r.ExitCode === 0)
          : r.State !== "running" || (r.Health !== "" && r.Health !== "healthy"),
      );
      if (waiting.length)
        throw new Error(`waiting for ${waiting.map((r) => `${r.Service} (${r.State} ${r.Health})`).join(", ")}`);
      return `${rows.length} containers: ${rows.filter((r) => r.Health === "healthy").length} healthy, ${ONE_SHOTS.length} one-shots exited 0`;
    },
    15 * 60_000,
  );
}

/** A request inside the compose network: from the portal's container (node's fetch); a body is POSTed as JSON. */
function inside(url: string, auth?: string, body?: unknown): string {
  const init = {
    ...(auth && { headers: { authorization: auth } }),
    ...(body !== undefined && {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body),
    }),
  };
  return compose("exec", "-T", "portal", "node", "-e", fetchScript(url, init, "body"));
}

let session = "";
async function signIn(name: string, password: string) {
  const res = await fetch(`${front}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name, password }),
    redirect: "manual",
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("opsdeck_session="));
  return { status: res.status, location: res.headers.get("location") ?? "", cookie: cookie?.split(";")[0] };
}
const page = (path: string) => fetch(`${front}${path}`, { headers: { cookie: session }, redirect: "manual" });

// ---------------------------------------------------------------- the checks

async function main() {
  mkdirSync(CACHE, { recursive: true });
  await dockerReady(step);
  await step("the host's PostgreSQL and Redis", databases);
  // A previous run's stack (same project) goes first, volumes and all — before its checkout is
  // replaced: a running container's bind mount of a removed opsdeck.yml comes back a directory.
  const down = () =>
    spawnSync("docker", ["compose", "-f", "docker-compose.monitoring.yml", "down", "-v", "--remove-orphans"], {
      cwd: SERVER,
      env,
    });
  if (existsSync(join(SERVER, "docker-compose.monitoring.yml"))) down();
  await step("the server's checkout, .env and opsdeck.yml as the README says", serverCheckout);
  await step("the host's PM2 and PM2 exporter", hostPm2);
  down();

  await step("docker compose up -d (builds the OpsDeck image)", () => {
    try {
      composeLoud("up", "-d");
    } catch (err) {
      // up -d fails when init does: its own words are the reason, not compose's.
      throw new Error(`${(err as Error).message.split("\n")[0]} ${failedOneShots()}`);
    }
    return "returned";
  });
  const upToHealthy = Date.now();
  await step("every service healthy, init and the one-shots done", allHealthy);
  const firstUp = seconds(upToHealthy);

  await step("a second up -d changes nothing", () => {
    const before = Object.fromEntries(ps().map((r) => [r.Service, r.ID]));
    compose("up", "-d");
    const after = Object.fromEntries(ps().map((r) => [r.Service, r.ID]));
    const changed = Object.keys(before).filter((s) => before[s] !== after[s] && !ONE_SHOTS.includes(s));
    if (changed.length) throw new Error(`recreated: ${changed.join(", ")}`);
    return "no container recreated";
  });
  await allHealthy();

  await step("sign in through the front door", async () => {
    const r = await signIn("admin", ADMIN_PASSWORD);
    if (!r.cookie) throw new Error(`no session (HTTP ${r.status} → ${r.location})`);
    session = r.cookie;
    const home = await page("/");
    if (home.status !== 200) throw new Error(`GET / answered ${home.status}`);
    return `admin signed in at ${front}`;
  });

  await step("failed sign-ins for another name never hold up admin's password", async () => {
    for (let i = 0; i < 7; i++) await signIn("root", `guess-${i}`);
    const again = await signIn("root", "guess-7");
    if (!again.location.includes("too_many")) throw new Error("root was not throttled");
    const admin = await signIn("admin", ADMIN_PASSWORD);
    if (!admin.cookie) throw new Error(`admin refused: ${admin.location}`);
    return "root throttled, admin signed in";
  });

  const version = `9.9.${Date.now() % 1000}-rehearsal`;
  await step("a deploy reported from outside the compose network reaches the Deploys page", async () => {
    const report = (...args: string[]) =>
      run("sh", [join(SERVER, "scripts/report-deploy.sh"), ...args], { cwd: SERVER }).trim();
    process.env.OPSDECK_URL = `${front}/ingest/deploy`;
    process.env.OPSDECK_DEPLOY_TOKEN = secrets.OPSDECK_DEPLOY_TOKEN;
    Object.assign(env, { OPSDECK_URL: process.env.OPSDECK_URL, OPSDECK_DEPLOY_TOKEN: secrets.OPSDECK_DEPLOY_TOKEN });
    const id = report("start", "shop", "production", version, "abc1234");
    report("finish", id, "succeeded");
    await eventually(
      "the deploy on the Deploys page",
      async () => ((await (await page("/deploys")).text()).includes(version) ? true : undefined),
      60_000,
    );
    return `${id} (${version}) via ${front}/ingest/deploy`;
  });

  const marker = `rehearsal-${randomBytes(6).toString("hex")}`;
  await step("a PM2 log line on the host reaches Elasticsearch and the Logs page, at the right time", async () => {
    // PM2's --time prefix: the host's local time with no offset (Asia/Shanghai here, per .env).
    const now = new Date();
    const local = new Intl.DateTimeFormat("sv-SE", {
      timeZone: "Asia/Shanghai",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    })
      .format(now)
      .replace(" ", "T");
    appendFileSync(join(HOST, "pm2/logs/shop-out.log"), `${local}: order failed ${marker}\n`);
    const hit = await eventually(
      "the line in the Logs page's search",
      async () => {
        const r = await page(`/api/logs/search?q=${marker}&from=now-1h&size=5`);
        const text = await r.text();
        return r.ok && text.includes(marker) ? text : undefined;
      },
      120_000,
    );
    // The Logs page's line (LogLine: ts, message) that holds the marker.
    const find = (node: unknown): { ts?: string } | undefined => {
      if (Array.isArray(node)) return node.map(find).find(Boolean);
      if (node && typeof node === "object") {
        const o = node as Record<string, unknown>;
        if (typeof o.message === "string" && o.message.includes(marker) && typeof o.ts === "string") return o;
        return Object.values(o).map(find).find(Boolean);
      }
      return undefined;
    };
    const stamp = find(JSON.parse(hit))?.ts;
    const offBy = stamp ? Math.abs(Date.parse(stamp) - Math.floor(now.getTime() / 1000) * 1000) / 1000 : NaN;
    if (!(offBy <= 2)) throw new Error(`the line is stamped ${stamp}, ${offBy} s from when it was written`);
    return `found, stamped ${stamp} (${offBy} s off)`;
  });

  await step("the front door's own access log reaches Elasticsearch", () =>
    eventually(
      "front door lines",
      () => {
        const elastic = `Basic ${Buffer.from(`elastic:${secrets.ELASTIC_PASSWORD}`).toString("base64")}`;
        const answer = JSON.parse(
          inside(
            "http://elasticsearch:9200/opsdeck-logs-*/_count?q=event.dataset:nginx.access%20AND%20url.original:%22/ingest/deploy/api/v1/deploys%22",
            elastic,
          ),
        ) as { count: number };
        return answer.count > 0 ? `${answer.count} lines of CI's deploy report` : undefined;
      },
      120_000,
    ),
  );

  await step("every Prometheus target up", () =>
    eventually(
      "targets",
      () => {
        const t = JSON.parse(inside("http://prometheus:9090/api/v1/targets")) as {
          data: { activeTargets: { labels: { job: string }; health: string; lastError: string }[] };
        };
        const down = t.data.activeTargets.filter((x) => x.health !== "up");
        if (down.length) throw new Error(down.map((x) => `${x.labels.job}: ${x.health} ${x.lastError}`).join("; "));
        return `${t.data.activeTargets.length} up: ${[...new Set(t.data.activeTargets.map((x) => x.labels.job))].join(", ")}`;
      },
      180_000,
    ),
  );

  await step(
    "the host's PostgreSQL and Redis, watched through their exporters (opsdeck.yml's 127.0.0.1, from containers)",
    () =>
      eventually(
        "pg_up and redis_up",
        () => {
          const query = (q: string) =>
            (
              JSON.parse(inside(`http://prometheus:9090/api/v1/query?query=${encodeURIComponent(q)}`)) as {
                data: { result: { metric: Record<string, string>; value: [number, string] }[] };
              }
            ).data.result;
          const up = [...query('pg_up{database="main"}'), ...query('redis_up{database="cache"}')];
          if (up.length !== 2 || up.some((r) => r.value[1] !== "1")) throw new Error(`up: ${JSON.stringify(up)}`);
          // What the Services page shows: connections in use against the server's limit, per database.
          const ratio = query("database:connections:ratio");
          if (ratio.length !== 2) throw new Error(`database:connections:ratio: ${JSON.stringify(ratio)}`);
          return `pg_up 1, redis_up 1; connections in use ${ratio.map((r) => `${r.metric.database} ${(Number(r.value[1]) * 100).toFixed(0)} %`).join(", ")}`;
        },
        180_000,
      ),
  );

  await step("the database exporters answer only Prometheus (no password: 401, from inside the network)", () => {
    const statuses = [
      "postgres-exporter:9187/probe?target=postgresql://evil.example/postgres&auth_module=main",
      "redis-exporter:9121/scrape?target=redis://evil.example:6379",
    ].map((url) => compose("exec", "-T", "portal", "node", "-e", fetchScript(`http://${url}`, {}, "status")).trim());
    if (statuses.some((status) => status !== "401")) throw new Error(`answered ${statuses.join(", ")}`);
    return `401, 401`;
  });

  await step("blackbox-exporter probes the site (opsdeck.yml's probe of the front door)", () =>
    eventually(
      "probe_success",
      () => {
        const q = JSON.parse(
          inside("http://prometheus:9090/api/v1/query?query=probe_success%7Bprobe%3D%22front-door%22%7D"),
        ) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        const [series] = q.data.result;
        if (series?.value[1] !== "1") throw new Error(`probe_success is ${JSON.stringify(q.data.result)}`);
        return `probe_success 1 from ${series.metric.host}`;
      },
      120_000,
    ),
  );

  await step("a probe added in the portal runs too (its probe files in the targets volume, no restart)", async () => {
    const csrf = "rehearsal-csrf";
    const res = await fetch(`${front}/api/probes`, {
      method: "POST",
      headers: {
        cookie: `${session}; opsdeck_csrf=${csrf}`,
        "x-opsdeck-csrf": csrf,
        "content-type": "application/json",
      },
      body: JSON.stringify({ name: "portal-probe", type: "tcp", target: "nginx:80" }),
    });
    if (res.status !== 201) throw new Error(`POST /api/probes answered ${res.status}: ${await res.text()}`);
    return eventually(
      "probe_success",
      () => {
        const q = JSON.parse(
          inside("http://prometheus:9090/api/v1/query?query=probe_success%7Bprobe%3D%22portal-probe%22%7D"),
        ) as { data: { result: { value: [number, string] }[] } };
        if (q.data.result[0]?.value[1] !== "1") throw new Error(`probe_success is ${JSON.stringify(q.data.result)}`);
        return "portal-probe: probe_success 1";
      },
      120_000,
    );
  });

  await step(
    "a rule saved on the Rules page is loaded and evaluated by Prometheus (alert-rules volume, no reload API)",
    async () => {
      const csrf = "rehearsal-csrf";
      const saved = Date.now();
      const res = await fetch(`${front}/api/alerts/rules`, {
        method: "POST",
        headers: {
          cookie: `${session}; opsdeck_csrf=${csrf}`,
          "x-opsdeck-csrf": csrf,
          "content-type": "application/json",
        },
        body: JSON.stringify({
          group: "rehearsal",
          alert: "RehearsalUp",
          condition: {
            kind: "threshold",
            metric: "up",
            matchers: [{ label: "job", op: "=", value: "prometheus" }],
            comparison: "<",
            threshold: 1,
          },
          for: "1m",
          summary: { "zh-CN": "Prometheus 不可用", en: "Prometheus is down" },
        }),
      });
      if (res.status !== 201) throw new Error(`POST /api/alerts/rules answered ${res.status}: ${await res.text()}`);
      return eventually(
        "the rule evaluated",
        () => {
          const q = JSON.parse(inside("http://prometheus:9090/api/v1/rules?type=alert")) as {
            data: {
              groups: {
                name: string;
                file: string;
                rules: { name: string; health: string; lastEvaluation: string }[];
              }[];
            };
          };
          const group = q.data.groups.find((g) => g.name === "rehearsal");
          const rule = group?.rules.find((r) => r.name === "RehearsalUp");
          if (!rule || Date.parse(rule.lastEvaluation) < saved)
            throw new Error(`not evaluated yet: ${JSON.stringify(group)}`);
          if (rule.health !== "ok") throw new Error(`health ${rule.health}`);
          return `${group!.file} evaluated ${((Date.parse(rule.lastEvaluation) - saved) / 1000).toFixed(1)} s after the save`;
        },
        60_000,
      );
    },
  );

  await step(
    "a shipped rule overridden on the Rules page replaces the original in Prometheus, and reverting restores it",
    async () => {
      const csrf = "rehearsal-csrf";
      const call = (method: string, path: string, body?: unknown) =>
        fetch(`${front}${path}`, {
          method,
          headers: {
            cookie: `${session}; opsdeck_csrf=${csrf}`,
            "x-opsdeck-csrf": csrf,
            "content-type": "application/json",
          },
          body: body === undefined ? undefined : JSON.stringify(body),
        });
      const shippedRule = () => {
        const q = JSON.parse(inside("http://prometheus:9090/api/v1/rules?type=alert")) as {
          data: { groups: { file: string; rules: { name: string; query: string }[] }[] };
        };
        return q.data.groups
          .filter((g) => g.file === "/opsdeck/rendered/rules/shipped/pm2.yml")
          .flatMap((g) => g.rules)
          .find((r) => r.name === "PM2DaemonDown");
      };
      const res = await call("POST", "/api/alerts/rules", {
        group: "pm2",
        alert: "PM2DaemonDown",
        condition: { kind: "promql", expr: "pm2_daemon_up < 0" },
        for: "2m",
        severity: "critical",
        summary: { "zh-CN": "PM2 守护进程不可用", en: "PM2 daemon down" },
        overrides: { file: "pm2.yml", alert: "PM2DaemonDown", labels: { severity: "critical" } },
      });
      if (res.status !== 201) throw new Error(`POST /api/alerts/rules answered ${res.status}: ${await res.text()}`);
      const { rule } = (await res.json()) as { rule: { id: string } };
      await eventually(
        "the override loaded",
        () => {
          const r = shippedRule();
          if (r?.query !== "pm2_daemon_up < 0") throw new Error(`PM2DaemonDown is ${JSON.stringify(r)}`);
          return r.query;
        },
        30_000,
      );
      const removed = await call("DELETE", `/api/alerts/rules/${rule.id}`);
      if (removed.status !== 204) throw new Error(`DELETE answered ${removed.status}`);
      return eventually(
        "the original back",
        () => {
          const r = shippedRule();
          if (r?.query !== "pm2_daemon_up == 0") throw new Error(`PM2DaemonDown is ${JSON.stringify(r)}`);
          return `override loaded from init's copy (rewritten by the portal), then reverted to "${r.query}"`;
        },
        30_000,
      );
    },
  );

  const targetsUp = Date.now();
  await step("an app on the host sends its request metrics through the front door with its host's token", async () => {
    // The README's ecosystem entry for an app on another server, as a team writes it.
    const app = join(HOST, "web.cjs");
    writeFileSync(
      app,
      'const s = require("node:http").createServer((q, r) => r.end("ok")).listen(0, "127.0.0.1", () =>\n' +
        "  setInterval(() => fetch(`http://127.0.0.1:${s.address().port}/`).catch(() => {}), 500));\n",
    );
    const ecosystem = join(HOST, "web.config.json");
    const webEnv = {
      OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${front}/ingest/otlp/v1/metrics`,
      OTEL_METRIC_EXPORT_INTERVAL: "2000",
      OPSDECK_HOST_NAME: "shop-host",
      OPSDECK_HOST_TOKEN: HOST_TOKEN.token,
    };
    writeFileSync(
      ecosystem,
      JSON.stringify({ apps: [{ name: "web", script: app, node_args: `--require ${INSTRUMENT}`, env: webEnv }] }),
    );
    await pm2(join(HOST, "pm2"), ["start", ecosystem]);
    return eventually(
      "the app's requests in Prometheus",
      async () => {
        const q = JSON.parse(
          inside(
            "http://prometheus:9090/api/v1/query?query=sum%20by%20(host_name)%20(http_server_request_duration_seconds_count%7Bjob%3D%22web%22%7D)",
          ),
        ) as { data: { result: { metric: Record<string, string>; value: [number, string] }[] } };
        const [series] = q.data.result;
        return series?.metric.host_name === "shop-host" && Number(series.value[1]) > 0
          ? `${series.value[1]} requests of web on shop-host`
          : undefined;
      },
      60_000,
    );
  });
  await step("the front door refuses an app's metrics without the host's token", async () => {
    const res = await fetch(`${front}/ingest/otlp/v1/metrics`, {
      method: "POST",
      headers: { authorization: `Basic ${Buffer.from("shop-host:guess-0123456789abcdef").toString("base64")}` },
      body: "x",
    });
    if (res.status !== 401) throw new Error(`a wrong token answered ${res.status}`);
    return "401";
  });

  await step(
    "a browser's page-load beacon through the front door reaches Prometheus, and the script is served",
    async () => {
      const script = await fetch(`${front}/ingest/rum.js`);
      if (!script.ok || !(await script.text()).includes("sendBeacon"))
        throw new Error(`/ingest/rum.js answered ${script.status}`);
      // As the portal's pages send it (sendBeacon: a text/plain string, no session, no token).
      const id = `v5-${Date.now()}-rehearsal`;
      const beacon = await fetch(`${front}/ingest/rum`, {
        method: "POST",
        headers: { "content-type": "text/plain;charset=UTF-8" },
        body: JSON.stringify({
          app: "portal",
          path: "/deploys/abc",
          device: "mobile",
          metrics: [{ name: "LCP", id, value: 1800, navigation: "navigate" }],
        }),
      });
      if (beacon.status !== 204) throw new Error(`a beacon answered ${beacon.status}: ${await beacon.text()}`);
      return eventually(
        "the beacon in Prometheus",
        async () => {
          const q = JSON.parse(
            inside(
              "http://prometheus:9090/api/v1/query?query=opsdeck_rum_lcp_seconds_count%7Bapp%3D%22portal%22%2Croute%3D%22%2Fdeploys%2F%3Aid%22%7D",
            ),
          ) as { data: { result: { value: [number, string] }[] } };
          return q.data.result[0]?.value[1] === "1"
            ? 'opsdeck_rum_lcp_seconds_count{route="/deploys/:id"} 1'
            : undefined;
        },
        60_000,
      );
    },
  );

  await step("no alert on a healthy stack but the Watchdog (FilebeatDown's filebeat_up is 1)", () =>
    eventually(
      "quiet",
      () => {
        // Every group of alerting rules evaluated since every target was up: what fires now is what
        // would. (Recording-only groups may run every 5 minutes: probes.availability.)
        const rules = JSON.parse(inside("http://prometheus:9090/api/v1/rules")) as {
          data: { groups: { name: string; lastEvaluation: string; rules: { type: string }[] }[] };
        };
        const stale = rules.data.groups.filter(
          (g) => g.rules.some((r) => r.type === "alerting") && Date.parse(g.lastEvaluation) < targetsUp,
        );
        if (stale.length) throw new Error(`rule groups not evaluated yet: ${stale.map((g) => g.name).join(", ")}`);
        const q = JSON.parse(inside("http://prometheus:9090/api/v1/query?query=filebeat_up")) as {
          data: { result: { value: [number, string] }[] };
        };
        if (q.data.result[0]?.value[1] !== "1") throw new Error(`filebeat_up is ${JSON.stringify(q.data.result)}`);
        const a = JSON.parse(inside("http://prometheus:9090/api/v1/alerts")) as {
          data: { alerts: { labels: { alertname: string }; state: string }[] };
        };
        // What the machine running the rehearsal is short of (a CI machine's disk) is true, and not
        // the stack's doing: said, not failed on. HostDown would be the stack's (node-exporter).
        const aboutTheMachine = (x: { labels: { alertname: string } }) =>
          x.labels.alertname.startsWith("Host") && x.labels.alertname !== "HostDown";
        const loud = a.data.alerts.filter((x) => x.labels.alertname !== "Watchdog" && !aboutTheMachine(x));
        if (loud.length) throw new Error(loud.map((x) => `${x.labels.alertname} ${x.state}`).join(", "));
        const machine = a.data.alerts.filter(aboutTheMachine).map((x) => `${x.labels.alertname} ${x.state}`);
        return `only the Watchdog${machine.length ? ` (and, about this machine itself: ${machine.join(", ")})` : ""}`;
      },
      180_000,
    ),
  );

  await step(
    "an operator restarts the host's app from its alert: the portal signs, the host's PM2 exporter runs it",
    async () => {
      const restarts = async () =>
        (JSON.parse(await pm2(join(HOST, "pm2"), ["jlist"])) as { name: string; pm2_env: { restart_time: number } }[])
          .filter((p) => p.name === "shop")
          .map((p) => p.pm2_env.restart_time);
      const before = await restarts();
      // The alert as Prometheus' PM2ProcessNotOnline would carry it (the native tests fire the real
      // rule): what the rehearsal checks is compose's wiring — the key, the host's name, the bridge.
      const alert = {
        labels: {
          alertname: "PM2ProcessNotOnline",
          host: secrets.OPSDECK_HOST_NAME,
          app: "shop",
          app_instance: "0",
          severity: "warning",
        },
        annotations: { summary: "compose rehearsal" },
      };
      const amAlerts = "http://alertmanager:9093/api/v2/alerts";
      inside(amAlerts, undefined, [{ ...alert, endsAt: new Date(Date.now() + 600_000).toISOString() }]);
      try {
        const fingerprint = await eventually(
          "the alert in Alertmanager",
          () =>
            (
              JSON.parse(inside(`${amAlerts}?filter=alertname%3D%22PM2ProcessNotOnline%22`)) as {
                fingerprint: string;
              }[]
            )[0]?.fingerprint,
          30_000,
        );
        const csrf = "rehearsal-csrf";
        const res = await fetch(`${front}/api/recovery/actions`, {
          method: "POST",
          headers: {
            cookie: `${session}; opsdeck_csrf=${csrf}`,
            "x-opsdeck-csrf": csrf,
            "content-type": "application/json",
          },
          body: JSON.stringify({ fingerprint, action: { kind: "restart", app: "shop", instance: 0 } }),
        });
        const answer = (await res.json()) as { status?: string; host?: string; error?: string };
        if (res.status !== 200 || answer.status !== "succeeded")
          throw new Error(`POST /api/recovery/actions answered ${res.status}: ${JSON.stringify(answer)}`);
        const after = await restarts();
        if (!(after[0] > before[0])) throw new Error(`shop's restarts: ${before} → ${after}`);
        return `restart shop#0 on ${answer.host}: ${answer.status} (PM2 restarts ${before[0]} → ${after[0]})`;
      } finally {
        inside(amAlerts, undefined, [{ ...alert, endsAt: new Date().toISOString() }]);
      }
    },
  );

  await step("Grafana gets the user, not the portal's session", async () => {
    await page("/grafana/d/opsdeck-host");
    const seen = compose("exec", "-T", "grafana", "tail", "-n", "1", "/var/lib/grafana/requests.jsonl");
    const last = JSON.parse(seen) as { headers: Record<string, string> };
    if (last.headers["x-webauth-user"] !== "admin") throw new Error(`X-WEBAUTH-USER ${last.headers["x-webauth-user"]}`);
    if ((last.headers.cookie ?? "").includes("opsdeck_session")) throw new Error("the session cookie reached Grafana");
    return "X-WEBAUTH-USER admin, no session cookie";
  });

  await step("Kibana got its saved objects from kibana-setup", () => {
    const objects = compose("exec", "-T", "kibana", "cat", "/usr/share/kibana/data/saved-objects.ndjson")
      .trim()
      .split("\n");
    return `${objects.length} objects`;
  });

  await step("stopping Kibana leaves the rest serving, and the front door says so", async () => {
    compose("stop", "kibana");
    const r = await page("/kibana/app/dashboards");
    const text = await r.text();
    if (r.status !== 503 || !text.includes("Kibana is not running")) throw new Error(`/kibana answered ${r.status}`);
    if ((await page("/")).status !== 200) throw new Error("the portal stopped answering");
    compose("start", "kibana");
    return "503 'Kibana is not running', portal 200";
  });

  await step("nginx restarted while Grafana and Kibana are stopped still starts and serves", async () => {
    compose("stop", "grafana", "kibana");
    compose("restart", "nginx");
    await eventually("the front door", async () => ((await page("/")).status === 200 ? true : undefined), 60_000);
    const g = await page("/grafana/");
    compose("start", "grafana", "kibana");
    if (g.status !== 503) throw new Error(`/grafana/ answered ${g.status}`);
    return "portal 200, /grafana/ 503";
  });

  const backup = join(CACHE, "backup");
  await step("backup.sh --compose, then restore.sh --compose, round-trip the data", async () => {
    rmSync(backup, { recursive: true, force: true });
    Object.assign(env, { ELASTIC_PASSWORD: secrets.ELASTIC_PASSWORD });
    run("bash", ["scripts/backup.sh", "--compose", backup], { cwd: SERVER });
    compose("stop");
    run("bash", ["scripts/restore.sh", "--compose", backup], { cwd: SERVER });
    compose("up", "-d");
    await allHealthy();
    run("bash", ["scripts/restore.sh", "--compose", "--elasticsearch", backup], { cwd: SERVER });
    const owners = compose("exec", "-T", "prometheus", "stat", "-c", "%U", "/prometheus/wal").trim();
    if (owners !== "nobody") throw new Error(`Prometheus' restored data belongs to ${owners}`);
    const s = await signIn("admin", ADMIN_PASSWORD);
    session = s.cookie ?? "";
    await eventually(
      "the deploy after the restore",
      async () => ((await (await page("/deploys")).text()).includes(version) ? true : undefined),
      60_000,
    );
    return "deploy and logs back, files owned by their services";
  });

  await step("down, then up: the data stays", async () => {
    compose("down");
    compose("up", "-d");
    await allHealthy();
    session = (await signIn("admin", ADMIN_PASSWORD)).cookie ?? "";
    await eventually(
      "the deploy after down/up",
      async () => ((await (await page("/deploys")).text()).includes(version) ? true : undefined),
      60_000,
    );
    const logs = await page(`/api/logs/search?q=${marker}&from=now-1h&size=5`);
    if (!(await logs.text()).includes(marker)) throw new Error("the log line is gone");
    return "deploy and log line still there";
  });

  await step("memory in use (docker stats) against the limits", () => {
    const { used, total, limits } = memoryInUse();
    writeFileSync(join(CACHE, "memory.json"), JSON.stringify(used, null, 2));
    return `${total.toFixed(0)} MiB in use, limits ${limits.toFixed(0)} MiB (stand-ins for Grafana and Kibana included)`;
  });

  console.log(`\nrehearsal: first up to healthy ${firstUp}; whole rehearsal ${seconds(started)}`);
}

/** Stops the stack (unless --keep). A failure prints what the stack said first and its reason
 * last: CI keeps only the tail of the output. */
async function stop(failure?: string) {
  if (failure) {
    try {
      console.log(compose("ps", "-a"));
      // Filebeat's 30-second monitoring lines (3 KB each) would push everything else out.
      const logs = compose("logs", "--tail", "60").split("\n");
      console.log(logs.filter((line) => !line.includes("Non-zero metrics in the last")).join("\n"));
    } catch {
      /* the stack may not exist */
    }
  }
  if (!keep) {
    spawnSync("docker", ["compose", "-f", "docker-compose.monitoring.yml", "down", "-v"], {
      cwd: SERVER,
      env,
      stdio: failure ? "ignore" : "inherit",
    });
    for (const p of hostProcs) await p.stop();
    await pm2(join(HOST, "pm2"), ["kill"]).catch(() => "");
  } else
    console.log(
      `rehearsal: left running — ${front} (admin / ${ADMIN_PASSWORD}); cd ${SERVER}; DOCKER_CONFIG=${DOCKER_CONFIG} docker compose -f docker-compose.monitoring.yml …`,
    );
  console.table(results);
  if (failure) console.error(`\nrehearsal failed: ${failure}`);
}

rehearse("rehearsal", main, stop);
