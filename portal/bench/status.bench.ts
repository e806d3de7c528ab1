// The public status page with 50 probes × 90 days (issue 26's target: p95 ≤ 200 ms server time),
// on a real Prometheus holding 90 days of the availability recording rules (backfilled by
// promtool from OpenMetrics, one day per file: promtool re-reads its whole input for every
// two-hour block it writes, so one 90-day file would be read 1,080 times) and a real
// Alertmanager with two maintenance windows.
// - GET /status with every read fresh (OPSDECK_STATUS_CACHE_SECONDS=0) and with the shared
//   30-second read that ships;
// - beside them, in the same run, the 90-day query straight to Prometheus from the hourly rule
//   the page uses and from the 5-minute rule (the comparison: why the hourly one exists).
import { execFile } from "node:child_process";
import { createServer } from "node:http";
import { mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { stringify } from "yaml";
import { BIN, freePort, launchPortal, startAlertmanager, startPrometheus, type Proc } from "@opsdeck/stack";
import { okText, postJson, summary, timeRepeated, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";

const PROBES = 50;
const DAYS = 90;
const REQUESTS = 40;
const DAY_S = 86_400;
const run = promisify(execFile);
const name = (i: number) => `probe-${String(i).padStart(2, "0")}`;

/** One day of both recording rules and a few ProbeDown firings, as OpenMetrics. */
function dayOfMetrics(dayStart: number, day: number): string {
  const lines = ["# TYPE probe:success:avg1h gauge"];
  // A probe has a bad hour now and then: some days are not 100 %.
  const value = (p: number, t: number) => ((Math.floor(t / 3600) + p * 7) % 997 === 0 ? 0.25 : 1);
  for (let p = 0; p < PROBES; p++)
    for (let t = dayStart; t < dayStart + DAY_S; t += 3600)
      lines.push(`probe:success:avg1h{probe="${name(p)}",job="probes"} ${value(p, t)} ${t}`);
  lines.push("# TYPE probe:success:avg5m gauge");
  for (let p = 0; p < PROBES; p++)
    for (let t = dayStart; t < dayStart + DAY_S; t += 300)
      lines.push(`probe:success:avg5m{probe="${name(p)}",job="probes"} ${value(p, t)} ${t}`);
  // In the last 14 days, an incident of 20 minutes on one probe a day.
  if (day >= DAYS - 14) {
    lines.push("# TYPE ALERTS gauge");
    const from = dayStart + 3600 * (day % 24);
    for (let t = from; t < from + 1200; t += 60)
      lines.push(
        `ALERTS{alertname="ProbeDown",alertstate="firing",probe="${name(day % PROBES)}",severity="critical"} 1 ${t}`,
      );
  }
  lines.push("# EOF");
  return lines.join("\n") + "\n";
}

/** The probes' info and live success, as a scrape target (what node-exporter and blackbox give). */
function liveMetrics(): string {
  const lines = ["# TYPE opsdeck_probe_info gauge"];
  for (let p = 0; p < PROBES; p++)
    lines.push(
      `opsdeck_probe_info{probe="${name(p)}",display_name="服务 ${p + 1}",public="true",depends_on_host="",depends_on_app=""} 1`,
    );
  lines.push("# TYPE probe_success gauge");
  for (let p = 0; p < PROBES; p++) lines.push(`probe_success{probe="${name(p)}",project="shop"} 1`);
  return lines.join("\n") + "\n";
}

export async function benchStatusPage(): Promise<Row[]> {
  const dir = tempDir("bench-status");
  const procs: Proc[] = [];
  const now = Math.floor(Date.now() / 1000);
  // 90 days ending two hours ago (the head block holds the rest), a file and a promtool each.
  const end = Math.floor((now - 7200) / 3600) * 3600;
  mkdirSync(join(dir, "om"), { recursive: true });
  const files: string[] = [];
  for (let day = 0; day < DAYS; day++) {
    const file = join(dir, "om", `${day}.om`);
    writeFileSync(file, dayOfMetrics(end - (DAYS - day) * DAY_S, day));
    files.push(file);
  }
  const blocks = join(dir, "prom", "data");
  for (let i = 0; i < files.length; i += 2)
    await Promise.all(
      files
        .slice(i, i + 2)
        .map((f) => run(BIN.promtool, ["tsdb", "create-blocks-from", "openmetrics", "--quiet", f, blocks])),
    );
  const live = createServer((_req, res) =>
    res.writeHead(200, { "content-type": "text/plain; version=0.0.4" }).end(liveMetrics()),
  );
  const livePort = await freePort();
  await new Promise<void>((r) => live.listen(livePort, "127.0.0.1", r));
  try {
    const prom = await startPrometheus({
      dir: join(dir, "prom"),
      port: await freePort(),
      config: stringify({
        global: { scrape_interval: "5s" },
        scrape_configs: [
          { job_name: "live", honor_labels: true, static_configs: [{ targets: [`127.0.0.1:${livePort}`] }] },
        ],
      }),
      extraArgs: ["--storage.tsdb.retention.time=100d"],
    });
    procs.push(prom.proc);
    const am = await startAlertmanager({
      dir: join(dir, "am"),
      port: await freePort(),
      config: "route: { receiver: none }\nreceivers: [{ name: none }]\n",
    });
    procs.push(am.proc);
    for (const [i, startsIn] of [0, 86_400].entries())
      await postJson(`${am.url}/api/v2/silences`, {
        matchers: [{ name: "probe", value: name(i), isRegex: false, isEqual: true }],
        startsAt: new Date((now + startsIn) * 1000).toISOString(),
        endsAt: new Date((now + startsIn + 3600) * 1000).toISOString(),
        createdBy: "bench",
        comment: `[maintenance] 维护 ${i + 1}`,
      });
    // Prometheus has scraped the live series once.
    for (let tries = 0; ; tries++) {
      const r = (await (await fetch(`${prom.url}/api/v1/query?query=count(opsdeck_probe_info)`)).json()) as {
        data: { result: unknown[] };
      };
      if (r.data.result.length) break;
      if (tries > 100) throw new Error("Prometheus never scraped the probes' info");
      await new Promise((r) => setTimeout(r, 200));
    }

    // Prometheus compacts the 1,080 two-hour blocks promtool wrote into a few large ones, as it
    // holds 90 days in production: measured before that, the query reads a thousand indexes.
    const blocks = () => readdirSync(join(dir, "prom", "data")).filter((d) => /^[0-9A-Z]{26}$/.test(d)).length;
    for (let last = blocks(), stableFor = 0, waited = 0; stableFor < 30 && waited < 600; waited += 5) {
      await new Promise((r) => setTimeout(r, 5000));
      const now = blocks();
      stableFor = now === last ? stableFor + 5 : 0;
      last = now;
    }
    console.log(`status bench: ${blocks()} TSDB blocks after compaction`);
    const rows: Row[] = [];
    const add = (what: string, ms: number[]) => rows.push({ what, ...summary(ms) });
    for (const [cache, label] of [
      ["0", "GET /status, every read fresh (portal)"],
      ["30", "GET /status, the shared 30 s read that ships (portal)"],
    ] as const) {
      const port = await freePort();
      const file = join(dir, `opsdeck-${cache}.yml`);
      writeFileSync(
        file,
        stringify({
          log: { level: "warn" },
          portal: {
            port,
            session_secret: "bench-session-secret-0123456789abcdef",
            data_dir: join(dir, `portal-${cache}`),
            sources: { prometheus_url: prom.url, alertmanager_url: am.url },
          },
        }),
      );
      const base = `http://127.0.0.1:${port}`;
      const portal = await launchPortal({
        configFile: file,
        url: base,
        env: { ...process.env, OPSDECK_STATUS_CACHE_SECONDS: cache },
      });
      try {
        const page = await fetch(`${base}/status`).then((r) => r.text());
        console.log(`status bench: the page is ${Math.round(page.length / 1024)} KB`);
        if (!page.includes("服务 50") || !page.includes("维护 1"))
          throw new Error("the status page does not show the 50 probes and the window");
        add(label, await timeRepeated(REQUESTS, () => okText(`${base}/status`)));
      } finally {
        await portal.stop();
      }
    }
    const firstDay = (end - (DAYS - 1) * DAY_S) * 1000;
    const range = (query: string) =>
      okText(
        `${prom.url}/api/v1/query_range?${new URLSearchParams({ query, start: String(firstDay / 1000 + DAY_S), end: String(firstDay / 1000 + DAYS * DAY_S), step: String(DAY_S) })}`,
      );
    add(
      "  90 daily bars from probe:success:avg1h (Prometheus, straight)",
      await timeRepeated(REQUESTS, () => range("avg by (probe) (avg_over_time(probe:success:avg1h[1d]))")),
    );
    add(
      "  the same from probe:success:avg5m (Prometheus, straight; comparison)",
      await timeRepeated(REQUESTS, () => range("avg by (probe) (avg_over_time(probe:success:avg5m[1d]))")),
    );
    return rows;
  } finally {
    for (const p of procs.reverse()) await p.stop();
    live.close();
  }
}
