// Recovery actions on a real PM2 daemon in a temp PM2_HOME, through the PM2 exporter's signed
// endpoint: restart, reload, scale, reset restarts and flush logs do to PM2 what their names say
// (read back with `pm2 jlist`); a request that does not fit the app is a 409 with why; a forged,
// replayed, expired or mis-addressed request changes nothing.
import { existsSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, parseConfig } from "@opsdeck/core";
import { signRequest, SIGNATURE_HEADER } from "@opsdeck/core/actions/signed-request";
import { pm2 } from "@opsdeck/stack";
import { eventually, promtoolCheckMetrics, scrape, tempDir } from "@opsdeck/stack/testkit";
import { startPm2Exporter, type Pm2Exporter } from "../src/pm2/server.ts";

const KEY = "pm2-actions-key-0123456789";
const HOST = "app-1";
const dir = tempDir("pm2-actions");
const home = join(dir, "pm2");
let exporter: Pm2Exporter;

const script = (name: string, body: string) => {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, body);
  return file;
};
const web = script("web", 'console.log("web up"); console.error("web warn"); setInterval(() => {}, 1000);');
// A team's runbook script: empties the app's cache and says what it did (its environment printed
// too: the exporter's key must not be in it).
const clearCache = script(
  "clear-cache",
  'require("node:fs").writeFileSync("cleared-" + process.argv[2], "");\n' +
    'console.log("cache of " + process.argv[2] + " cleared; env: " + Object.keys(process.env).sort().join(","));',
);
const worker = script("worker", 'console.log("worker up"); setTimeout(() => process.exit(1), 200);');

interface Listed {
  name: string;
  pm_id: number;
  pm2_env: {
    status: string;
    restart_time: number;
    NODE_APP_INSTANCE?: number;
    pm_uptime: number;
    pm_out_log_path: string;
  };
}
const jlist = async (): Promise<Listed[]> => JSON.parse(await pm2(home, ["jlist"])) as Listed[];
const of = async (app: string) => (await jlist()).filter((p) => p.name === app);

async function act(
  action: unknown,
  opts: { key?: string; host?: string; now?: number; dryRun?: boolean; trigger?: "automatic" } = {},
) {
  const signed = signRequest(opts.key ?? KEY, opts.host ?? HOST, action, opts.now, opts);
  return send(signed.body, signed.signature);
}
async function send(body: string, signature: string) {
  const res = await fetch(`${exporter.url}/api/v1/actions`, {
    method: "POST",
    headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
    body,
  });
  return { status: res.status, json: (await res.json()) as Record<string, any> };
}

beforeAll(async () => {
  await pm2(home, ["ping"]);
  await pm2(home, ["start", web, "--name", "web", "-i", "2"]);
  const cfg = parseConfig("", "test").exporters.pm2;
  exporter = await startPm2Exporter(
    {
      ...cfg,
      port: 0,
      pm2_home: home,
      poll_interval_seconds: 0.5,
      call_timeout_seconds: 2,
      actions: {
        key: KEY,
        host: HOST,
        timeout_seconds: 30,
        runbooks: [
          { name: "clear-cache", command: [process.execPath, clearCache, "{app}"], working_dir: dir },
          { name: "broken", command: [process.execPath, "-e", "console.error('no cache dir'); process.exit(2)"] },
        ],
      },
    },
    createLogger({ service: "pm2-exporter", level: "error" }),
  );
}, 60_000);

afterAll(async () => {
  await exporter?.close();
  await pm2(home, ["kill"]).catch(() => undefined);
});

describe("recovery actions on a real PM2 daemon", () => {
  it("resets a crash-looping app's restart counter, and restarts it", async () => {
    await pm2(home, ["start", worker, "--name", "worker"]);
    await eventually(
      async () => (await of("worker"))[0]?.pm2_env.restart_time ?? 0,
      (n) => n >= 3,
      30_000,
    );
    const reset = await act({ kind: "reset-restarts", app: "worker" });
    expect(reset.status).toBe(200);
    expect(reset.json).toMatchObject({
      status: "succeeded",
      host: HOST,
      description: "reset worker's restart counters",
    });
    // The worker keeps crashing, so the counter climbs again from 0: read it at once.
    expect((await of("worker"))[0].pm2_env.restart_time).toBeLessThan(3);
    await pm2(home, ["delete", "worker"]);

    const before = (await of("web")).find((p) => p.pm2_env.NODE_APP_INSTANCE === 1)!;
    const restarted = await act({ kind: "restart", app: "web", instance: 1 });
    expect(restarted.json).toMatchObject({
      status: "succeeded",
      steps: [{ what: `restart web#1 (pm_id ${before.pm_id})`, ok: true }],
    });
    const after = await of("web");
    expect(after.find((p) => p.pm_id === before.pm_id)!.pm2_env.restart_time).toBe(before.pm2_env.restart_time + 1);
    // Only that instance.
    const other = after.find((p) => p.pm_id !== before.pm_id)!;
    expect(other.pm2_env.restart_time).toBe(0);
  });

  it("reloads and scales a cluster app; refuses what does not fit, saying why", async () => {
    const reloaded = await act({ kind: "reload", app: "web" });
    expect(reloaded.json.status).toBe("succeeded");
    expect(reloaded.json.steps).toHaveLength(2);

    expect((await act({ kind: "scale", app: "web", instances: 3 })).json.status).toBe("succeeded");
    await eventually(
      async () => (await of("web")).filter((p) => p.pm2_env.status === "online").length,
      (n) => n === 3,
    );
    expect((await act({ kind: "scale", app: "web", instances: 1 })).json.status).toBe("succeeded");
    expect((await of("web")).length).toBe(1);

    const same = await act({ kind: "scale", app: "web", instances: 1 });
    expect(same).toMatchObject({ status: 409, json: { error: "web runs 1 instances already" } });
    const missing = await act({ kind: "restart", app: "nope" });
    expect(missing).toMatchObject({ status: 409, json: { error: 'PM2 runs no app "nope" here' } });
    const bad = await act({ kind: "restart", app: "web; rm -rf /" });
    expect(bad.status).toBe(400);
    const unknown = await act({ kind: "exec", command: "rm -rf /" });
    expect(unknown.status).toBe(400);
  });

  it("plans without running on a dry run: the steps it would take, PM2 untouched", async () => {
    const before = (await of("web")).map((p) => [p.pm_id, p.pm2_env.restart_time, p.pm2_env.pm_uptime]);
    const planned = await act({ kind: "restart", app: "web", instance: 0 }, { dryRun: true, trigger: "automatic" });
    expect(planned.status).toBe(200);
    expect(planned.json).toMatchObject({
      status: "dry-run",
      steps: [{ what: expect.stringMatching(/web/), ok: true }],
    });
    expect((await of("web")).map((p) => [p.pm_id, p.pm2_env.restart_time, p.pm2_env.pm_uptime])).toEqual(before);
    // A dry run still checks the action fits: an app this host does not run is refused.
    expect((await act({ kind: "restart", app: "nope" }, { dryRun: true })).status).toBe(409);
  });

  it("runs a runbook script the host lists, for the app, keeping its output; refuses one it does not list", async () => {
    const ran = await act({ kind: "runbook", name: "clear-cache", app: "web" });
    expect(ran.status).toBe(200);
    expect(ran.json).toMatchObject({ status: "succeeded", steps: [{ what: "run clear-cache for web", ok: true }] });
    expect(ran.json.steps[0].output).toBe("cache of web cleared; env: HOME,PATH");
    expect(existsSync(join(dir, "cleared-web"))).toBe(true);
    // A script that fails: the action failed, with its output.
    const broken = await act({ kind: "runbook", name: "broken", app: "web" });
    expect(broken.json).toMatchObject({
      status: "failed",
      steps: [{ ok: false, error: "it exited with 2", output: "no cache dir" }],
    });
    // Not listed here, or not a name: nothing runs.
    expect(await act({ kind: "runbook", name: "rm-rf", app: "web" })).toMatchObject({
      status: 409,
      json: { error: 'this host lists no runbook script "rm-rf"' },
    });
    expect((await act({ kind: "runbook", name: "../../bin/sh", app: "web" })).status).toBe(400);
  });

  it("empties an app's log files", async () => {
    const [p] = await of("web");
    const out = p.pm2_env.pm_out_log_path;
    await eventually(
      async () => (statSync(out).size > 0 ? readFileSync(out, "utf8") : ""),
      (text) => text.includes("web up"),
    );
    const flushed = await act({ kind: "flush-logs", app: "web" });
    expect(flushed.json.status).toBe("succeeded");
    expect(statSync(out).size).toBe(0);
  });

  it("changes nothing on a forged, replayed, expired or mis-addressed request", async () => {
    const count = async () => (await of("web")).length;
    const before = await count();
    const scale = { kind: "scale", app: "web", instances: 2 };
    expect((await act(scale, { key: "someone-elses-key-0123456789" })).status).toBe(401);
    expect((await act(scale, { host: "app-2" })).status).toBe(401);
    expect((await act(scale, { now: Date.now() - 120_000 })).status).toBe(401);
    const unsigned = await send(
      JSON.stringify({
        host: HOST,
        id: "abcdefgh-2",
        issued_at: Date.now(),
        expires_at: Date.now() + 1000,
        action: scale,
      }),
      "",
    );
    expect(unsigned.status).toBe(401);
    expect(await count()).toBe(before);
    // Once is fine; the same request again is a replay.
    const signed = signRequest(KEY, HOST, scale);
    expect((await send(signed.body, signed.signature)).status).toBe(200);
    expect(await send(signed.body, signed.signature)).toMatchObject({ status: 409, json: { error: /replay/ } });
    expect(await count()).toBe(2);
  });

  it("counts the actions asked, by kind, outcome and trigger, in clean metrics", async () => {
    const m = await scrape(exporter.url);
    expect(m.get('pm2_exporter_actions_total{kind="scale",outcome="succeeded",trigger="manual"}')).toBe(3);
    expect(m.get('pm2_exporter_actions_total{kind="scale",outcome="refused",trigger="manual"}')).toBe(1);
    expect(m.get('pm2_exporter_actions_total{kind="reset-restarts",outcome="succeeded",trigger="manual"}')).toBe(1);
    expect(m.get('pm2_exporter_actions_total{kind="restart",outcome="dry-run",trigger="automatic"}')).toBe(1);
    expect(await promtoolCheckMetrics(exporter.url)).toBe("");
  });
});
