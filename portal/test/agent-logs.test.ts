// Agent hosts' logs, for real: Elasticsearch with security on, the portal issuing each host's log
// key, the front door (Debian's nginx) checking it, and three real Filebeats — one per "host",
// each with its own PM2 log folder, host.name and key — shipping through the front door. Every
// host's lines reach the Logs API; a revoked key is refused at once and says so in Filebeat's log
// and on the Hosts page; a key reads nothing; a viewer cannot issue one.
import { appendFileSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { stringify } from "yaml";
import { hashPassword, parseConfig } from "@opsdeck/core";
import { esClient, initElasticsearch } from "@opsdeck/core/elastic";
import { roleBodies } from "@opsdeck/core/elastic-security";
import {
  freePort,
  launchPortal,
  startElasticsearch,
  startElasticsearchFront,
  startFilebeat,
  startFrontDoor,
  stopAll,
  type ElasticsearchFront,
  type Proc,
} from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn, type Cookie } from "./signin.ts";

const PREFIX = "t-agent-logs";
const HOSTS = ["app-1", "app-2", "app-3"];
const ADMIN = { user: "init-admin", password: "init-admin-password-0123" };
const PORTAL_ES = { user: "opsdeck_portal", password: "portal-es-password-0123" };
const dir = tempDir("agent-logs");
const procs: Proc[] = [];
const beats = new Map<string, Proc>();
let esFront: ElasticsearchFront;
let front: string;
let ops: Cookie[];
let guest: Cookie[];

/** The Hosts page in English. */
const hostsPage = async (who: Cookie[]) =>
  (await fetch(`${front}/hosts`, { headers: { cookie: cookieHeader(who), "accept-language": "en" } })).text();
const pm2Log = (host: string) => join(dir, host, "pm2", "logs", "shop-out.log");
const filebeatLog = (host: string) => join(dir, host, "filebeat.log");

/** A change through the front door, as the Hosts page sends it (session, CSRF token, origin). */
const change = (method: string, path: string, who: Cookie[]) =>
  fetch(`${front}${path}`, {
    method,
    headers: {
      cookie: cookieHeader(who),
      "x-opsdeck-csrf": who.find((c) => c.name === "opsdeck_csrf")!.value,
      origin: front,
    },
  });
const search = async (query: string) => {
  const res = await fetch(`${front}/api/logs/search?from=now-1h&${query}`, { headers: { cookie: cookieHeader(ops) } });
  expect(res.status).toBe(200);
  return (await res.json()) as {
    lines: { message: string; host?: string }[];
    fields: Record<string, { value: string; count: number }[]>;
  };
};

beforeAll(async () => {
  const es = await startElasticsearch({
    dir: join(dir, "es"),
    port: await freePort(),
    security: {
      ...ADMIN,
      roles: roleBodies(PREFIX),
      users: [{ ...PORTAL_ES, roles: ["opsdeck_portal"] }],
    },
    logFile: join(dir, "es.log"),
  });
  procs.push(es.proc);
  const admin = esClient(
    parseConfig(
      stringify({
        elasticsearch: { url: es.url, index_prefix: PREFIX, username: ADMIN.user, password: ADMIN.password },
      }),
      "test",
    ),
  );
  await initElasticsearch(admin, parseConfig(`elasticsearch:\n  index_prefix: ${PREFIX}\n`, "test").elasticsearch);
  esFront = await startElasticsearchFront({ upstream: es.url, port: await freePort() });
  const portalPort = await freePort();
  const configFile = join(dir, "opsdeck.yml");
  writeFileSync(
    configFile,
    stringify({
      log: { level: "info" },
      hosts: HOSTS.map((name, i) => ({ name, address: `10.0.0.${11 + i}` })),
      agents: { hosts_file: join(dir, "hosts.yml"), targets_dir: join(dir, "targets") },
      elasticsearch: { url: es.url, index_prefix: PREFIX, username: PORTAL_ES.user, password: PORTAL_ES.password },
      portal: {
        port: portalPort,
        session_secret: "agent-logs-session-secret-0123456789",
        trusted_proxies: ["127.0.0.1"],
        users: [
          { name: "ops", password_hash: await hashPassword("ops-password-1"), role: "operator" },
          { name: "guest", password_hash: await hashPassword("guest-password-1"), role: "viewer" },
        ],
      },
    }),
  );
  procs.push(
    await launchPortal({ configFile, url: `http://127.0.0.1:${portalPort}`, logFile: join(dir, "portal.log") }),
  );
  const unused = async () => `127.0.0.1:${await freePort()}`;
  const door = await startFrontDoor({
    dir: join(dir, "nginx"),
    port: await freePort(),
    portal: `127.0.0.1:${portalPort}`,
    grafana: await unused(),
    kibana: await unused(),
    deploy: await unused(),
    business: await unused(),
    prometheus: await unused(),
    elasticsearch: new URL(esFront.url).host,
    accessLog: join(dir, "nginx-logs", "access.json.log"),
    logFile: join(dir, "nginx.log"),
  });
  procs.push(door.proc);
  front = door.url;
  ops = await signIn(front, "ops", "ops-password-1");
  guest = await signIn(front, "guest", "guest-password-1");
}, 240_000);

afterAll(async () => {
  await stopAll([...beats.values()]);
  await stopAll(procs.reverse());
  await esFront?.close();
});

describe("agent hosts' logs", () => {
  it("lets a viewer see the log keys but not issue one", async () => {
    expect((await change("POST", "/api/hosts/app-1/log-key", guest)).status).toBe(403);
    expect((await change("POST", "/api/hosts/no-such-host/log-key", ops)).status).toBe(404);
    const page = await hostsPage(guest);
    expect(page).toContain("data-log-keys");
    expect(page.match(/data-log-key="app-\d"/g)).toHaveLength(3);
  });

  it("takes each host's lines with its own key, under its own host.name", async () => {
    for (const host of HOSTS) {
      const res = await change("POST", `/api/hosts/${host}/log-key`, ops);
      expect(res.status).toBe(201);
      const { api_key: apiKey } = (await res.json()) as { api_key: string };
      expect(apiKey).toMatch(/^[\w-]+:[\w-]+$/);
      mkdirSync(join(dir, host, "pm2", "logs"), { recursive: true });
      writeFileSync(pm2Log(host), `INFO hello from ${host}\n`);
      const beat = await startFilebeat({
        dataDir: join(dir, host, "filebeat-data"),
        httpPort: await freePort(),
        logFile: filebeatLog(host),
        paths: {
          pm2Home: join(dir, host, "pm2"),
          nginxLogDir: join(dir, host, "nginx"),
          opsdeckLogDir: join(dir, host, "opsdeck"),
          // The central server's front door, as on a real agent host.
          elasticsearchUrl: front,
          elasticsearchPath: "/ingest/elasticsearch",
          indexPrefix: PREFIX,
          hostName: host,
          apiKey,
        },
      });
      beats.set(host, beat.proc);
    }
    await vi.waitFor(
      async () => {
        const all = await search("q=hello");
        expect(all.lines.map((h) => `${h.host}: ${h.message}`).sort()).toEqual(
          HOSTS.map((h) => `${h}: INFO hello from ${h}`),
        );
        expect(all.fields["host.name"].map((f) => f.value).sort()).toEqual(HOSTS);
      },
      { timeout: 90_000, interval: 500 },
    );
    // The host filter keeps one host's lines.
    expect((await search("q=hello&host=app-2")).lines.map((h) => h.message)).toEqual(["INFO hello from app-2"]);
    const portalLog = readFileSync(join(dir, "portal.log"), "utf8");
    expect(portalLog.match(/"event.action":"host-log-key-issued"/g)).toHaveLength(3);
    const page = await hostsPage(ops);
    for (const host of HOSTS) expect(page).toMatch(new RegExp(`data-log-key="${host}"[^]*?key issued`));
  });

  it("refuses a revoked key at once: Filebeat says 401, the Hosts page says refused, nothing is indexed", async () => {
    const res = await change("DELETE", "/api/hosts/app-3/log-key", ops);
    expect(await res.json()).toEqual({ host: "app-3", revoked: 1 });
    appendFileSync(pm2Log("app-3"), "INFO after revocation app-3\n");
    appendFileSync(pm2Log("app-1"), "INFO after revocation app-1\n");
    await vi.waitFor(() => expect(readFileSync(filebeatLog("app-3"), "utf8")).toMatch(/401 Unauthorized/), {
      timeout: 60_000,
      interval: 500,
    });
    await vi.waitFor(async () => expect((await search("q=revocation")).lines.map((h) => h.host)).toEqual(["app-1"]), {
      timeout: 60_000,
      interval: 500,
    });
    const page = await hostsPage(ops);
    expect(page).toMatch(/data-log-key="app-3"[^]*?revoked/);
    expect(page).toMatch(/data-log-key="app-3"[^]*?refused<\/span>[^]*?the API key is unknown, expired or revoked/);
    expect(page).toMatch(/data-log-key="app-1"[^]*?last write/);
    expect(readFileSync(join(dir, "portal.log"), "utf8")).toMatch(/"event.action":"host-log-key-revoked"/);
  });

  it("lets a key write, never read, and nothing but Filebeat's own calls through", async () => {
    const res = await change("POST", "/api/hosts/app-3/log-key", ops);
    const { api_key: apiKey } = (await res.json()) as { api_key: string };
    const authorization = `ApiKey ${Buffer.from(apiKey).toString("base64")}`;
    const at = (path: string, init: RequestInit = {}) =>
      fetch(`${front}/ingest/elasticsearch${path}`, { ...init, headers: { authorization, ...init.headers } });
    expect((await at("/")).status).toBe(200);
    expect((await at(`/${PREFIX}-logs-*/_search`)).status).toBe(404);
    expect((await at("/_security/api_key", { method: "POST", body: "{}" })).status).toBe(404);
    expect((await at("/_bulk", { method: "GET" })).status).toBe(403);
    // Elasticsearch itself: the key may add to the logs, not read them.
    const direct = (path: string, init: RequestInit = {}) =>
      fetch(`${esFront.url}${path}`, {
        ...init,
        headers: { authorization, "content-type": "application/json", ...init.headers },
      });
    expect((await direct(`/${PREFIX}-logs-*/_search`)).status).toBe(403);
    const none = await fetch(`${front}/ingest/elasticsearch/_bulk`, { method: "POST", body: "{}\n" });
    expect(none.status).toBe(401);
    expect(await none.json()).toEqual({ error: "the log key was refused for this host: see the Hosts page" });
  });
});
