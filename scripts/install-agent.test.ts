// The agent as an app server gets it: the bundle `npm run agent-bundle` makes, unpacked and
// installed by install-agent.sh (into a staging root: no systemd runs here), then the two units
// started as systemd would start them — their ExecStart, Environment and User's PM2 daemon —
// and scraped with and without Prometheus' password. The exporter runs from the bundle's own
// node_modules, so a package it imports and the bundle lacks fails this test.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  basicAuthHeader,
  freePort,
  httpOk,
  pm2,
  spawnProc,
  stopAll,
  waitUntil,
  writeWebConfig,
  type Proc,
} from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { makeAgentBundle } from "./agent-bundle.ts";

const run = promisify(execFile);
const dir = tempDir("agent-install");
const root = join(dir, "root");
const credentials = { username: "prometheus", password: "agent-password-0123456789abcdef" };
const procs: Proc[] = [];
let bundleDir: string;
let ports: { node: number; pm2: number };
const pm2Home = join(dir, "pm2");

const install = (args: string[]) =>
  run("bash", [join(bundleDir, "install-agent.sh"), ...args]).then(
    (r) => ({ code: 0, out: r.stdout + r.stderr }),
    (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
  );

/** A unit's ExecStart and Environment, its absolute paths moved under the staging root. */
function unit(name: string) {
  const text = readFileSync(join(root, "etc/systemd/system", name), "utf8");
  const inRoot = (s: string) =>
    s
      .replaceAll("/opt/opsdeck-agent", join(root, "opt/opsdeck-agent"))
      .replaceAll("/etc/opsdeck-agent", join(root, "etc/opsdeck-agent"));
  const [cmd, ...args] = inRoot(/^ExecStart=(.*)$/m.exec(text)![1]).split(" ");
  const env = Object.fromEntries([...text.matchAll(/^Environment=(\w+)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  return { text, cmd, args, env };
}

beforeAll(async () => {
  const tarball = await makeAgentBundle(join(dir, "dist"));
  await run("tar", ["-xzf", tarball, "-C", dir]);
  bundleDir = join(
    dir,
    tarball
      .split("/")
      .pop()!
      .replace(/\.tar\.gz$/, ""),
  );
  writeWebConfig(join(dir, "web.yml"), credentials);
  ports = { node: await freePort(), pm2: await freePort() };
  const app = join(dir, "app.cjs");
  writeFileSync(app, "setInterval(() => {}, 60_000);\n");
  await pm2(pm2Home, ["start", app, "--name", "shop"]);
}, 300_000);

afterAll(async () => {
  await stopAll(procs);
  await pm2(pm2Home, ["kill"]).catch(() => undefined);
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
    ]);
    expect(r.out).toContain("written; start with");
    expect(r.code).toBe(0);
    for (const f of ["bin/node_exporter", "exporter.mjs", "node_modules/pm2/package.json", "VERSIONS"])
      expect(existsSync(join(root, "opt/opsdeck-agent", f)), f).toBe(true);
    // The agent host holds the hash, never the password.
    const web = readFileSync(join(root, "etc/opsdeck-agent/web.yml"), "utf8");
    expect(web).toMatch(/\$2b\$10\$/);
    expect(web).not.toContain(credentials.password);
    expect(unit("opsdeck-node-exporter.service").text).toMatch(/^User=opsdeck-agent$/m);
    expect(unit("opsdeck-agent-pm2-exporter.service").text).toMatch(/^SupplementaryGroups=opsdeck-agent$/m);
    // systemd's own check of the unit files against the staging root (directives, dependencies,
    // that each ExecStart is an executable there): the root gets this machine's system units, and
    // Node.js where the unit found it (a stub that runs the real one).
    cpSync("/lib/systemd/system", join(root, "usr/lib/systemd/system"), { recursive: true });
    const node = unit("opsdeck-agent-pm2-exporter.service").cmd;
    mkdirSync(join(root, dirname(node)), { recursive: true });
    writeFileSync(join(root, node), `#!/bin/sh\nexec ${node} "$@"\n`, { mode: 0o755 });
    const verify = await run("systemd-analyze", [
      "verify",
      `--root=${root}`,
      "/etc/systemd/system/opsdeck-node-exporter.service",
      "/etc/systemd/system/opsdeck-agent-pm2-exporter.service",
    ]).then(
      (x) => x.stdout + x.stderr,
      (e: { stdout: string; stderr: string }) => `FAILED ${e.stdout}${e.stderr}`,
    );
    expect(verify).not.toMatch(/FAILED|Unknown (key|section)|not executable|No such file/i);
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
    procs.push(
      spawnProc("agent-pm2-exporter", exporter.cmd, exporter.args, {
        env: { PATH: process.env.PATH, ...exporter.env },
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
    const nodeMetrics = await (await fetch(`http://127.0.0.1:${ports.node}/metrics`, auth)).text();
    expect(nodeMetrics).toMatch(/^node_exporter_build_info\{.*version="1\.12\.1"/m);
  });
});
