// npm run compose-rehearsal:ha — docker-compose.ha.yml as the README's "High availability"
// section runs it on three monitoring servers, under a real Docker engine: servers a and b run the
// whole stack with the override, server c (the witness) only Redis and a Sentinel. Here the three
// "servers" are three compose projects on one engine, each with its own .env and its own private
// address (10.213.0.1–3, added to this machine's loopback: the ports docker-compose.ha.yml
// publishes on a server's private address are published there, and every container reaches them
// through the host, as it would reach another server). Then the drills of docs/scaling.md:
// one alert from both Prometheus servers reaches the team once, a silence made on a's
// Alertmanager holds it on b's, the Redis primary killed (Sentinel promotes a replica) and a's
// Alertmanager killed each leave alerts delivered, a sign-out on a's portal holds on b's; one
// Elasticsearch cluster over the three (transport TLS from one CA) keeps answering searches, with
// every document, while a's node is killed; b's certificate is renewed in place; and server a
// goes silent (paused), then is lost whole (killed), with b carrying on each time.
//
//   npm run compose-rehearsal:ha              # everything, then `down -v` on the three
//   npm run compose-rehearsal:ha -- --keep    # leave them running
//
// Uses the stand-in images of npm run compose-rehearsal (built here if missing);
// docs/compose-rehearsal.md says what the rehearsal cannot prove.
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { hashPassword } from "@opsdeck/core";
import { freePort, REPO } from "@opsdeck/stack";
import { dockerReady, rehearse } from "./compose-rehearsal/engine.ts";
import {
  CACHE,
  checklist,
  copyCheckout,
  env,
  eventually,
  fetchScript,
  memoryInUse,
  run,
  seconds,
  sleep,
} from "./compose-rehearsal/shell.ts";

const CHECKOUT = join(CACHE, "ha", "opsdeck");
const ADMIN_PASSWORD = "rehearsal-admin-password-1";
const keep = process.argv.includes("--keep");
const started = Date.now();
const { step, results } = checklist();

interface HaServer {
  name: "a" | "b" | "c";
  address: string;
  /** The whole stack (a, b), or Redis and a Sentinel only (c, the witness). */
  full: boolean;
  frontPort: number;
  envFile: string;
}
const SERVERS: HaServer[] = (["a", "b", "c"] as const).map((name, i) => ({
  name,
  address: `10.213.0.${i + 1}`,
  full: name !== "c",
  frontPort: 0,
  envFile: join(CHECKOUT, `.env.${name}`),
}));
const [A, B, C] = SERVERS;
const FILES = ["-f", "docker-compose.monitoring.yml", "-f", "docker-compose.ha.yml"];
const composeArgs = (s: HaServer, args: string[]) => [
  "compose",
  "-p",
  `opsdeck-ha-${s.name}`,
  "--env-file",
  s.envFile,
  ...FILES,
  ...args,
];
const compose = (s: HaServer, ...args: string[]) => run("docker", composeArgs(s, args), { cwd: CHECKOUT });
const front = (s: HaServer) => `http://127.0.0.1:${s.frontPort}`;

/** fetch() from inside server s's compose network (its portal's container): the body, or the status. */
const fetchFrom = (s: HaServer, url: string, init: object, print: "body" | "status") =>
  compose(s, "exec", "-T", "portal", "node", "-e", fetchScript(url, init, print));
/** GET, or POST of a JSON body, inside server s's network: the answer's body (a non-2xx throws). */
const inside = (s: HaServer, url: string, body?: unknown) =>
  fetchFrom(
    s,
    url,
    body === undefined
      ? {}
      : { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) },
    "body",
  );
type Health = { status: string; number_of_nodes: number };
type Found = { hits: { total: { value: number } } };
/** A request to server s's Elasticsearch node as elastic, from inside its network: the JSON answer. */
function es<T>(s: HaServer, path: string, method = "GET", body?: unknown): T {
  const init = {
    method,
    headers: {
      authorization: `Basic ${Buffer.from(`elastic:${envValue(A, "ELASTIC_PASSWORD")}`).toString("base64")}`,
      "content-type": "application/json",
    },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  };
  return JSON.parse(fetchFrom(s, `http://elasticsearch:9200${path}`, init, "body")) as T;
}
const envValue = (s: HaServer, name: string) =>
  new RegExp(`^${name}=(.*)$`, "m").exec(readFileSync(s.envFile, "utf8"))![1];
const sentinel = (s: HaServer, ...args: string[]) =>
  compose(s, "exec", "-T", "sentinel", "redis-cli", "-p", "26379", ...args).trim();

// ---------------------------------------------------------------- the team's webhook

/** What the notifiers delivered: the rehearsal's webhook channel, on the Docker bridge's address. */
const received: string[] = [];
let hook: Server | undefined;
async function webhook(bridge: string) {
  const port = await freePort();
  hook = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      received.push(body);
      res.end("ok");
    });
  });
  await new Promise<void>((resolve) => hook!.listen(port, bridge, resolve));
  return `http://${bridge}:${port}/hook`;
}
/** The messages naming this alert. */
const messagesAbout = (alertname: string) => received.filter((body) => body.includes(alertname));

// ---------------------------------------------------------------- the servers

/** The private addresses, on this machine's loopback (root; a second run finds them there). */
function privateAddresses() {
  const have = run("ip", ["-4", "addr", "show", "dev", "lo"]);
  for (const s of SERVERS)
    if (!have.includes(`inet ${s.address}/`)) run("ip", ["addr", "add", `${s.address}/32`, "dev", "lo"]);
  return SERVERS.map((s) => s.address).join(", ");
}

/** The checkout, one opsdeck.yml for all (a webhook channel), and each server's .env. */
async function checkouts(hookUrl: string) {
  copyCheckout(REPO, CHECKOUT);
  const example = readFileSync(join(CHECKOUT, "opsdeck.example.yml"), "utf8");
  for (const line of [/^ {2}channels: \{\}$/m, /^ {2}receivers: \{\}$/m])
    if (!line.test(example)) throw new Error(`opsdeck.example.yml has no ${line.source} line`);
  writeFileSync(
    join(CHECKOUT, "opsdeck.yml"),
    example
      .replace(/^ {2}channels: \{\}$/m, `  channels:\n    team: { type: webhook, url: "${hookUrl}" }`)
      .replace(/^ {2}receivers: \{\}$/m, "  receivers:\n    default: { channels: [team] }"),
  );
  // The secrets every server shares (the same .env values on each, as the README says).
  const shared: Record<string, string> = {};
  const hash = await hashPassword(ADMIN_PASSWORD);
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)/.exec(run("ip", ["-4", "addr", "show", "docker0"]))![1];
  const pm2Home = join(CACHE, "ha", "pm2");
  for (const dir of [join(pm2Home, "logs"), join(CACHE, "ha", "nginx")]) mkdirSync(dir, { recursive: true });
  for (const s of SERVERS) {
    s.frontPort = await freePort();
    const set: Record<string, string> = {
      // One host name for both Prometheus servers' alerts: the same alerts, which Alertmanager merges.
      OPSDECK_HOST_NAME: "rehearsal-ha",
      OPSDECK_PUBLIC_URL: front(s),
      OPSDECK_HTTP_PORT: `127.0.0.1:${s.frontPort}`,
      // One machine: each server's node-exporter and Filebeat stats on an address of its own.
      DOCKER_BRIDGE_ADDRESS: s.name === "a" ? bridge : s.address,
      PM2_HOME: pm2Home,
      NGINX_LOG_DIR: join(CACHE, "ha", "nginx"),
      ES_HEAP: "512m",
      // The witness's own profile (README): its `up -d` and `down` then include its Elasticsearch node.
      ...(s === C && { COMPOSE_PROFILES: "witness" }),
      OPSDECK_PORTAL_ADMIN_HASH: `'${hash}'`,
    };
    const lines = readFileSync(join(CHECKOUT, ".env.example"), "utf8")
      .split("\n")
      .map((line) => {
        const m = /^([A-Z0-9_]+)=(.*)$/.exec(line);
        if (!m) return line;
        const [, name, value] = m;
        if (value.includes("CHANGE_ME") && !set[name]) shared[name] ??= randomBytes(24).toString("hex");
        return `${name}=${set[name] ?? shared[name] ?? value}`;
      });
    shared.OPSDECK_HA_TOKEN ??= randomBytes(24).toString("hex");
    shared.OPSDECK_REDIS_PASSWORD ??= randomBytes(24).toString("hex");
    const ha = {
      OPSDECK_HA_NAME: s.name,
      OPSDECK_HA_ADDRESS: s.address,
      OPSDECK_HA_PEERS: SERVERS.filter((o) => o.full && o !== s)
        .map((o) => o.address)
        .join(","),
      OPSDECK_HA_SERVERS: SERVERS.map((o) => o.address).join(","),
      OPSDECK_HA_SENTINELS: SERVERS.map((o) => `${o.address}:26379`).join(","),
      OPSDECK_HA_REDIS_PRIMARY: A.address,
      OPSDECK_HA_TOKEN: shared.OPSDECK_HA_TOKEN,
      OPSDECK_REDIS_PASSWORD: shared.OPSDECK_REDIS_PASSWORD,
      // a keeps the default (./ha-ca); b's and c's copies in directories of their own,
      // as on servers of their own.
      ...(s !== A && { OPSDECK_HA_CA: `./ha-ca-${s.name}` }),
    };
    lines.push("", "# High availability (README)", ...Object.entries(ha).map(([k, v]) => `${k}=${v}`));
    writeFileSync(s.envFile, lines.join("\n"), { mode: 0o600 });
  }
  return `${CHECKOUT}, .env.a/.env.b/.env.c`;
}

interface PsRow {
  Service: string;
  State: string;
  Health: string;
  ExitCode: number;
}
const ps = (s: HaServer): PsRow[] =>
  compose(s, "ps", "-a", "--format", "json")
    .split("\n")
    .filter((l) => l.trim())
    .flatMap((l) => JSON.parse(l) as PsRow | PsRow[]);

/** Every container of the server running and healthy, the one-shots exited 0 (kibana-setup may retry). */
const healthy = (s: HaServer) =>
  eventually(
    `server ${s.name} healthy`,
    () => {
      const rows = ps(s);
      const failed = rows.find((r) => r.State === "exited" && r.ExitCode !== 0 && r.Service !== "kibana-setup");
      if (failed)
        throw new Error(
          `${failed.Service} exited ${failed.ExitCode}: ${compose(s, "logs", "--tail", "20", failed.Service)}`,
        );
      const waiting = rows.filter(
        (r) =>
          !(r.State === "exited" && r.ExitCode === 0) &&
          r.Service !== "kibana-setup" &&
          (r.State !== "running" || (r.Health !== "" && r.Health !== "healthy")),
      );
      if (waiting.length)
        throw new Error(`waiting for ${waiting.map((r) => `${r.Service} (${r.State} ${r.Health})`).join(", ")}`);
      return `${rows.length} containers`;
    },
    15 * 60_000,
  );

function down(s: HaServer) {
  // With the witness's profile on every server: a run cut short may have left c's .env unwritten.
  spawnSync("docker", composeArgs(s, ["--profile", "witness", "down", "-v", "--remove-orphans"]), {
    cwd: CHECKOUT,
    env,
    stdio: "ignore",
  });
}

// ---------------------------------------------------------------- the drills

/** An alert as both Prometheus servers send it (one labels set), posted to the given Alertmanagers. */
function fire(alertname: string, to: { server: HaServer; through: "inside" | "peer door" }[]) {
  const alert = [
    {
      labels: { alertname, host: "rehearsal-ha", severity: "critical" },
      annotations: { summary: `compose HA rehearsal: ${alertname}` },
      endsAt: new Date(Date.now() + 600_000).toISOString(),
    },
  ];
  for (const { server, through } of to)
    if (through === "inside") inside(server, "http://alertmanager:9093/api/v2/alerts", alert);
    else peerDoor(server, "POST", "/api/v2/alerts", alert, token());
}
const token = () => envValue(A, "OPSDECK_HA_TOKEN");
/** A request to a server's peer door from another server's network (b's portal container). */
function peerDoor(to: HaServer, method: string, path: string, body?: unknown, bearer?: string): number {
  const from = to === B ? A : B;
  const init = {
    method,
    headers: { "content-type": "application/json", ...(bearer && { authorization: `Bearer ${bearer}` }) },
    ...(body !== undefined && { body: JSON.stringify(body) }),
  };
  return Number(fetchFrom(from, `http://${to.address}:9093${path}`, init, "status"));
}

/** Waits for the alert's message, then a while longer: exactly one, or the reason. */
async function deliveredOnce(alertname: string, settleMs = 25_000) {
  const t = Date.now();
  await eventually(`a message about ${alertname}`, () => messagesAbout(alertname).length > 0 || undefined, 120_000);
  const first = seconds(t);
  await sleep(settleMs);
  const count = messagesAbout(alertname).length;
  if (count !== 1) throw new Error(`${count} messages about ${alertname}`);
  return `one message, after ${first}`;
}

/**
 * TLS to a server's port from a's network (a's portal container), as another server connects,
 * trusting the servers' CA alone and showing no certificate of its own: whether the server's
 * certificate verified and which address it names, then how the connection ended.
 */
function tlsProbe(to: HaServer, port: number) {
  const ca = readFileSync(join(CHECKOUT, "ha-ca", "ca.crt"), "utf8");
  const script = `const tls = require("node:tls");
const socket = tls.connect({ host: ${JSON.stringify(to.address)}, port: ${port}, ca: process.env.CA });
socket.on("secureConnect", () => {
  const cert = socket.getPeerCertificate();
  process.stdout.write(\`\${socket.authorized ? "verified" : socket.authorizationError} \${cert.subjectaltname}; serial \${cert.serialNumber}; \`);
});
socket.on("error", (e) => { process.stdout.write(\`closed: \${e.code ?? e.message}\`); process.exit(0); });
socket.on("close", () => { process.stdout.write("closed"); process.exit(0); });
setTimeout(() => { process.stdout.write("still open"); process.exit(0); }, 5000);`;
  return compose(A, "exec", "-T", "-e", `CA=${ca}`, "portal", "node", "-e", script).trim();
}

/**
 * opsdeck_ha_certificate_expiry_timestamp_seconds from s's node-exporter (in the host's network,
 * on s's DOCKER_BRIDGE_ADDRESS), by certificate, once `ready` says so. Not through s's Prometheus:
 * on one machine every server's host.docker.internal is docker0, where a's node-exporter listens.
 */
const certificateExpiry = (s: HaServer, ready: (by: Record<string, number>) => boolean) =>
  eventually(
    "opsdeck_ha_certificate_expiry_timestamp_seconds",
    () => {
      const metrics = fetchFrom(s, `http://${envValue(s, "DOCKER_BRIDGE_ADDRESS")}:9100/metrics`, {}, "body");
      const series =
        /^opsdeck_ha_certificate_expiry_timestamp_seconds\{certificate="(\w+)",subject="([^"]*)"\} (\S+)$/gm;
      const by: Record<string, number> = {};
      const subjects: string[] = [];
      for (const [, certificate, subject, value] of metrics.matchAll(series)) {
        by[certificate] = Number(value);
        subjects.push(subject);
      }
      if (!subjects.includes(`CN=${s.name}`)) throw new Error(`subjects: ${subjects.join(", ") || "none"}`);
      return ready(by) ? (by as { node: number; ca: number }) : undefined;
    },
    120_000,
  );

/** The Redis primary's address once Sentinel (c's) names one that is not a's. */
const primaryOffA = () =>
  eventually(
    "a Redis primary off a",
    () => {
      const master = sentinel(C, "sentinel", "master", "opsdeck").split("\n");
      const ip = master[master.indexOf("ip") + 1];
      return ip !== A.address ? ip : undefined;
    },
    90_000,
  );

async function signIn(s: HaServer) {
  const res = await fetch(`${front(s)}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name: "admin", password: ADMIN_PASSWORD }),
    redirect: "manual",
  });
  const cookie = res.headers.getSetCookie().find((c) => c.startsWith("opsdeck_session="));
  if (!cookie) throw new Error(`no session from ${s.name} (HTTP ${res.status})`);
  return cookie.split(";")[0];
}
const home = (s: HaServer, cookie: string) =>
  fetch(`${front(s)}/`, { headers: { cookie }, redirect: "manual" }).then((r) => r.status);

async function main() {
  await dockerReady(step);
  await step("three private addresses on this machine's loopback", privateAddresses);
  const bridge = /inet (\d+\.\d+\.\d+\.\d+)/.exec(run("ip", ["-4", "addr", "show", "docker0"]))![1];
  const hookUrl = await webhook(bridge);
  for (const s of SERVERS) down(s);
  await step("the checkout, opsdeck.yml (a webhook channel) and each server's .env", () => checkouts(hookUrl));

  await step("vm.max_map_count at least 262144 (Elasticsearch's check on a node other servers reach)", () => {
    const before = Number(readFileSync("/proc/sys/vm/max_map_count", "utf8"));
    if (before < 262_144) writeFileSync("/proc/sys/vm/max_map_count", "262144");
    return before < 262_144 ? `${before} → 262144 (sysctl -w vm.max_map_count=262144)` : `${before}`;
  });
  await step("server a: run --rm ha-certs ca; the CA copied to b and c", () => {
    const made = compose(A, "run", "--rm", "ha-certs", "ca").trim();
    for (const s of [B, C]) cpSync(join(CHECKOUT, "ha-ca"), join(CHECKOUT, `ha-ca-${s.name}`), { recursive: true });
    return made.split("\n").at(-1)!;
  });

  await step("server c (the witness): up -d redis sentinel elasticsearch-witness", () => {
    compose(C, "up", "-d", "redis", "sentinel", "elasticsearch-witness");
    return "returned";
  });
  for (const s of [A, B]) {
    await step(
      `server ${s.name}: docker compose -f docker-compose.monitoring.yml -f docker-compose.ha.yml up -d`,
      () => {
        run("docker", composeArgs(s, ["up", "-d"]), { cwd: CHECKOUT, quiet: false });
        return "returned";
      },
    );
    if (s === A)
      await step(
        "stand-in only: a's file realm (OpsDeck's users and roles) copied to the witness's node",
        // The real image keeps the users and roles init makes once, in the cluster's .security index;
        // the stand-in keeps them in each node's file realm, and init runs on a and b only. Without
        // them the witness — which the stand-in can elect master, the real image's voting-only node
        // never — refuses OpsDeck's users the actions it runs (two CI runs met exactly that: 403s,
        // once after a's node was killed, once from the cluster's first election). So right after
        // a's `up -d`, which returns once a's init is done.
        () => {
          const from = compose(A, "ps", "-q", "elasticsearch").trim();
          const to = compose(C, "ps", "-q", "elasticsearch-witness").trim();
          // Through cat, as each container's own user: the files stay Elasticsearch's.
          for (const file of ["roles.yml", "users", "users_roles"]) {
            const path = `/usr/share/elasticsearch/config/${file}`;
            const content = run("docker", ["exec", from, "cat", path]);
            run("docker", ["exec", "-i", to, "sh", "-c", `cat > ${path}`], { input: content });
          }
          const monitor = `opsdeck_monitor:${envValue(A, "OPSDECK_ES_MONITOR_PASSWORD")}`;
          return eventually(
            "the witness's node knowing opsdeck_monitor",
            () => {
              const who = run("docker", [
                "exec",
                to,
                "curl",
                "-s",
                "-u",
                monitor,
                "http://127.0.0.1:9200/_security/_authenticate",
              ]);
              return who.includes('"opsdeck_monitor"') ? "c authenticates opsdeck_monitor" : undefined;
            },
            30_000,
          );
        },
      );
  }
  const upToHealthy = Date.now();
  for (const s of SERVERS) await step(`server ${s.name}: every service healthy`, () => healthy(s));
  const firstUp = seconds(upToHealthy);

  await step("Redis: a is the primary with two replicas, and the three Sentinels know each other", () =>
    eventually(
      "Sentinel's view",
      () => {
        const master = sentinel(C, "sentinel", "master", "opsdeck").split("\n");
        const field = (name: string) => master[master.indexOf(name) + 1];
        if (field("ip") !== A.address) throw new Error(`primary ${field("ip")}`);
        if (field("num-slaves") !== "2" || field("num-other-sentinels") !== "2")
          throw new Error(`replicas ${field("num-slaves")}, other sentinels ${field("num-other-sentinels")}`);
        return `primary ${field("ip")}, 2 replicas, 3 Sentinels (quorum ${field("quorum")})`;
      },
      60_000,
    ),
  );

  await step("Elasticsearch: one cluster of a, b and the witness, green, each index on both full servers", () =>
    eventually(
      "the cluster",
      () => {
        const nodes = es<{ nodes: Record<string, { name: string; roles: string[] }> }>(A, "/_nodes/_all/name,roles");
        const roles = Object.values(nodes.nodes)
          .map((n) => `${n.name} ${n.roles.includes("data") ? "data" : n.roles.join("+")}`)
          .sort();
        const health = es<Health>(B, "/_cluster/health");
        if (roles.join() !== "a data,b data,c master" || health.status !== "green")
          throw new Error(`${roles.join(", ")}; ${health.status}`);
        return `${roles.join(", ")}; ${health.status}`;
      },
      120_000,
    ),
  );

  await step(
    "the servers' TLS ports (Elasticsearch 9300, Alertmanager 9094): b's show a certificate for its address from the CA, and drop a client without one",
    () => {
      const said = [9300, 9094].map((port) => `${port}: ${tlsProbe(B, port)}`);
      if (said.some((line) => !line.includes(`verified IP Address:${B.address};`) || !line.includes("closed")))
        throw new Error(said.join("; "));
      return said.join("; ");
    },
  );

  await step(
    "when the certificates expire, on b's node-exporter (init → its textfile directory): b's in 5 years, the CA's in 10; init reads no key",
    async () => {
      const expiry = await certificateExpiry(B, (by) => by.node !== undefined && by.ca !== undefined);
      const years = (at: number) => ((at * 1000 - Date.now()) / (365.25 * 86_400_000)).toFixed(2);
      if (Math.round(Number(years(expiry.node))) !== 5 || Math.round(Number(years(expiry.ca))) !== 10)
        throw new Error(`node in ${years(expiry.node)} years, CA in ${years(expiry.ca)}`);
      // init runs as the OpsDeck image's user, whose uid (1000) is also Elasticsearch's.
      const reads = ["node.crt", "node.key", "gossip.key"].map((file) => {
        const r = spawnSync(
          "docker",
          composeArgs(B, ["run", "--rm", "--no-deps", "--entrypoint", "cat", "init", `/opsdeck/ha-certs/${file}`]),
          { cwd: CHECKOUT, env, encoding: "utf8" },
        );
        return `${file} ${r.status === 0 ? "read" : /Permission denied/.test(r.stderr) ? "refused" : r.stderr.trim()}`;
      });
      if (reads.join() !== "node.crt read,node.key refused,gossip.key refused") throw new Error(reads.join(", "));
      return `node in ${years(expiry.node)} years, CA in ${years(expiry.ca)}; init: ${reads.join(", ")}`;
    },
  );

  await step(
    "b's certificate renewed (run --rm ha-certs renew; restart alertmanager init): Elasticsearch serves it without a restart, Alertmanager after one, the new expiry on b's node-exporter",
    async () => {
      const serial = (port: number) => /serial (\w+);/.exec(tlsProbe(B, port))?.[1];
      const before = { es: serial(9300), gossip: serial(9094), expiry: (await certificateExpiry(B, () => true)).node };
      compose(B, "run", "--rm", "ha-certs", "renew");
      const t = Date.now();
      const es = await eventually(
        "Elasticsearch's new certificate",
        () => {
          const now = serial(9300);
          return now && now !== before.es ? now : undefined;
        },
        60_000,
      );
      const reloaded = seconds(t);
      compose(B, "restart", "alertmanager", "init");
      // Until it listens again, the probe finds the port closed.
      const gossip = await eventually("Alertmanager listening again", () => serial(9094), 60_000);
      if (gossip === before.gossip || gossip !== es)
        throw new Error(`Alertmanager's serial ${gossip}, before ${before.gossip}, Elasticsearch's ${es}`);
      await certificateExpiry(B, (by) => (by.node ?? 0) > before.expiry);
      return `serial ${before.es} → ${es}: Elasticsearch reloaded it after ${reloaded}, Alertmanager's the same after its restart; the expiry moved on`;
    },
  );

  await step("a document written through a's node is found through b's, with a copy on each", () => {
    const index = "opsdeck-logs-rehearsal-ha";
    es(A, `/${index}/_doc?refresh=wait_for`, "POST", {
      "@timestamp": new Date().toISOString(),
      message: "written on a",
    });
    const found = es<Found>(B, `/${index}/_search?q=message:written`);
    const shards = es<{ prirep: string; node: string }[]>(B, `/_cat/shards/${index}?format=json&h=prirep,node`);
    const placed = shards.map((r) => `${r.prirep === "p" ? "primary" : "replica"} on ${r.node}`).sort();
    if (found.hits.total.value !== 1 || shards.length !== 2 || new Set(shards.map((r) => r.node)).size !== 2)
      throw new Error(`${found.hits.total.value} found on b; ${placed.join(", ")}`);
    return `found on b; ${placed.join(", ")}`;
  });

  await step(
    "a's Elasticsearch node killed (SIGKILL): every search through b's finds the document, ElasticsearchNodeLeft on b; back: a replica on a again",
    async () => {
      const index = "opsdeck-logs-rehearsal-ha";
      const id = compose(A, "ps", "-q", "elasticsearch").trim();
      run("docker", ["update", "--restart", "no", id]);
      run("docker", ["kill", "-s", "SIGKILL", id]);
      const t = Date.now();
      const seen = { searches: 0, failed: [] as string[], twoNodes: "", health: "" };
      // Searching all along, until b's cluster has let a go and b's Prometheus says so.
      const alert = await eventually(
        "ElasticsearchNodeLeft on b",
        () => {
          seen.searches++;
          try {
            const found = es<Found>(B, `/${index}/_search?q=message:written`);
            if (found.hits.total.value !== 1) throw new Error(`${found.hits.total.value} found`);
          } catch (err) {
            seen.failed.push((err as Error).message.split("\n")[0]);
          }
          const h = es<Health>(B, "/_cluster/health");
          if (h.number_of_nodes === 2 && !seen.twoNodes) [seen.twoNodes, seen.health] = [seconds(t), h.status];
          const answer = JSON.parse(inside(B, "http://prometheus:9090/api/v1/alerts")) as {
            data: { alerts: { labels: { alertname: string }; state: string }[] };
          };
          return answer.data.alerts.find((a) => a.labels.alertname === "ElasticsearchNodeLeft")?.state;
        },
        150_000,
      );
      const alertAfter = seconds(t);
      if (seen.failed.length)
        throw new Error(`${seen.failed.length} of ${seen.searches} searches on b failed: ${seen.failed[0]}`);
      compose(A, "up", "-d", "--no-deps", "elasticsearch");
      run("docker", ["update", "--restart", "unless-stopped", compose(A, "ps", "-q", "elasticsearch").trim()]);
      const back = Date.now();
      // a's copy again: its index on both nodes, green on three.
      const placed = await eventually(
        "a replica on a again",
        () => {
          const h = es<Health>(B, "/_cluster/health");
          const shards = es<{ state: string; node: string }[]>(B, `/_cat/shards/${index}?format=json&h=state,node`);
          const started = shards.filter((r) => r.state === "STARTED").map((r) => r.node);
          return h.number_of_nodes === 3 && h.status === "green" && started.sort().join() === "a,b"
            ? "copies on a and b, green"
            : undefined;
        },
        180_000,
      );
      return (
        `b: 2 nodes after ${seen.twoNodes} (${seen.health}: auto_expand_replicas 0-1 dropped the replicas), ` +
        `${seen.searches} searches all found the document; ElasticsearchNodeLeft ${alert} after ${alertAfter}; ` +
        `a back: ${placed} after ${seconds(back)}`
      );
    },
  );

  await step("Alertmanager: a's and b's in one gossip cluster", () =>
    eventually(
      "the cluster",
      () => {
        const status = JSON.parse(inside(A, "http://alertmanager:9093/api/v2/status")) as {
          cluster: { status: string; peers: { address: string }[] };
        };
        const peers = status.cluster.peers.map((p) => p.address).sort();
        if (status.cluster.status !== "ready" || peers.length !== 2)
          throw new Error(`${status.cluster.status}, peers ${peers.join(" ")}`);
        return `ready, peers ${peers.join(", ")}`;
      },
      90_000,
    ),
  );

  await step("each Prometheus sends to both Alertmanagers (its own, and the other's peer door)", () =>
    eventually(
      "Prometheus' Alertmanagers",
      () => {
        const found = [A, B].map((s) => {
          const answer = JSON.parse(inside(s, "http://prometheus:9090/api/v1/alertmanagers")) as {
            data: { activeAlertmanagers: { url: string }[] };
          };
          const urls = answer.data.activeAlertmanagers.map((a) => a.url);
          const other = s === A ? B : A;
          if (urls.length !== 2 || !urls.some((u) => u.includes(`${other.address}:9093`)))
            throw new Error(`${s.name}: ${urls.join(" ")}`);
          return `${s.name} → ${urls.map((u) => new URL(u).host).join(" + ")}`;
        });
        return found.join("; ");
      },
      60_000,
    ),
  );

  await step("the peer door takes alerts only with the token, and nothing else of Alertmanager", () => {
    const answers = {
      "POST /api/v2/alerts, no token": peerDoor(A, "POST", "/api/v2/alerts", []),
      "POST /api/v2/alerts, wrong token": peerDoor(A, "POST", "/api/v2/alerts", [], "x".repeat(48)),
      "GET /api/v2/alerts, token": peerDoor(A, "GET", "/api/v2/alerts", undefined, token()),
      "GET /api/v2/silences, token": peerDoor(A, "GET", "/api/v2/silences", undefined, token()),
      "POST /api/v2/alerts, token": peerDoor(A, "POST", "/api/v2/alerts", [], token()),
      "GET /api/v1/query?query=up, no token": peerDoor(A, "GET", "/api/v1/query?query=up"),
      "GET /api/v1/query?query=up, token": peerDoor(A, "GET", "/api/v1/query?query=up", undefined, token()),
      "POST /api/v1/admin/tsdb/snapshot, token": peerDoor(A, "POST", "/api/v1/admin/tsdb/snapshot", {}, token()),
      "POST /api/v1/write, token": peerDoor(A, "POST", "/api/v1/write", {}, token()),
    };
    const expected = [401, 401, 403, 404, 200, 401, 200, 404, 404];
    const got = Object.values(answers);
    if (got.some((status, i) => status !== expected[i]))
      throw new Error(
        Object.entries(answers)
          .map(([k, v]) => `${k}: ${v}`)
          .join("; "),
      );
    return Object.entries(answers)
      .map(([k, v]) => `${k} ${v}`)
      .join(", ");
  });

  await step(
    "a's Prometheus stopped: Grafana's and the portal's Prometheus (nginx's pair) answers from b's",
    async () => {
      // Grafana's way: POST, form-encoded, to the datasource URL.
      const query = () => {
        const init = {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: "query=prometheus_build_info",
        };
        const answer = JSON.parse(fetchFrom(A, "http://nginx:9090/api/v1/query", init, "body")) as {
          data: { result: unknown[] };
        };
        return answer.data.result.length;
      };
      // b scrapes a's Prometheus through a's peer door: stopped, it is TargetDown there (3 min later).
      const peerUp = () =>
        (
          JSON.parse(inside(B, 'http://prometheus:9090/api/v1/query?query=up{job="prometheus-peer"}')) as {
            data: { result: { value: [number, string] }[] };
          }
        ).data.result.map((r) => r.value[1]);
      await eventually("b scraping a's Prometheus", () => (peerUp().join() === "1" ? true : undefined), 60_000);
      const before = query();
      compose(A, "stop", "prometheus");
      try {
        const during = query();
        if (!before || !during) throw new Error(`${before} series before, ${during} with a's Prometheus stopped`);
        await eventually("b seeing a's Prometheus down", () => (peerUp().join() === "0" ? true : undefined), 60_000);
        return `${before} series before; ${during} with a's stopped (from b's through its peer door); b's up{job="prometheus-peer"} 1 → 0`;
      } finally {
        compose(A, "start", "prometheus");
      }
    },
  );

  await step("an alert both Prometheus servers send to both Alertmanagers reaches the team once", () => {
    fire("RehearsalBothPrometheus", [
      { server: A, through: "inside" },
      { server: B, through: "inside" },
      { server: A, through: "peer door" },
      { server: B, through: "peer door" },
    ]);
    return deliveredOnce("RehearsalBothPrometheus");
  });

  await step("a silence made on a's Alertmanager holds the alert on b's too", async () => {
    const silence = {
      matchers: [{ name: "alertname", value: "RehearsalSilenced", isRegex: false, isEqual: true }],
      startsAt: new Date().toISOString(),
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
      createdBy: "rehearsal",
      comment: "gossiped to b",
    };
    const { silenceID } = JSON.parse(inside(A, "http://alertmanager:9093/api/v2/silences", silence)) as {
      silenceID: string;
    };
    await eventually(
      "the silence on b",
      () => inside(B, `http://alertmanager:9093/api/v2/silence/${silenceID}`).includes('"active"') || undefined,
      30_000,
    );
    fire("RehearsalSilenced", [{ server: B, through: "inside" }]);
    await sleep(30_000);
    const sent = messagesAbout("RehearsalSilenced").length;
    if (sent) throw new Error(`${sent} message(s) despite the silence`);
    return `silence ${silenceID.slice(0, 8)} active on b; b sent nothing in 30 s`;
  });

  await step("the Redis primary killed: the Sentinels promote a replica, and the next alert arrives once", async () => {
    const t = Date.now();
    compose(A, "kill", "-s", "SIGKILL", "redis");
    const promoted = await primaryOffA();
    const failover = seconds(t);
    fire("RehearsalAfterFailover", [
      { server: A, through: "inside" },
      { server: B, through: "inside" },
    ]);
    const delivered = await deliveredOnce("RehearsalAfterFailover");
    return `${promoted} promoted after ${failover}; ${delivered}`;
  });

  await step("a's Alertmanager killed (SIGKILL): b's alone delivers", async () => {
    const id = compose(A, "ps", "-q", "alertmanager").trim();
    run("docker", ["update", "--restart", "no", id]);
    run("docker", ["kill", "-s", "SIGKILL", id]);
    fire("RehearsalPeerDown", [{ server: B, through: "inside" }]);
    const delivered = await deliveredOnce("RehearsalPeerDown");
    compose(A, "up", "-d", "--no-deps", "alertmanager");
    run("docker", ["update", "--restart", "unless-stopped", compose(A, "ps", "-q", "alertmanager").trim()]);
    return delivered;
  });

  await step("a session from a's portal works on b's, and a sign-out on a holds on b", async () => {
    const cookie = await signIn(A);
    const before = [await home(A, cookie), await home(B, cookie)];
    if (before.some((status) => status !== 200)) throw new Error(`signed in: a ${before[0]}, b ${before[1]}`);
    const out = await fetch(`${front(A)}/api/auth/signout`, {
      method: "POST",
      headers: { cookie },
      redirect: "manual",
    });
    if (out.status !== 303) throw new Error(`sign-out on a answered ${out.status}`);
    const after = await eventually(
      "b refusing the cookie",
      async () => {
        const status = await home(B, cookie);
        return status !== 200 ? status : undefined;
      },
      10_000,
    );
    if (after < 300 || after >= 400) throw new Error(`b answered ${after}, not the way to sign-in`);
    return `signed in: a 200, b 200; signed out on a: b ${after}`;
  });

  await step("memory in use (docker stats) on the three servers", () => {
    const { total, limits } = memoryInUse();
    return `${total.toFixed(0)} MiB in use, limits ${limits.toFixed(0)} MiB`;
  });
  await step(
    "server a gone silent (every container paused, as a machine that lost power): b delivers the next alert once, signs in, finds the logs; a resumed: one cluster again",
    async () => {
      const ids = compose(A, "ps", "-q").split("\n").filter(Boolean);
      const t = Date.now();
      run("docker", ["pause", ...ids]);
      let silent: string;
      try {
        fire("RehearsalServerSilent", [{ server: B, through: "inside" }]);
        const delivered = await deliveredOnce("RehearsalServerSilent");
        const deliveredAfter = seconds(t);
        const cookie = await signIn(B);
        const page = await home(B, cookie);
        // A search may wait for a's node until the cluster's fault detection lets it go.
        const searched = Date.now();
        const found = es<Found>(B, "/opsdeck-logs-rehearsal-ha/_search?q=message:written");
        const searchTook = seconds(searched);
        if (page !== 200 || found.hits.total.value !== 1)
          throw new Error(`b's portal ${page}; ${found.hits.total.value} found on b`);
        const nodes = es<Health>(B, "/_cluster/health").number_of_nodes;
        silent = `${delivered} (${deliveredAfter} after the pause); b's portal 200; the search answered in ${searchTook}, b's cluster on ${nodes} nodes`;
      } finally {
        run("docker", ["unpause", ...ids]);
      }
      const resumed = Date.now();
      const again = await eventually(
        "a back in both clusters",
        () => {
          const h = es<Health>(B, "/_cluster/health");
          const status = JSON.parse(inside(B, "http://alertmanager:9093/api/v2/status")) as {
            cluster: { status: string; peers: unknown[] };
          };
          return h.number_of_nodes === 3 && h.status === "green" && status.cluster.peers.length === 2
            ? "Elasticsearch green on 3 nodes, Alertmanagers 2 peers"
            : undefined;
        },
        180_000,
      );
      return `${silent}; resumed: ${again} after ${seconds(resumed)}`;
    },
  );
  await step(
    "server a lost whole (every container SIGKILLed at once): b delivers the next alert once, signs in, finds the logs",
    async () => {
      const ids = compose(A, "ps", "-q").split("\n").filter(Boolean);
      run("docker", ["update", "--restart", "no", ...ids]);
      const t = Date.now();
      run("docker", ["kill", "-s", "SIGKILL", ...ids]);
      const primary = await primaryOffA();
      fire("RehearsalServerLost", [{ server: B, through: "inside" }]);
      const delivered = await deliveredOnce("RehearsalServerLost");
      const cookie = await signIn(B);
      const page = await home(B, cookie);
      const found = es<Found>(B, "/opsdeck-logs-rehearsal-ha/_search?q=message:written");
      if (page !== 200 || found.hits.total.value !== 1)
        throw new Error(`b's portal ${page}; ${found.hits.total.value} found on b`);
      return `Redis primary ${primary}; ${delivered} (${seconds(t)} after the loss); b's portal 200 after sign-in; the document found on b`;
    },
  );
  console.log(`\nrehearsal (HA): up to healthy ${firstUp}; whole rehearsal ${seconds(started)}`);
}

async function stop(failure?: string) {
  if (failure)
    for (const s of SERVERS)
      try {
        console.log(compose(s, "ps", "-a"));
        const logs = compose(s, "logs", "--tail", "40").split("\n");
        console.log(logs.filter((line) => !line.includes("Non-zero metrics in the last")).join("\n"));
      } catch {
        /* the project may not exist */
      }
  hook?.close();
  if (!keep) for (const s of SERVERS) down(s);
  else
    console.log(
      `rehearsal (HA): left running — a ${front(A)}, b ${front(B)} (admin / ${ADMIN_PASSWORD}); cd ${CHECKOUT}`,
    );
  console.table(results);
  if (failure) console.error(`\nrehearsal (HA) failed: ${failure}`);
}

rehearse("rehearsal (HA)", main, stop);
