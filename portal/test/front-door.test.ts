// The front door for real: Debian's nginx with provisioning/nginx/opsdeck.conf.template, the
// real portal behind it, and Grafana and Kibana stand-ins that record what reaches them — as a
// user and as an attacker would try it.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import http from "node:http";
import { connect } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify } from "yaml";
import { hashPassword } from "@opsdeck/core";
import { newPushToken } from "@opsdeck/core/hosts/push-auth";
import { INSTRUMENT } from "../../scripts/build.ts";
import {
  BIN,
  freePort,
  httpOk,
  launchPortal,
  promQuery,
  spawnProc,
  startAgentHost,
  startFrontDoor,
  startTestPrometheus,
  stopAll,
  waitUntil,
  type AgentHost,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn, type Cookie } from "./signin.ts";

const dir = tempDir("front-door");
const configFile = join(dir, "opsdeck.yml");
/** The central Prometheus, taking remote writes (its receiver), behind the front door. */
let promPort: number;
let central: Proc | undefined;
let agentHost: AgentHost | undefined;
const agentProms: Proc[] = [];
const PUSH = newPushToken();
const pushHost = (sha256: string) => ({
  name: "push-1",
  address: "10.255.0.1",
  mode: "push",
  push_token_sha256: sha256,
});
/** A host the central Prometheus scrapes, whose apps send their request metrics with its token. */
const APP_TOKEN = newPushToken();
const appHost = { name: "app-2", address: "10.255.0.2", push_token_sha256: APP_TOKEN.sha256 };
const seen: { app: string; url: string; headers: http.IncomingHttpHeaders; upgrade?: boolean }[] = [];
let portal: Proc;
let nginx: Proc;
let grafana: http.Server;
let kibana: http.Server;
let front: string;
let kibanaPort: number;
let deploy: http.Server;
let guest: Cookie[];
let ops: Cookie[];

/** A stand-in that records each request (websocket upgrades too) and answers 200 / 101. */
function standIn(app: string, port: number) {
  const server = http.createServer((req, res) => {
    seen.push({ app, url: req.url!, headers: req.headers });
    res.end(`${app} stand-in`);
  });
  server.on("upgrade", (req, socket) => {
    seen.push({ app, url: req.url!, headers: req.headers, upgrade: true });
    socket.end("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
  });
  return new Promise<http.Server>((r) => server.listen(port, "127.0.0.1", () => r(server)));
}

beforeAll(async () => {
  const [portalPort, frontPort, grafanaPort, deployPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  kibanaPort = await freePort();
  promPort = await freePort();
  writeFileSync(
    configFile,
    stringify({
      log: { level: "warn" },
      // A host behind NAT: its own Prometheus (agent mode) writes through the front door.
      hosts: [pushHost(PUSH.sha256), appHost],
      agents: { hosts_file: join(dir, "hosts.yml"), targets_dir: join(dir, "targets") },
      portal: {
        port: portalPort,
        session_secret: "front-door-session-secret-0123456789",
        trusted_proxies: ["127.0.0.1"],
        grafana: { url: "/grafana/" },
        users: [
          { name: "ops", password_hash: await hashPassword("ops-password-1"), role: "operator" },
          { name: "guest", password_hash: await hashPassword("guest-password-1"), role: "viewer" },
        ],
      },
    }),
  );
  portal = await launchPortal({
    configFile,
    url: `http://127.0.0.1:${portalPort}`,
    logFile: join(dir, "portal.log"),
  });
  grafana = await standIn("grafana", grafanaPort);
  kibana = await standIn("kibana", kibanaPort);
  deploy = await standIn("deploy", deployPort);
  const door = await startFrontDoor({
    dir: join(dir, "nginx"),
    port: frontPort,
    portal: `127.0.0.1:${portalPort}`,
    grafana: `127.0.0.1:${grafanaPort}`,
    kibana: `127.0.0.1:${kibanaPort}`,
    deploy: `127.0.0.1:${deployPort}`,
    // Nothing listens here: the business path answers 502 (its exporter "not running").
    business: `127.0.0.1:${await freePort()}`,
    prometheus: `127.0.0.1:${promPort}`,
    // Nothing listens here: agents' log writes are tested in agent-logs.test.ts.
    elasticsearch: `127.0.0.1:${await freePort()}`,
    accessLog: join(dir, "nginx-logs", "access.json.log"),
    logFile: join(dir, "nginx.log"),
  });
  nginx = door.proc;
  front = door.url;
  guest = await signIn(front, "guest", "guest-password-1");
  ops = await signIn(front, "ops", "ops-password-1");
}, 120_000);

afterAll(() => deploy?.close());
afterAll(async () => {
  await stopAll(agentProms);
  await agentHost?.stop();
  await central?.stop();
  await nginx?.stop();
  await portal?.stop();
  grafana?.close();
  kibana?.close();
});

const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${front}${path}`, { headers, redirect: "manual" });
const lastSeen = (app: string) => seen.filter((s) => s.app === app).at(-1);

describe("the front door", () => {
  it("sends a visitor without a session to the sign-in, with the page asked for as the return path", async () => {
    const before = seen.length;
    const res = await get("/grafana/d/opsdeck-host?orgId=1&from=now-6h&to=now");
    expect([res.status, res.headers.get("location")]).toEqual([
      302,
      `/signin?next=${encodeURIComponent("/grafana/d/opsdeck-host?orgId=1&from=now-6h&to=now")}`,
    ]);
    expect((await get("/kibana/app/discover")).headers.get("location")).toBe(
      `/signin?next=${encodeURIComponent("/kibana/app/discover")}`,
    );
    expect(seen.length).toBe(before); // neither stand-in saw anything
    // The portal's own pages redirect likewise (through the front door, same answer).
    expect((await get("/alerts?severity=critical")).headers.get("location")).toBe(
      `/signin?next=${encodeURIComponent("/alerts?severity=critical")}`,
    );
  });

  it("signs in and returns to that page, never to another site", async () => {
    const post = (next: string) =>
      fetch(`${front}/api/auth/signin`, {
        method: "POST",
        body: new URLSearchParams({ name: "guest", password: "guest-password-1", next }),
        redirect: "manual",
      });
    expect((await post("/grafana/d/opsdeck-host?orgId=1")).headers.get("location")).toBe(
      "/grafana/d/opsdeck-host?orgId=1",
    );
    for (const evil of ["https://evil.example/", "//evil.example/", "/\\evil.example"])
      expect((await post(evil)).headers.get("location")).toBe("/");
    // The sign-in page carries the return path into its form.
    const page = await (await get(`/signin?next=${encodeURIComponent("/grafana/d/x")}`)).text();
    expect(page).toContain('name="next" value="/grafana/d/x"');
  });

  it("names the signed-in user and their role to Grafana, whatever the client sends", async () => {
    await get("/grafana/d/opsdeck-host", {
      cookie: cookieHeader(guest),
      "x-webauth-user": "admin",
      "x-webauth-role": "Admin",
    });
    expect(lastSeen("grafana")).toMatchObject({
      url: "/grafana/d/opsdeck-host",
      headers: { "x-webauth-user": "guest", "x-webauth-role": "Viewer" },
    });
    await get("/grafana/api/dashboards/uid/opsdeck-host", { cookie: cookieHeader(ops) });
    expect(lastSeen("grafana")!.headers).toMatchObject({ "x-webauth-user": "ops", "x-webauth-role": "Editor" });
    // The session cookie is the portal's: Grafana gets the user, the front door keeps the rest.
    expect(lastSeen("grafana")!.headers["x-forwarded-for"]).toBe("127.0.0.1");
  });

  it("keeps the portal's session cookie from Grafana and Kibana, and passes their own cookies", async () => {
    const session = guest.find((c) => c.name === "opsdeck_session")!;
    const cookie = `grafana_session=g1; ${session.name}=${session.value}; theme=dark`;
    await get("/grafana/d/opsdeck-host", { cookie });
    expect(lastSeen("grafana")!.headers.cookie).toBe("grafana_session=g1;theme=dark");
    await get("/kibana/app/dashboards", { cookie: `${cookieHeader(ops)}; sid=k1` });
    const kibanaCookie = lastSeen("kibana")!.headers.cookie ?? "";
    expect(kibanaCookie).toContain("sid=k1");
    expect(kibanaCookie).not.toContain("opsdeck_session");
    // The portal itself still gets its cookie.
    expect((await get("/", { cookie: cookieHeader(guest) })).status).toBe(200);
  });

  it("lets CI post deploys through /ingest/deploy/ with its own token, and nothing else of the exporter", async () => {
    const posted = await fetch(`${front}/ingest/deploy/api/v1/deploys`, {
      method: "POST",
      headers: { authorization: "Bearer deploy-token", "content-type": "application/json" },
      body: '{"id":"web-1"}',
    });
    expect(posted.status).toBe(200);
    expect(lastSeen("deploy")).toMatchObject({
      url: "/api/v1/deploys",
      headers: { authorization: "Bearer deploy-token" },
    });
    expect(lastSeen("deploy")!.headers.cookie).toBeUndefined();
    // Reads, metrics and anything outside the ingest API stay inside.
    expect((await fetch(`${front}/ingest/deploy/api/v1/deploys`)).status).toBe(403);
    const metrics = await fetch(`${front}/ingest/deploy/metrics`, { method: "POST" });
    expect(metrics.status).toBe(404);
    expect(lastSeen("deploy")!.url).toBe("/api/v1/deploys");
    // Bodies over the limit never reach the exporter.
    const big = await fetch(`${front}/ingest/deploy/api/v1/deploys`, { method: "POST", body: "x".repeat(2 << 20) });
    expect(big.status).toBe(413);
    // An exporter that is not running is a 502, not a front door that failed to start.
    const business = await fetch(`${front}/ingest/business/api/v1/events`, { method: "POST", body: "{}" });
    expect(business.status).toBe(502);
  });

  it("passes browsers' page-load beacons and script with no session, limiting each client's rate", async () => {
    // The business exporter is not running here: what passes is a 502, what the door stops is not.
    expect((await fetch(`${front}/ingest/rum.js`)).status).toBe(502);
    expect((await fetch(`${front}/ingest/rum`)).status).toBe(403);
    expect((await fetch(`${front}/ingest/rum`, { method: "POST", body: "x".repeat(9000) })).status).toBe(413);
    // A client flooding beacons: past the burst (50) and the rate (10 a second), 429 at the door.
    const statuses = await Promise.all(
      Array.from({ length: 120 }, () =>
        fetch(`${front}/ingest/rum`, { method: "POST", body: "{}" }).then((r) => r.status),
      ),
    );
    const refused = statuses.filter((s) => s === 429).length;
    expect(refused).toBeGreaterThan(40);
    expect(statuses.filter((s) => s !== 429).every((s) => s === 502)).toBe(true);
  });

  it("passes Grafana Live's websocket upgrade, with the user", async () => {
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(Number(new URL(front).port), "127.0.0.1", () =>
        socket.write(
          [
            "GET /grafana/api/live/ws HTTP/1.1",
            `Host: 127.0.0.1`,
            "Upgrade: websocket",
            "Connection: Upgrade",
            "Sec-WebSocket-Version: 13",
            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==",
            `Cookie: ${cookieHeader(guest)}`,
            "",
            "",
          ].join("\r\n"),
        ),
      );
      let data = "";
      socket.on("data", (d) => (data += d));
      socket.on("end", () => resolve(data));
      socket.on("error", reject);
    });
    expect(answer.split("\r\n")[0]).toBe("HTTP/1.1 101 Switching Protocols");
    expect(lastSeen("grafana")).toMatchObject({
      upgrade: true,
      url: "/grafana/api/live/ws",
      headers: { upgrade: "websocket", "x-webauth-user": "guest" },
    });
  });

  it("lets operators into Kibana, shows viewers why not, and never names the user to it", async () => {
    const viewer = await get("/kibana/app/dashboards", { cookie: cookieHeader(guest) });
    expect(viewer.status).toBe(403);
    expect(await viewer.text()).toContain("Kibana is for operators");
    const before = seen.filter((s) => s.app === "kibana").length;
    const operator = await get("/kibana/app/dashboards", { cookie: cookieHeader(ops), "x-webauth-user": "admin" });
    expect(operator.status).toBe(200);
    expect(seen.filter((s) => s.app === "kibana").length).toBe(before + 1);
    expect(lastSeen("kibana")!.headers["x-webauth-user"]).toBeUndefined();
  });

  it("says how to add Grafana or Kibana when it is not running", async () => {
    kibana.close();
    await eventually(
      () => get("/kibana/app/dashboards", { cookie: cookieHeader(ops) }),
      (r) => r.status === 503,
      10_000,
    );
    const page = await (await get("/kibana/app/dashboards", { cookie: cookieHeader(ops) })).text();
    expect(page).toContain("Kibana is not running");
    // …saying what is true of this stack (npm start does not run Kibana), with a way back.
    expect(page).toContain("npm start does not run Kibana");
    expect(page).toContain('<a href="/">');
    kibana = await standIn("kibana", kibanaPort);
  });

  it("refuses a signed-out session", async () => {
    const cookies = await signIn(front, "guest", "guest-password-1");
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    const out = await fetch(`${front}/api/auth/signout`, {
      method: "POST",
      headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf, origin: front },
      redirect: "manual",
    });
    expect(out.status).toBeLessThan(400);
    const res = await get("/grafana/d/opsdeck-host", { cookie: cookieHeader(cookies) });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toMatch(/^\/signin\?next=/);
  });

  it("sets its security headers, limits sign-in attempts, and logs JSON without query strings", async () => {
    const res = await get("/signin");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("strict-transport-security")).toBeNull(); // plain HTTP: no HSTS
    expect(res.headers.get("server")).toBe("nginx");
    const statuses = await Promise.all(
      Array.from({ length: 40 }, () =>
        fetch(`${front}/api/auth/signin`, {
          method: "POST",
          body: new URLSearchParams({ name: "nobody", password: "x" }),
          redirect: "manual",
        }).then((r) => r.status),
      ),
    );
    expect(statuses).toContain(429);
    // nginx writes a request's line after its answer: wait for this request's own line (earlier
    // tests logged the same path).
    const readLog = () =>
      readFileSync(join(dir, "nginx-logs", "access.json.log"), "utf8")
        .trim()
        .split("\n");
    const ofPath = (l: string[]) => l.filter((line) => line.includes('"uri":"/grafana/d/opsdeck-host"')).length;
    const before = ofPath(readLog());
    await get("/grafana/d/opsdeck-host?token=secret-in-a-query", { cookie: cookieHeader(guest) });
    const lines = await eventually(
      async () => readLog(),
      (l) => ofPath(l) > before,
      5000,
    );
    const entries = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    // The sign-ins above may still be finishing (their password checks are slow): find the GET.
    expect(entries.findLast((e) => e.uri === "/grafana/d/opsdeck-host")).toMatchObject({ method: "GET", status: 200 });
    expect(lines.join("\n")).not.toContain("secret-in-a-query");
    // The path the client asked for, not the one a rewrite made of it (the exporter's /api/v1/…).
    expect(entries.filter((e) => e.uri === "/ingest/deploy/api/v1/deploys").length).toBeGreaterThan(0);
    expect(entries.filter((e) => e.uri === "/api/v1/deploys")).toEqual([]);
  });

  it("takes a push host's writes with its own token, refuses a wrong or revoked one, and says so on both sides", async () => {
    const prom = await startTestPrometheus({
      dir: join(dir, "central"),
      port: promPort,
      scrapeInterval: "1s",
      ruleFiles: [],
      extraArgs: ["--web.enable-remote-write-receiver"],
    });
    central = prom.proc;
    const credentials = { username: "prometheus", password: "local-agent-password-0123456789" };
    agentHost = await startAgentHost({ name: "push-1", dir: join(dir, "push-1"), credentials });
    /** The host's own Prometheus in agent mode: scrapes its exporters, writes with `token`. */
    const startAgentProm = async (name: string, token: string) => {
      const at = join(dir, name);
      mkdirSync(at, { recursive: true });
      writeFileSync(join(at, "token"), token);
      const scrape = (job: string, port: number) => ({
        job_name: job,
        basic_auth: credentials,
        static_configs: [{ targets: [`127.0.0.1:${port}`], labels: { host: "push-1" } }],
      });
      writeFileSync(
        join(at, "agent.yml"),
        stringify({
          global: { scrape_interval: "1s" },
          scrape_configs: [scrape("node", agentHost!.nodePort), scrape("pm2", agentHost!.pm2Port)],
          remote_write: [
            {
              url: `${front}/ingest/prometheus/api/v1/write`,
              basic_auth: { username: "push-1", password_file: join(at, "token") },
              queue_config: { batch_send_deadline: "1s", min_backoff: "100ms", max_backoff: "1s" },
            },
          ],
        }),
      );
      const port = await freePort();
      const proc = spawnProc(
        name,
        BIN.prometheus,
        [
          "--agent",
          `--config.file=${join(at, "agent.yml")}`,
          `--storage.agent.path=${join(at, "data")}`,
          `--web.listen-address=127.0.0.1:${port}`,
        ],
        { logFile: join(at, "prometheus.log") },
      );
      agentProms.push(proc);
      await waitUntil(name, () => httpOk(`http://127.0.0.1:${port}/-/ready`), { proc });
      return { proc, log: join(at, "prometheus.log") };
    };
    const hostSeries = async () => (await promQuery(prom.url, 'up{host="push-1"} == 1')).map((x) => x.metric.job);
    await startAgentProm("agent-prometheus", PUSH.token);
    expect((await eventually(hostSeries, (jobs) => jobs.length === 2)).sort()).toEqual(["node", "pm2"]);
    expect(await promQuery(prom.url, 'pm2_process_up{host="push-1"}')).toHaveLength(2);

    // Someone else's guess at the token: refused at the door, said in its log and the portal's.
    const impostor = await startAgentProm("impostor-prometheus", "not-the-token");
    await eventually(
      async () => readFileSync(impostor.log, "utf8"),
      (text) => /401 Unauthorized/.test(text),
      30_000,
    );
    await eventually(
      async () => readFileSync(join(dir, "portal.log"), "utf8"),
      (text) => text.includes('push refused: the push token of \\"push-1\\" does not match'),
    );
    await impostor.proc.stop();

    // Revoked: the host's hash replaced in opsdeck.yml. Its agent's next writes are refused;
    // the Hosts page says so with the reason.
    const doc = parseYaml(readFileSync(configFile, "utf8")) as { hosts: unknown[] };
    doc.hosts = [pushHost(newPushToken().sha256), appHost];
    writeFileSync(configFile, stringify(doc));
    const refusedNow = Date.now();
    await eventually(
      async () => await (await get("/hosts", { cookie: cookieHeader(ops), "accept-language": "en" })).text(),
      (html) => /data-column="status"[^>]*><span[^>]*>refused \(credentials do not match\)</.test(html),
      30_000,
    );
    const html = await (await get("/hosts", { cookie: cookieHeader(ops), "accept-language": "en" })).text();
    expect(html).toMatch(/the push token of &quot;push-1&quot; does not match \(revoked\?\)/);
    // And nothing more arrives from it.
    const last = async () =>
      Number((await promQuery(prom.url, 'timestamp(up{host="push-1",job="node"})'))[0]?.value[1] ?? 0) * 1000;
    await new Promise((r) => setTimeout(r, 5000));
    expect(await last()).toBeLessThan(refusedNow + 3000);
    // Prometheus' own API stays out of reach from outside.
    expect((await get("/ingest/prometheus/api/v1/query?query=up")).status).toBe(404);
  });

  it("takes an app's request metrics over OTLP with its host's token, and says why it refuses one", async () => {
    // Run after the push test: the central Prometheus (its OTLP receiver on) is up.
    expect(central).toBeDefined();
    /** A team's app on app-2, with OpsDeck's preload sending through the front door. */
    const startApp = async (name: string, token: string) => {
      const port = await freePort();
      const app = spawnProc(
        name,
        process.execPath,
        [
          "--require",
          INSTRUMENT,
          "-e",
          `require("node:http").createServer((q, r) => r.end("ok")).listen(${port}, "127.0.0.1")`,
        ],
        {
          env: {
            ...process.env,
            OTEL_SERVICE_NAME: name,
            OTEL_EXPORTER_OTLP_METRICS_ENDPOINT: `${front}/ingest/otlp/v1/metrics`,
            OTEL_METRIC_EXPORT_INTERVAL: "1000",
            OPSDECK_HOST_NAME: "app-2",
            OPSDECK_HOST_TOKEN: token,
          },
          logFile: join(dir, `${name}.log`),
        },
      );
      agentProms.push(app);
      await waitUntil(name, () => httpOk(`http://127.0.0.1:${port}/`), { proc: app });
      for (let i = 0; i < 5; i++) await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
      return app;
    };
    await startApp("web", APP_TOKEN.token);
    const [web] = await eventually(
      () =>
        promQuery(
          `http://127.0.0.1:${promPort}`,
          'sum by (host_name, instance) (http_server_request_duration_seconds_count{job="web"})',
        ),
      (s) => s.length === 1 && Number(s[0].value[1]) >= 5,
      30_000,
    );
    expect(web.metric).toEqual({ host_name: "app-2", instance: "app-2/web/0" });

    // A wrong token: nothing reaches Prometheus; the app's stderr and the portal's log say why.
    await startApp("impostor", "not-the-token-of-app-2");
    await eventually(
      async () => readFileSync(join(dir, "impostor.log"), "utf8"),
      (text) => text.includes("opsdeck instrument: metrics export to") && text.includes("the host token was refused"),
      30_000,
    );
    await eventually(
      async () => readFileSync(join(dir, "portal.log"), "utf8"),
      (text) => text.includes('otlp refused: the token of \\"app-2\\" does not match'),
    );
    expect(
      await promQuery(`http://127.0.0.1:${promPort}`, 'http_server_request_duration_seconds_count{job="impostor"}'),
    ).toEqual([]);

    // No token, or not a POST: refused at the door.
    const post = await fetch(`${front}/ingest/otlp/v1/metrics`, { method: "POST", body: "x" });
    expect(post.status).toBe(401);
    expect(await post.json()).toEqual({ error: "the host token was refused: see the Hosts page" });
    expect((await get("/ingest/otlp/v1/metrics")).status).toBe(403);
    expect((await get("/ingest/otlp/v1/traces")).status).toBe(404);
  }, 90_000);
});
