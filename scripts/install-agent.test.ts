// The agent as an app server gets it: the bundle `npm run agent-bundle` makes, unpacked and
// installed by install-agent.sh (into a staging root: no systemd runs here), then the units
// started as systemd would start them — their ExecStart, Environment and User's PM2 daemon —
// and scraped with and without Prometheus' password; its Filebeat, asking the central front door
// with the host's log key; and a push host, whose Prometheus agent writes to a central
// Prometheus with the host's token. The exporter runs from the bundle's own
// node_modules, so a package it imports and the bundle lacks fails this test.
import { execFile } from "node:child_process";
import { createServer, request } from "node:http";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicAuthHeader,
  freePort,
  httpOk,
  pm2,
  PM2_EXPORTER_NODE_FLAGS,
  promQuery,
  spawnProc,
  startTestPrometheus,
  stopAll,
  waitUntil,
  writeWebConfig,
  type Proc,
} from "@opsdeck/stack";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import { parse as parseYaml } from "yaml";
import { hostListSchema, probeListSchema } from "@opsdeck/core";
import { checkHostToken, newPushToken } from "@opsdeck/core/hosts/push-auth";
import { hostActionKey, signRequest, SIGNATURE_HEADER } from "@opsdeck/core/actions/signed-request";
import { vantageModules, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { makeAgentBundle } from "./agent-bundle.ts";

const run = promisify(execFile);
const dir = tempDir("agent-install");
const root = join(dir, "root");
const credentials = { username: "prometheus", password: "agent-password-0123456789abcdef" };
const procs: Proc[] = [];
let bundleDir: string;
let ports: { node: number; pm2: number };
const pm2Home = join(dir, "pm2");
/** The central OpsDeck's action key; the agent gets only its own, derived one. */
const CENTRAL_ACTIONS_KEY = "central-actions-key-0123456789";

const install = (args: string[]) =>
  run("bash", [join(bundleDir, "install-agent.sh"), ...args]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

/** A path as the staging root `at` holds it. */
const inRoot = (at: string, text: string) =>
  text.replace(/\/(opt|etc|var\/lib)\/opsdeck-agent/g, (path) => join(at, path));

/** A unit's ExecStart and Environment, its absolute paths moved under the staging root. */
function unit(name: string, at = root) {
  const text = readFileSync(join(at, "etc/systemd/system", name), "utf8");
  const [cmd, ...args] = inRoot(at, /^ExecStart=(.*)$/m.exec(text)![1]).split(" ");
  const env = Object.fromEntries([...text.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  return { text, cmd, args, env };
}

/** systemd-analyze verify of installed units against a staging root (given this machine's system units). */
async function systemdVerify(at: string, units: string[]) {
  cpSync("/lib/systemd/system", join(at, "usr/lib/systemd/system"), { recursive: true });
  return run("systemd-analyze", [
    "verify",
    `--root=${at}`,
    ...units.map((u) => `/etc/systemd/system/${u}.service`),
  ]).then(
    (x) => x.stdout + x.stderr,
    (e: { stdout: string; stderr: string }) => `FAILED ${e.stdout}${e.stderr}`,
  );
}

/** Rewrites a config file the install wrote so its paths point into the staging root. */
const rootConfig = (at: string, file: string) =>
  writeFileSync(join(at, file), inRoot(at, readFileSync(join(at, file), "utf8")));

beforeAll(async () => {
  const tarball = await makeAgentBundle(join(dir, "dist"), true);
  await run("tar", ["-xzf", tarball, "-C", dir]);
  bundleDir = join(
    dir,
    tarball
      .split("/")
      .pop()!
      .replace(/\.tar\.gz$/, ""),
  );
  writeWebConfig(join(dir, "web.yml"), credentials);
  // As `npm run agent-credentials -- --actions app-5` prints it.
  writeFileSync(
    join(dir, "actions-key"),
    `# comment\nOPSDECK_PM2_ACTIONS_KEY=${hostActionKey(CENTRAL_ACTIONS_KEY, "app-5")}\n`,
  );
  ports = { node: await freePort(), pm2: await freePort() };
  const app = join(dir, "app.cjs");
  writeFileSync(app, "setInterval(() => {}, 60_000);\n");
  await pm2(pm2Home, ["start", app, "--name", "shop"]);
}, 300_000);

afterAll(async () => {
  await stopAll(procs);
  await pm2(pm2Home, ["kill"]).catch(() => undefined);
  // The installed agent is 1.2 GB (Node and the bundle): on a tight CI disk that counts.
  rmSync(dir, { recursive: true, force: true });
});

describe("install-agent.sh from the agent bundle", () => {
  it("refuses a web config without a bcrypt user, and says what it needs", async () => {
    writeFileSync(join(dir, "open.yml"), "tls_server_config: {}\n");
    const r = await install(["--root", dir, "--web-config", join(dir, "open.yml"), "--pm2-user", "root"]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/no basic_auth_users entry with a bcrypt hash/);
    const noUser = await install(["--root", dir, "--web-config", join(dir, "web.yml")]);
    expect(noUser.out).toMatch(/--pm2-user is required/);
  });

  it("writes the units, the exporter's config and the web config, and the units pass systemd-analyze", async () => {
    const r = await install([
      "--root",
      root,
      "--web-config",
      join(dir, "web.yml"),
      "--pm2-user",
      "root",
      "--pm2-home",
      pm2Home,
      "--listen",
      "127.0.0.1",
      "--node-exporter-port",
      String(ports.node),
      "--pm2-exporter-port",
      String(ports.pm2),
      "--name",
      "app-5",
      "--actions-key-file",
      join(dir, "actions-key"),
    ]);
    expect(r.out).toContain("written; start with");
    expect(r.code).toBe(0);
    for (const f of ["bin/node_exporter", "exporter.mjs", "node_modules/pm2/package.json", "VERSIONS"])
      expect(existsSync(join(root, "opt/opsdeck-agent", f)), f).toBe(true);
    // The agent host holds the hash, never the password.
    const web = readFileSync(join(root, "etc/opsdeck-agent/web.yml"), "utf8");
    expect(web).toMatch(/\$2b\$10\$/);
    expect(web).not.toContain(credentials.password);
    // The action key: root's alone, read by systemd for the exporter; not in its config.
    const actionsEnv = join(root, "etc/opsdeck-agent/actions.env");
    expect(statSync(actionsEnv).mode & 0o777).toBe(0o600);
    expect(readFileSync(actionsEnv, "utf8")).toContain(hostActionKey(CENTRAL_ACTIONS_KEY, "app-5"));
    expect(readFileSync(join(root, "etc/opsdeck-agent/agent.yml"), "utf8")).not.toContain(
      hostActionKey(CENTRAL_ACTIONS_KEY, "app-5"),
    );
    expect(unit("opsdeck-agent-pm2-exporter.service").text).toMatch(
      /^EnvironmentFile=-\/etc\/opsdeck-agent\/actions\.env$/m,
    );
    expect(unit("opsdeck-node-exporter.service").text).toMatch(/^User=opsdeck-agent$/m);
    expect(unit("opsdeck-agent-pm2-exporter.service").text).toMatch(/^SupplementaryGroups=opsdeck-agent$/m);
    // It runs with the node flags the tests run it with.
    expect(unit("opsdeck-agent-pm2-exporter.service").args.slice(0, PM2_EXPORTER_NODE_FLAGS.length)).toEqual(
      PM2_EXPORTER_NODE_FLAGS,
    );
    // systemd's own check of the unit files against the staging root (directives, dependencies,
    // that each ExecStart is an executable there): the root gets this machine's system units, and
    // Node.js where the unit found it (a stub that runs the real one).
    const node = unit("opsdeck-agent-pm2-exporter.service").cmd;
    mkdirSync(join(root, dirname(node)), { recursive: true });
    writeFileSync(join(root, node), `#!/bin/sh\nexec ${node} "$@"\n`, { mode: 0o755 });
    expect(await systemdVerify(root, ["opsdeck-node-exporter", "opsdeck-agent-pm2-exporter"])).not.toMatch(
      /FAILED|Unknown (key|section)|not executable|No such file/i,
    );
  });

  it("starts as its units say, and serves only with Prometheus' password", async () => {
    const node = unit("opsdeck-node-exporter.service");
    procs.push(spawnProc("agent-node-exporter", node.cmd, node.args, { logFile: join(dir, "node-exporter.log") }));
    const exporter = unit("opsdeck-agent-pm2-exporter.service");
    // The exporter's config names the web config where the install put it.
    const config = join(root, "etc/opsdeck-agent/agent.yml");
    writeFileSync(
      config,
      readFileSync(config, "utf8").replaceAll("/etc/opsdeck-agent", join(root, "etc/opsdeck-agent")),
    );
    // What systemd reads from EnvironmentFile= for it.
    const actionsEnv = readFileSync(join(root, "etc/opsdeck-agent/actions.env"), "utf8");
    const actionsKey = /^OPSDECK_PM2_ACTIONS_KEY=(.*)$/m.exec(actionsEnv)![1];
    procs.push(
      spawnProc("agent-pm2-exporter", exporter.cmd, exporter.args, {
        env: { PATH: process.env.PATH, ...exporter.env, OPSDECK_PM2_ACTIONS_KEY: actionsKey },
        logFile: join(dir, "pm2-exporter.log"),
        cwd: "/",
      }),
    );
    const auth = { headers: basicAuthHeader(credentials) };
    for (const [port, proc] of [
      [ports.node, procs[0]],
      [ports.pm2, procs[1]],
    ] as const) {
      await waitUntil(`port ${port}`, () => httpOk(`http://127.0.0.1:${port}/metrics`, auth), {
        proc,
        timeoutMs: 30_000,
      });
      expect((await fetch(`http://127.0.0.1:${port}/metrics`)).status).toBe(401);
    }
    const pm2Metrics = await (await fetch(`http://127.0.0.1:${ports.pm2}/metrics`, auth)).text();
    expect(pm2Metrics).toMatch(/^pm2_process_up\{app="shop",app_instance="0"\} 1$/m);
    expect(pm2Metrics).toMatch(/^opsdeck_build_info\{version="\d+\.\d+\.\d+"\} 1$/m);
    // A recovery action needs no password, only the request the central OpsDeck signed for
    // app-5 with app-5's key; the central key itself, or another host's, is refused.
    const act = (key: string, host = "app-5") => {
      const signed = signRequest(key, host, { kind: "reset-restarts", app: "shop" }, Date.now());
      return fetch(`http://127.0.0.1:${ports.pm2}/api/v1/actions`, {
        method: "POST",
        headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signed.signature },
        body: signed.body,
      });
    };
    expect((await act(CENTRAL_ACTIONS_KEY)).status).toBe(401);
    expect((await act(hostActionKey(CENTRAL_ACTIONS_KEY, "app-6"), "app-6")).status).toBe(401);
    const done = await act(hostActionKey(CENTRAL_ACTIONS_KEY, "app-5"));
    expect(await done.json()).toMatchObject({ status: "succeeded", host: "app-5" });
    // Everything else still asks for the password.
    expect((await fetch(`http://127.0.0.1:${ports.pm2}/api/v1/processes`)).status).toBe(401);
    const nodeMetrics = await (await fetch(`http://127.0.0.1:${ports.node}/metrics`, auth)).text();
    expect(nodeMetrics).toMatch(/^node_exporter_build_info\{.*version="1\.12\.1"/m);
  });

  it("installs Filebeat with the host's log key, root's alone, and it asks the front door with that key", async () => {
    const at = join(dir, "logs-root");
    // Stands in for the front door (the real one, with Elasticsearch, in portal/test/agent-logs.test.ts):
    // records what Filebeat asks, and refuses it as a revoked key is refused.
    const asked: { url: string; authorization?: string }[] = [];
    const door = createServer((req, res) => {
      asked.push({ url: req.url!, authorization: req.headers.authorization });
      res.writeHead(401, { "content-type": "application/json" }).end('{"error":"refused"}');
    });
    await new Promise<void>((r) => door.listen(0, "127.0.0.1", r));
    const logsUrl = `http://127.0.0.1:${(door.address() as { port: number }).port}`;
    writeFileSync(join(dir, "log-key"), "OPSDECK_ES_API_KEY=key-id_1:key-secret_2\n");
    writeFileSync(join(dir, "bad-key"), "not a key\n");
    const base = ["--root", at, "--web-config", join(dir, "web.yml"), "--pm2-user", "root", "--pm2-home", pm2Home];
    try {
      const bad = await install([...base, "--logs-url", logsUrl, "--log-key-file", join(dir, "bad-key")]);
      expect(bad.code).toBe(1);
      expect(bad.out).toMatch(/holds no log key/);
      const r = await install([
        ...base,
        "--name",
        "app-7",
        "--logs-url",
        logsUrl,
        "--log-key-file",
        join(dir, "log-key"),
      ]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("opsdeck-agent-filebeat");
      const envFile = join(at, "etc/opsdeck-agent/filebeat.env");
      expect(statSync(envFile).mode & 0o777).toBe(0o600);
      const env = Object.fromEntries(
        readFileSync(envFile, "utf8")
          .split("\n")
          .filter((l) => /^\w+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      expect(env).toMatchObject({
        OPSDECK_ES_URL: logsUrl,
        OPSDECK_ES_PATH: "/ingest/elasticsearch",
        OPSDECK_ES_API_KEY: "key-id_1:key-secret_2",
        OPSDECK_HOST_NAME: "app-7",
      });
      expect(readFileSync(join(at, "etc/opsdeck-agent/agent.yml"), "utf8")).toContain(
        'filebeat_url: "http://127.0.0.1:5066"',
      );
      // A line to ship: Filebeat connects when it has something to send.
      writeFileSync(join(pm2Home, "logs", "checkout-out.log"), "INFO paid order 42\n");
      const u = unit("opsdeck-agent-filebeat.service", at);
      expect(u.text).toMatch(/^EnvironmentFile=\/etc\/opsdeck-agent\/filebeat\.env$/m);
      expect(await systemdVerify(at, ["opsdeck-agent-filebeat"])).not.toMatch(
        /FAILED|Unknown (key|section)|not executable|No such file/i,
      );
      procs.push(
        spawnProc("agent-filebeat", u.cmd, u.args, {
          env: { PATH: process.env.PATH, ...env, FILEBEAT_HTTP_PORT: String(await freePort()) },
          cwd: "/",
          logFile: join(dir, "agent-filebeat.log"),
        }),
      );
      await eventually(
        async () => readFileSync(join(dir, "agent-filebeat.log"), "utf8"),
        (log) => /401 Unauthorized/.test(log),
        60_000,
      );
      expect(asked[0]).toEqual({
        url: "/ingest/elasticsearch",
        authorization: `ApiKey ${Buffer.from("key-id_1:key-secret_2").toString("base64")}`,
      });
    } finally {
      door.close();
    }
  });

  it("installs a push host: exporters on loopback with a password of their own, its Prometheus agent writing with the host's token", async () => {
    const at = join(dir, "push-root");
    const prom = await startTestPrometheus({
      dir: join(dir, "central"),
      ruleFiles: [],
      extraArgs: ["--web.enable-remote-write-receiver"],
    });
    procs.push(prom.proc);
    // Stands in for the front door (tested in portal/test/front-door.test.ts): records who writes.
    const writers: string[] = [];
    const door = createServer((req, res) => {
      writers.push(Buffer.from((req.headers.authorization ?? "").replace(/^Basic /, ""), "base64").toString());
      const upstream = request(`${prom.url}/api/v1/write`, { method: "POST", headers: req.headers }, (r) => {
        res.writeHead(r.statusCode!, r.headers);
        r.pipe(res);
      });
      req.pipe(upstream);
    });
    await new Promise<void>((r) => door.listen(0, "127.0.0.1", r));
    const doorPort = (door.address() as { port: number }).port;
    const { token } = newPushToken();
    writeFileSync(join(dir, "push-token"), `${token}\n`);
    const push = { node: await freePort(), pm2: await freePort(), prom: await freePort() };
    try {
      const r = await install([
        "--root",
        at,
        "--pm2-user",
        "root",
        "--pm2-home",
        pm2Home,
        "--name",
        "push-9",
        "--labels",
        "env=production,role=web",
        "--push-url",
        `http://127.0.0.1:${doorPort}/ingest/prometheus/api/v1/write`,
        "--push-token-file",
        join(dir, "push-token"),
        "--node-exporter-port",
        String(push.node),
        "--pm2-exporter-port",
        String(push.pm2),
        "--agent-prometheus-port",
        String(push.prom),
        "--actions-key-file",
        join(dir, "actions-key"),
      ]);
      expect(r.out).toContain("opsdeck-agent-prometheus");
      expect(r.code).toBe(0);
      // Recovery actions: fetched from the front door --push-url names, with the host's token.
      expect(parseYaml(readFileSync(join(at, "etc/opsdeck-agent/agent.yml"), "utf8")).exporters.pm2.actions).toEqual({
        key: "${OPSDECK_PM2_ACTIONS_KEY:-}",
        host: "push-9",
        pull: { url: `http://127.0.0.1:${doorPort}`, token_file: "/etc/opsdeck-agent/push-token" },
      });
      // Nothing of the central side's here: the exporters' own password, and the host's token.
      expect(readFileSync(join(at, "etc/opsdeck-agent/push-token"), "utf8")).toBe(token);
      expect(readFileSync(join(at, "etc/opsdeck-agent/agent.yml"), "utf8")).toMatch(/host: "127\.0\.0\.1"/);
      for (const file of ["agent.yml", "prometheus-agent.yml"]) rootConfig(at, `etc/opsdeck-agent/${file}`);
      for (const name of ["opsdeck-node-exporter", "opsdeck-agent-pm2-exporter", "opsdeck-agent-prometheus"]) {
        const u = unit(`${name}.service`, at);
        procs.push(
          spawnProc(name, u.cmd, u.args, {
            env: { PATH: process.env.PATH, ...u.env },
            cwd: "/",
            logFile: join(dir, `${name}.log`),
          }),
        );
      }
      const series = await eventually(
        () => promQuery(prom.url, 'up{host="push-9",env="production",role="web"} == 1'),
        (s) => s.length === 2,
        60_000,
      );
      expect(series.map((x) => x.metric.job).sort()).toEqual(["node", "pm2"]);
      expect(new Set(writers)).toEqual(new Set([`push-9:${token}`]));
    } finally {
      door.close();
    }
  });
  it("installs a vantage point: its blackbox behind the web config, fetching its modules with the host's token, probed by the central Prometheus", async () => {
    const at = join(dir, "vantage-root");
    const page = createServer((_req, res) => res.end("<h1>Demo shop</h1> 加入购物车"));
    await new Promise<void>((r) => page.listen(0, "127.0.0.1", r));
    const target = `http://127.0.0.1:${(page.address() as { port: number }).port}/`;
    const blackboxPort = await freePort();
    const { token, sha256 } = newPushToken();
    writeFileSync(join(dir, "host-token"), `${token}\n`);
    // The central side: a probe from here and from vantage-1, and vantage-1's hosts entry.
    const central = join(dir, "vantage-central");
    const hosts = hostListSchema.parse([
      { name: "vantage-1", address: "127.0.0.1", blackbox_exporter: blackboxPort, push_token_sha256: sha256 },
    ]);
    const probes = probeListSchema.parse([
      { name: "shop", type: "http", target, http: { keyword: "加入购物车" }, vantage_points: { hosts: ["vantage-1"] } },
    ]);
    writeProbeFiles({ targetsDir: join(central, "targets"), source: "opsdeck" }, probes, hosts);
    // Stands in for the portal's GET /api/agent/probes (the route itself: portal/test/portal.test.ts),
    // answering with the same checks and the same modules.
    const portal = createServer((req, res) => {
      const check = checkHostToken(hosts, req.headers.authorization, "probes");
      if (req.url !== "/api/agent/probes" || !check.ok) return res.writeHead(401).end();
      res.end(vantageModules(join(central, "targets"), check.host));
    });
    await new Promise<void>((r) => portal.listen(0, "127.0.0.1", r));
    const portalUrl = `http://127.0.0.1:${(portal.address() as { port: number }).port}`;
    try {
      const r = await install([
        ...["--root", at, "--web-config", join(dir, "web.yml"), "--pm2-user", "root", "--pm2-home", pm2Home],
        ...["--node-exporter-port", String(await freePort()), "--pm2-exporter-port", String(await freePort())],
        ...["--name", "vantage-1", "--probes-url", portalUrl, "--host-token-file", join(dir, "host-token")],
        ...["--blackbox-port", String(blackboxPort)],
      ]);
      expect(r.code).toBe(0);
      expect(r.out).toContain("opsdeck-agent-blackbox opsdeck-agent-probes.timer");
      expect(readFileSync(join(at, "etc/opsdeck-agent/host-token"), "utf8")).toBe(token);
      expect(statSync(join(at, "etc/opsdeck-agent/host-token")).mode & 0o777).toBe(0o640);
      expect(await systemdVerify(at, ["opsdeck-agent-blackbox", "opsdeck-agent-probes"])).not.toMatch(/FAILED/);
      // The timer's job, as systemd would run it: the modules of vantage-1's probes, nothing else.
      const fetcher = unit("opsdeck-agent-probes.service", at);
      await run(fetcher.cmd, fetcher.args);
      const modules = readFileSync(join(at, "var/lib/opsdeck-agent/blackbox.yml"), "utf8");
      expect(Object.keys((parseYaml(modules) as { modules: object }).modules)).toEqual(["probe_shop"]);
      // A wrong token: refused, and the modules stay as they were.
      writeFileSync(join(at, "etc/opsdeck-agent/host-token"), "not-the-token");
      await expect(run(fetcher.cmd, fetcher.args)).rejects.toThrow(/401/);
      expect(readFileSync(join(at, "var/lib/opsdeck-agent/blackbox.yml"), "utf8")).toBe(modules);
      // Its blackbox, as its unit starts it, asks for Prometheus' password; the central Prometheus
      // has it and probes through it: the probe's series from vantage-1.
      const box = unit("opsdeck-agent-blackbox.service", at);
      procs.push(spawnProc("agent-blackbox", box.cmd, box.args, { logFile: join(dir, "agent-blackbox.log") }));
      await waitUntil(
        "the agent's blackbox",
        async () => (await fetch(`http://127.0.0.1:${blackboxPort}/metrics`).catch(() => undefined))?.status === 401,
        { proc: procs.at(-1)!, timeoutMs: 30_000 },
      );
      writeFileSync(join(central, "agent-password"), credentials.password);
      const prom = await startTestPrometheus({
        dir: join(central, "prometheus"),
        scrapeInterval: "1s",
        ruleFiles: [],
        agents: {
          targetsDir: join(central, "targets"),
          username: credentials.username,
          passwordFile: join(central, "agent-password"),
        },
        probes: { targetsDir: join(central, "targets"), blackbox: "127.0.0.1:9" },
      });
      procs.push(prom.proc);
      const [series] = await eventually(
        () => promQuery(prom.url, 'probe_success{probe="shop",host="vantage-1"}'),
        (s) => s[0]?.value[1] === "1",
        60_000,
      );
      expect(series.metric).toMatchObject({ job: "probes", instance: target, probe_type: "http" });
    } finally {
      portal.close();
      page.close();
    }
  });
});
