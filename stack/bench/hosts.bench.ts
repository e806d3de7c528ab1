// Many hosts on one Prometheus. One agent host (node-exporter with OpsDeck's collectors, a PM2
// daemon with 20 apps and its PM2 exporter, behind basic auth) is listed N times in the target
// files under N host names: Prometheus scrapes, stores and evaluates N hosts' series, as it
// would for N servers (the exporters answer N times as often; their cost is the agent's, below).
// Measured per N at the production scrape interval (15 s): head series, samples/s, Prometheus'
// RSS and CPU. And how long a host added to the list takes to be scraped (target files, no
// restart), beside the way dockprom's users do it (static_configs, then a reload).
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { hostSchema } from "@opsdeck/core";
import { writeTargetFiles } from "@opsdeck/core/hosts/file-sd";
import { startAgentHost } from "../src/agent.ts";
import { cpuSeconds, percentile, rssBytes, type Row } from "../src/bench-stats.ts";
import { prepareAgentScrape } from "../src/hosts.ts";
import { freePort, spawnProc, stopAll, waitUntil, httpOk, type Proc } from "../src/procs.ts";
import { basicAuthHeader, BIN, renderPrometheusConfig, startPrometheus, promQuery } from "../src/prometheus.ts";
import { REPO } from "../src/services.ts";
import { tempDir } from "../src/testkit.ts";

const credentials = { username: "prometheus", password: "bench-agent-password-0123456789" };
/** The agents' section of opsdeck.yml for these runs (the hosts file is not used). */
const agents = {
  password: credentials.password,
  username: "prometheus",
  hosts_file: "none.yml",
  targets_dir: "targets",
  scheme: "http" as const,
  sync_seconds: 2,
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => Math.round(b / 2 ** 20);

/** Samples in an exposition (not comments). */
const samples = (text: string) => text.split("\n").filter((l) => l && !l.startsWith("#")).length;

async function scrapeText(url: string) {
  return (await fetch(url, { headers: basicAuthHeader(credentials) })).text();
}

export async function benchHosts(counts = (process.env.OPSDECK_BENCH_HOSTS ?? "3,10,100,300").split(",").map(Number)) {
  const dir = tempDir("bench-hosts");
  const agent = await startAgentHost({ name: "agent", dir: join(dir, "agent"), credentials, apps: 20 });
  const procs: Proc[] = [];
  try {
    // Series one host brings: OpsDeck's collectors vs node-exporter's defaults, and the PM2 exporter.
    const defaultsPort = await freePort();
    const defaults = spawnProc("node-exporter-defaults", BIN.nodeExporter, [
      `--web.listen-address=127.0.0.1:${defaultsPort}`,
    ]);
    procs.push(defaults);
    await waitUntil("node-exporter (defaults)", () => httpOk(`http://127.0.0.1:${defaultsPort}/metrics`), {
      proc: defaults,
    });
    await sleep(2000); // the PM2 exporter has read all 20 apps
    const perHost: Row[] = [
      {
        exporter: "node-exporter, OpsDeck's collectors (what runs)",
        series: samples(await scrapeText(`http://127.0.0.1:${agent.nodePort}/metrics`)),
      },
      {
        exporter: "node-exporter, default collectors (comparison)",
        series: samples(await (await fetch(`http://127.0.0.1:${defaultsPort}/metrics`)).text()),
      },
      {
        exporter: "PM2 exporter, 20 apps",
        series: samples(await scrapeText(`http://127.0.0.1:${agent.pm2Port}/metrics`)),
      },
    ];

    // The agent's own footprint, scraped as the central Prometheus scrapes it (every 15 s).
    const footprint: Row[] = [];
    const parts = [
      ["node-exporter", agent.procs[0], `http://127.0.0.1:${agent.nodePort}/metrics`],
      ["PM2 exporter (20 apps)", agent.procs[1], `http://127.0.0.1:${agent.pm2Port}/metrics`],
    ] as const;
    const cpuBefore = parts.map(([, proc]) => cpuSeconds(proc.child.pid!));
    const peaks = parts.map(() => 0);
    for (let i = 0; i < 4; i++) {
      for (const [, , url] of parts) await scrapeText(url);
      for (let k = 0; k < 15; k++) {
        parts.forEach(([, proc], j) => (peaks[j] = Math.max(peaks[j], rssBytes(proc.child.pid!))));
        await sleep(1000);
      }
    }
    parts.forEach(([name, proc], j) =>
      footprint.push({
        part: name,
        rss_mb: mb(rssBytes(proc.child.pid!)),
        rss_peak_mb: mb(peaks[j]),
        cpu_cores: Math.round(((cpuSeconds(proc.child.pid!) - cpuBefore[j]) / 60) * 10000) / 10000,
      }),
    );

    const load: Row[] = [];
    for (const n of counts) {
      const runDir = join(dir, `n${n}`);
      const hosts = Array.from({ length: n }, (_, i) =>
        hostSchema.parse({
          name: `sim-${i + 1}`,
          address: "127.0.0.1",
          node_exporter: agent.nodePort,
          pm2_exporter: agent.pm2Port,
          labels: { env: "bench" },
        }),
      );
      const scrape = prepareAgentScrape({
        config: { hosts, agents },
        baseDir: runDir,
        prometheusDir: join(runDir, "prom"),
      });
      const port = await freePort();
      const prom = await startPrometheus({
        dir: join(runDir, "prom"),
        port,
        config: await renderPrometheusConfig({
          source: join(REPO, "provisioning/prometheus/prometheus.yml"),
          targets: { prometheus: [`127.0.0.1:${port}`] },
          agents: scrape,
        }),
      });
      try {
        const pid = prom.proc.child.pid!;
        // Two scrape intervals to fill the head, then one minute measured.
        await sleep(30_000);
        const cpu0 = cpuSeconds(pid);
        let peak = 0;
        for (let i = 0; i < 12; i++) {
          await sleep(5000);
          peak = Math.max(peak, rssBytes(pid));
        }
        const cpu = (cpuSeconds(pid) - cpu0) / 60;
        const one = async (q: string) => Number((await promQuery(prom.url, q))[0]?.value[1] ?? NaN);
        load.push({
          hosts: n,
          targets_up: await one('count(up{env="bench"} == 1)'),
          head_series: await one("prometheus_tsdb_head_series"),
          samples_per_s: Math.round(await one("rate(prometheus_tsdb_head_samples_appended_total[1m])")),
          rss_mb: mb(rssBytes(pid)),
          rss_peak_mb: mb(peak),
          cpu_cores: Math.round(cpu * 1000) / 1000,
        });
      } finally {
        await prom.proc.stop();
      }
    }

    // A host added: target files (no restart) vs static_configs + SIGHUP (dockprom's way).
    const addDir = join(dir, "add");
    const port = await freePort();
    const base = hostSchema.parse({
      name: "base",
      address: "127.0.0.1",
      node_exporter: agent.nodePort,
      pm2_exporter: false,
    });
    const scrape = prepareAgentScrape({
      config: { hosts: [base], agents },
      baseDir: addDir,
      prometheusDir: join(addDir, "prom"),
    })!;
    const config = await renderPrometheusConfig({
      source: join(REPO, "provisioning/prometheus/prometheus.yml"),
      targets: { prometheus: [`127.0.0.1:${port}`] },
      agents: scrape,
    });
    const prom = await startPrometheus({ dir: join(addDir, "prom"), port, config });
    const firstScrape = async (host: string, since: number) => {
      for (;;) {
        const body = (await (await fetch(`${prom.url}/api/v1/targets?state=active`)).json()) as {
          data: { activeTargets: { labels: Record<string, string>; lastScrape: string }[] };
        };
        const t = body.data.activeTargets.find((x) => x.labels.host === host);
        if (t && Date.parse(t.lastScrape) > since) return Date.now() - since;
        await sleep(100);
      }
    };
    const fileSd: number[] = [];
    const reload: number[] = [];
    const runs = Number(process.env.OPSDECK_BENCH_HOST_ADDS ?? 6);
    try {
      for (let i = 0; i < runs; i++) {
        const added = hostSchema.parse({
          name: `added-${i}`,
          address: "127.0.0.1",
          node_exporter: agent.nodePort,
          pm2_exporter: false,
        });
        let since = Date.now();
        writeTargetFiles(scrape.targetsDir, [base, added]);
        fileSd.push(await firstScrape(added.name, since));
        writeTargetFiles(scrape.targetsDir, [base]);
        // The comparison: the same host in static_configs, and Prometheus told to reload.
        const staticName = `static-${i}`;
        const withStatic = config.replace(
          "scrape_configs:\n",
          `scrape_configs:\n  - job_name: static-${i}\n    basic_auth: { username: prometheus, password_file: ${scrape.passwordFile} }\n    static_configs: [{ targets: ["127.0.0.1:${agent.nodePort}"], labels: { host: ${staticName} } }]\n`,
        );
        since = Date.now();
        writeFileSync(join(addDir, "prom", "prometheus.yml"), withStatic);
        process.kill(prom.proc.child.pid!, "SIGHUP");
        reload.push(await firstScrape(staticName, since));
        writeFileSync(join(addDir, "prom", "prometheus.yml"), config);
        process.kill(prom.proc.child.pid!, "SIGHUP");
        await sleep(1000);
      }
    } finally {
      await prom.proc.stop();
    }
    const row = (how: string, ms: number[]) => {
      const s = [...ms].sort((a, b) => a - b);
      return {
        how,
        n: s.length,
        p50_s: Math.round(percentile(s, 50) / 100) / 10,
        p95_s: Math.round(percentile(s, 95) / 100) / 10,
        max_s: Math.round(s.at(-1)! / 100) / 10,
      };
    };
    const add: Row[] = [
      row("target files (OpsDeck, no restart)", fileSd),
      row("static_configs + SIGHUP reload (comparison)", reload),
    ];
    return { perHost, footprint, load, add };
  } finally {
    await stopAll(procs);
    await agent.stop();
  }
}
