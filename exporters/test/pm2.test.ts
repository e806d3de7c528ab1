// The PM2 exporter against a real PM2 daemon in a temp PM2_HOME.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger, parseConfig } from "@opsdeck/core";
import { freePort, pm2 } from "@opsdeck/stack";
import { startPm2Exporter, type Pm2Exporter } from "../src/pm2/server.ts";
import { eventually, promtoolCheckMetrics, scrape, tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("pm2");
const home = join(dir, "pm2");
let exporter: Pm2Exporter;

const app = (name: string, body: string) => {
  const file = join(dir, `${name}.cjs`);
  writeFileSync(file, body);
  return file;
};
const steady = app("steady", "setInterval(() => {}, 1000);");
const crashyScript = app("crashy", "setTimeout(() => process.exit(1), 300);");
/** An ecosystem file: the CLI has no flag for min_uptime. */
const crashy = (maxRestarts: number) => {
  const file = join(dir, `crashy-${maxRestarts}.json`);
  writeFileSync(
    file,
    JSON.stringify({ apps: [{ name: "crashy", script: crashyScript, max_restarts: maxRestarts, min_uptime: 5000 }] }),
  );
  return file;
};

const metric = async (key: string) => (await scrape(exporter.url)).get(key);

beforeAll(async () => {
  await pm2(home, ["ping"]);
  const cfg = parseConfig("", "test").exporters.pm2;
  exporter = await startPm2Exporter(
    { ...cfg, port: 0, pm2_home: home, poll_interval_seconds: 0.5, call_timeout_seconds: 2 },
    createLogger({ service: "pm2-exporter", level: "error" }),
  );
});

afterAll(async () => {
  await exporter?.close();
  await pm2(home, ["kill"]).catch(() => undefined);
});

describe("pm2 exporter with a real daemon", () => {
  it("follows processes as they start, with clean metrics", async () => {
    await pm2(home, ["start", steady, "--name", "steady", "-i", "2"]);
    await eventually(
      () => metric('pm2_process_up{app="steady",app_instance="1"}'),
      (v) => v === 1,
    );
    const m = await scrape(exporter.url);
    expect(m.get("pm2_daemon_up")).toBe(1);
    expect(m.get('pm2_process_up{app="steady",app_instance="0"}')).toBe(1);
    expect(m.get('pm2_process_status{app="steady",app_instance="0",status="online"}')).toBe(1);
    expect(m.get('pm2_process_memory_bytes{app="steady",app_instance="0"}')).toBeGreaterThan(1e6);
    // PM2 fills in node_version a moment after the process is online.
    const withInfo = await eventually(
      () => scrape(exporter.url),
      (x) =>
        [...x.keys()].some(
          (k) =>
            k.startsWith('pm2_process_info{app="steady",app_instance="0"') && !k.includes('node_version="unknown"'),
        ),
    );
    const info = [...withInfo.keys()].find((k) => k.startsWith('pm2_process_info{app="steady",app_instance="0"'));
    expect(info).toContain(`node_version="${process.versions.node}",exec_mode="cluster"`);
    expect(m.get('pm2_app_processes{app="steady",status="online"}')).toBe(2);
    // PM2 injects @pm2/io into apps: their heap metric arrives in bytes.
    await eventually(
      () => metric('pm2_process_metric_used_heap_size_bytes{app="steady",app_instance="0"}'),
      (v) => (v ?? 0) > 1e5,
    );
    expect(await promtoolCheckMetrics(exporter.url)).toBe("");
  });

  it("sees a crash loop: restarts climb and the app ends errored", async () => {
    await pm2(home, ["start", crashy(3)]);
    await eventually(
      () => metric('pm2_process_status{app="crashy",app_instance="0",status="errored"}'),
      (v) => v === 1,
      30_000,
    );
    const m = await scrape(exporter.url);
    // PM2 gives up after max_restarts unstable restarts (it resets its unstable count as it stops).
    expect(m.get('pm2_process_restarts_total{app="crashy",app_instance="0"}')).toBeGreaterThanOrEqual(2);
    expect(m.get('pm2_process_up{app="crashy",app_instance="0"}')).toBe(0);
    expect(m.get('pm2_process_uptime_seconds{app="crashy",app_instance="0"}')).toBe(0);
  });

  it("says whether an app's PORT is listening on the host: a server that stops listening while online is told apart", async () => {
    const port = await freePort();
    // A server that listens on its PORT, and closes its socket on SIGUSR2 while staying online
    // (a stuck listener, a crash of the HTTP layer alone).
    const server = app(
      "web",
      `const s = require("node:http").createServer((q, r) => r.end("ok")).listen(process.env.PORT);
process.on("SIGUSR2", () => s.close());
setInterval(() => {}, 1000);`,
    );
    await pm2(home, ["start", server, "--name", "web"], { env: { PORT: String(port) } });
    const key = `pm2_app_port_listening{app="web",port="${port}"}`;
    await eventually(
      () => metric(key),
      (v) => v === 1,
      20_000,
    );
    await pm2(home, ["sendSignal", "SIGUSR2", "web"]);
    await eventually(
      () => metric(key),
      (v) => v === 0,
      20_000,
    );
    expect(await metric('pm2_process_up{app="web",app_instance="0"}')).toBe(1);
    // An app with no PORT has no such series.
    expect([...(await scrape(exporter.url)).keys()].filter((k) => k.startsWith("pm2_app_port_listening"))).toEqual([
      key,
    ]);
    expect(await promtoolCheckMetrics(exporter.url)).toBe("");
    await pm2(home, ["delete", "web"]);
  });

  it("drops a deleted process's series", async () => {
    await pm2(home, ["delete", "steady"]);
    await eventually(
      () => scrape(exporter.url),
      (m) => ![...m.keys()].some((k) => k.includes('app="steady"')),
    );
  });

  it("reports the daemon down when it is killed, keeps serving, and recovers when it returns", async () => {
    const before = (await metric('pm2_process_restarts_total{app="crashy",app_instance="0"}'))!;
    const pid = Number(readFileSync(join(home, "pm2.pid"), "utf8"));
    process.kill(pid, "SIGKILL");
    await eventually(
      () => metric("pm2_daemon_up"),
      (v) => v === 0,
      10_000,
    );
    expect((await scrape(exporter.url)).get('pm2_process_up{app="crashy",app_instance="0"}')).toBeUndefined();
    await pm2(home, ["ping"]);
    await pm2(home, ["start", crashy(1)]);
    await eventually(
      () => metric("pm2_daemon_up"),
      (v) => v === 1,
      30_000,
    );
    await eventually(
      () => metric('pm2_process_restarts_total{app="crashy",app_instance="0"}'),
      (v) => v !== undefined,
    );
    // The new daemon counts from 0; the exporter's counter must not go down.
    const after = (await metric('pm2_process_restarts_total{app="crashy",app_instance="0"}'))!;
    expect(after).toBeGreaterThanOrEqual(before);
  });

  it("two concurrent scrapes get the same snapshot", async () => {
    const pages = await Promise.all(
      Array.from({ length: 2 }, async () => {
        const text = await (await fetch(`${exporter.url}/metrics`)).text();
        return text
          .split("\n")
          .filter((l) => l.startsWith("pm2_"))
          .join("\n");
      }),
    );
    expect(pages[0]).not.toBe("");
    expect(pages[1]).toBe(pages[0]);
  });
});
