// Prometheus and node-exporter for the native stack and the tests (built from their Go modules
// at the pinned versions: versions.ts, scripts/build-servers.sh).
import { writeFileSync } from "node:fs";
import { mkdir, readFile } from "node:fs/promises";
import { hostname } from "node:os";
import { basename, dirname, join, resolve } from "node:path";
import { parse, stringify } from "yaml";
import { freePort, httpOk, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { DATABASE_TYPES, type DatabaseType } from "@opsdeck/core";
import { agentProbeTargetFiles, probeTargetFiles } from "@opsdeck/core/probes/blackbox";
import { renderShippedRules, SHIPPED_DIR } from "@opsdeck/core/shipped-rules";
import { REPO } from "./services.ts";
import { SERVER_BINARIES } from "./versions.ts";

export const BIN = {
  prometheus: SERVER_BINARIES.prometheus,
  promtool: SERVER_BINARIES.promtool,
  nodeExporter: SERVER_BINARIES.nodeExporter,
};

interface ScrapeConfig {
  job_name: string;
  static_configs?: { targets: string[]; labels?: Record<string, string> }[];
  file_sd_configs?: { files: string[] }[];
  [k: string]: unknown;
}

/** How Prometheus reaches the other hosts' agents (opsdeck.yml `agents:`). */
export interface AgentScrape {
  /** Where the target files are (core/src/hosts/file-sd.ts writes them). */
  targetsDir: string;
  username: string;
  /** A file holding the password (Prometheus reads it at each scrape). */
  passwordFile: string;
  scheme?: "http" | "https";
  caFile?: string;
}

/**
 * Renders provisioning/prometheus/prometheus.yml for a run: each listed job scrapes the given
 * targets, labelled with this host's name; rule files become absolute paths; jobs with no
 * target are dropped; alerts go to the given Alertmanager (or nowhere).
 */
/** How Prometheus reaches an agent's exporters: its scheme, basic auth and CA. */
const agentAuth = (agents: AgentScrape) => ({
  scheme: agents.scheme ?? "http",
  basic_auth: { username: agents.username, password_file: agents.passwordFile },
  ...(agents.caFile ? { tls_config: { ca_file: agents.caFile } } : {}),
});

/** The database exporters Prometheus asks (host:port per type), with the basic auth only it holds. */
export interface DatabaseScrape {
  targetsDir: string;
  exporters: Partial<Record<DatabaseType, string>>;
  username: string;
  passwordFile: string;
}

export async function renderPrometheusConfig(opts: {
  source: string;
  targets: Record<string, string[]>;
  alertmanagers?: string[];
  scrapeInterval?: string;
  host?: string;
  /** Replaces the rule files (tests load rules of their own). */
  ruleFiles?: string[];
  /**
   * The portal's rule files (the Rules page writes one per group): every *.yml in it is loaded,
   * and the shipped rules from their copies in <dir>/shipped/, rendered here with the page's
   * overrides (unless ruleFiles replaces them).
   */
  portalRulesDir?: string;
  /** Scrape the hosts' agents found in the target files; unset: no agent jobs. */
  agents?: AgentScrape;
  /** Run the probes in targetsDir/probes/*.json through this blackbox_exporter (host:port); unset: no probes job. */
  probes?: { targetsDir: string; blackbox: string };
  /** Ask each type's exporter (host:port) for the databases in targetsDir/databases/<type>.json; a type unset: no job. */
  databases?: DatabaseScrape;
  /** One of a pair: its `prometheus_replica` external label (dropped from alerts by the config). */
  replica?: string;
  /**
   * The other servers' peer doors (host:port, docker-compose.ha.yml), which take this bearer
   * token: every alert goes to their Alertmanagers too, and their Prometheus is scraped (job
   * prometheus-peer), so one of the pair stopped is an alert (TargetDown) on the other.
   */
  peerDoors?: { targets: string[]; credentialsFile: string };
}): Promise<string> {
  const doc = parse(await readFile(opts.source, "utf8")) as {
    global?: Record<string, unknown>;
    rule_files?: string[];
    scrape_configs: ScrapeConfig[];
    alerting?: Record<string, unknown>;
    [k: string]: unknown;
  };
  const base = resolve(opts.source, "..");
  if (opts.replica) doc.global = { ...doc.global, external_labels: { prometheus_replica: opts.replica } };
  if (opts.scrapeInterval)
    doc.global = {
      ...doc.global,
      scrape_interval: opts.scrapeInterval,
      evaluation_interval: opts.scrapeInterval,
      scrape_timeout: opts.scrapeInterval,
    };
  const shipped = (doc.rule_files ?? []).map((f) => resolve(base, f));
  let loaded = opts.ruleFiles ?? shipped;
  if (opts.portalRulesDir && !opts.ruleFiles) {
    // One shipped directory (rules/*.yml): its copies go to <portal rules dir>/shipped/.
    const sources = [...new Set(shipped.map((glob) => dirname(glob)))];
    if (sources.length !== 1 || !shipped.every((glob) => glob.endsWith("/*.yml")))
      throw new Error(`${opts.source}: rule_files must be one directory's *.yml to be overridable`);
    renderShippedRules(sources[0], opts.portalRulesDir);
    loaded = [join(opts.portalRulesDir, SHIPPED_DIR, "*.yml")];
  }
  doc.rule_files = [...loaded, ...(opts.portalRulesDir ? [join(opts.portalRulesDir, "*.yml")] : [])];
  const host = opts.host ?? hostname();
  const agents = opts.agents;
  doc.scrape_configs = doc.scrape_configs.flatMap((sc): ScrapeConfig[] => {
    if (sc.job_name === "probes") {
      const probes = opts.probes;
      if (!probes) return [];
      // Where blackbox listens, and this host's name: the probes' vantage point.
      const replacements: Record<string, string> = { __address__: probes.blackbox, host };
      const relabel = (sc.relabel_configs as { target_label: string }[]).map((r) =>
        r.target_label in replacements ? { ...r, replacement: replacements[r.target_label] } : r,
      );
      return [{ ...sc, file_sd_configs: [{ files: [probeTargetFiles(probes.targetsDir)] }], relabel_configs: relabel }];
    }
    if ((DATABASE_TYPES as readonly string[]).includes(sc.job_name)) {
      const type = sc.job_name as DatabaseType;
      const exporter = opts.databases?.exporters[type];
      if (!exporter) return [];
      const relabel = (sc.relabel_configs as { target_label: string }[]).map((r) =>
        r.target_label === "__address__" ? { ...r, replacement: exporter } : r,
      );
      const { targetsDir, username, passwordFile } = opts.databases!;
      const file = join(targetsDir, "databases", `${type}.json`);
      return [
        {
          ...sc,
          basic_auth: { username, password_file: passwordFile },
          file_sd_configs: [{ files: [file] }],
          relabel_configs: relabel,
        },
      ];
    }
    if (sc.job_name === "probes-agents") {
      // The agents' blackbox: as the agents' other exporters are scraped, with the probes' targets.
      if (!agents || !opts.probes) return [];
      return [
        { ...sc, ...agentAuth(agents), file_sd_configs: [{ files: [agentProbeTargetFiles(opts.probes.targetsDir)] }] },
      ];
    }
    if (sc.file_sd_configs) {
      if (!agents) return [];
      const files = sc.file_sd_configs.flatMap((f) => f.files.map((file) => join(agents.targetsDir, basename(file))));
      return [{ ...sc, ...agentAuth(agents), file_sd_configs: [{ files }] }];
    }
    if (!opts.targets[sc.job_name]?.length) return [];
    return [
      {
        ...sc,
        static_configs: [{ targets: opts.targets[sc.job_name], labels: { ...sc.static_configs?.[0]?.labels, host } }],
      },
    ];
  });
  const alertmanagers = [
    ...(opts.alertmanagers?.length ? [{ static_configs: [{ targets: opts.alertmanagers }] }] : []),
    ...(opts.peerDoors?.targets.length
      ? [
          {
            static_configs: [{ targets: opts.peerDoors.targets }],
            authorization: { credentials_file: opts.peerDoors.credentialsFile },
          },
        ]
      : []),
  ];
  if (opts.peerDoors?.targets.length)
    doc.scrape_configs.push({
      job_name: "prometheus-peer",
      metrics_path: "/metrics",
      authorization: { credentials_file: opts.peerDoors.credentialsFile },
      static_configs: [{ targets: opts.peerDoors.targets, labels: { host } }],
    });
  doc.alerting = alertmanagers.length ? { ...doc.alerting, alertmanagers } : undefined;
  if (!doc.alerting) delete doc.alerting;
  return stringify(doc);
}

/** Prometheus notices a changed config or rule file within a second; compose passes the same flags. */
export const PROMETHEUS_AUTO_RELOAD = ["--config.auto-reload", "--config.auto-reload-interval=1s"];

/** The compose stack passes the same flag (see startPrometheus). */
export const PROMETHEUS_RESEND_DELAY = "15s";

export async function startPrometheus(opts: {
  dir: string;
  port: number;
  config: string;
  logFile?: string;
  /**
   * How often firing alerts are sent to Alertmanager again. Prometheus drops the alerts of the
   * rule evaluations that run before it has discovered its Alertmanagers (up to 5 s after start)
   * and sends them again only after this delay: with its default of 1 minute, a fresh stack's
   * first notifications arrived ~70 s after start; with 15 s (one evaluation interval), ~30 s.
   * Alertmanager deduplicates the repeats; alerts then expire 60 s after Prometheus stops sending.
   */
  resendDelay?: string;
  extraArgs?: string[];
}): Promise<{ proc: Proc; url: string }> {
  await mkdir(join(opts.dir, "data"), { recursive: true });
  const configFile = join(opts.dir, "prometheus.yml");
  writeFileSync(configFile, opts.config);
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "prometheus",
    BIN.prometheus,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(opts.dir, "data")}`,
      `--web.listen-address=127.0.0.1:${opts.port}`,
      `--rules.alert.resend-delay=${opts.resendDelay ?? PROMETHEUS_RESEND_DELAY}`,
      // The apps' request metrics, pushed by OpsDeck's preload over OTLP (instrument/).
      "--web.enable-otlp-receiver",
      // A rule file the portal writes is loaded within a second, without opening the lifecycle
      // API (/-/reload) to anyone: Prometheus re-reads its config and rule files when they change.
      ...PROMETHEUS_AUTO_RELOAD,
      ...(opts.extraArgs ?? []),
    ],
    { logFile: opts.logFile },
  );
  await waitUntil("prometheus", () => httpOk(`${url}/-/ready`), { proc, timeoutMs: 60_000 });
  return { proc, url };
}

/**
 * A Prometheus of OpsDeck's config on a free port, scraping itself (and `agents`' hosts): the
 * central Prometheus of a test. Options go to renderPrometheusConfig and startPrometheus.
 */
export async function startTestPrometheus(opts: {
  dir: string;
  /** Default: a free one. */
  port?: number;
  alertmanagers?: string[];
  scrapeInterval?: string;
  ruleFiles?: string[];
  agents?: AgentScrape;
  probes?: { targetsDir: string; blackbox: string };
  databases?: DatabaseScrape;
  /** More of the config's jobs to scrape, by job name (e.g. node: a node-exporter's textfile series). */
  targets?: Record<string, string[]>;
  resendDelay?: string;
  extraArgs?: string[];
  /** One of a Prometheus pair (renderPrometheusConfig). */
  replica?: string;
}): Promise<{ proc: Proc; url: string }> {
  const port = opts.port ?? (await freePort());
  return startPrometheus({
    dir: opts.dir,
    port,
    config: await renderPrometheusConfig({
      source: join(REPO, "provisioning/prometheus/prometheus.yml"),
      targets: { ...opts.targets, prometheus: [`127.0.0.1:${port}`] },
      alertmanagers: opts.alertmanagers,
      scrapeInterval: opts.scrapeInterval,
      ruleFiles: opts.ruleFiles,
      agents: opts.agents,
      probes: opts.probes,
      databases: opts.databases,
      replica: opts.replica,
    }),
    resendDelay: opts.resendDelay,
    extraArgs: opts.extraArgs,
  });
}

export async function startNodeExporter(opts: {
  port: number;
  logFile?: string;
  /** An agent's: basic auth (and TLS) from this file, in the exporter toolkit's format. */
  webConfigFile?: string;
  /** Credentials for the readiness check, with a web config. */
  auth?: { username: string; password: string };
  /** The central host's: series from the *.prom files here (the probes' slow thresholds). */
  textfileDir?: string;
}): Promise<{ proc: Proc; url: string }> {
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "node-exporter",
    BIN.nodeExporter,
    [
      `--web.listen-address=127.0.0.1:${opts.port}`,
      ...(opts.webConfigFile ? [`--web.config.file=${opts.webConfigFile}`] : []),
      "--collector.disable-defaults",
      ...NODE_COLLECTORS.map((c) => `--collector.${c}`),
      ...(opts.textfileDir ? ["--collector.textfile", `--collector.textfile.directory=${opts.textfileDir}`] : []),
    ],
    { logFile: opts.logFile },
  );
  await waitUntil("node-exporter", () => httpOk(`${url}/metrics`, { headers: basicAuthHeader(opts.auth) }), {
    proc,
  });
  return { proc, url };
}

/** The Authorization header for basic auth; none without credentials. */
export const basicAuthHeader = (auth?: { username: string; password: string }): Record<string, string> =>
  auth ? { authorization: `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString("base64")}` } : {};

/**
 * What the host alert rules, the portal and the Host dashboard read; the rest of the defaults
 * only add series. The compose stack's node-exporter runs with the same list.
 */
export const NODE_COLLECTORS = [
  "cpu",
  "meminfo",
  "loadavg",
  "filesystem",
  "diskstats",
  "netdev",
  "netstat",
  "time",
  "timex",
  "uname",
  "stat",
  "vmstat",
  "pressure",
  "filefd",
  "sockstat",
  "os",
];

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** Runs an instant PromQL query. */
export async function promQuery(url: string, query: string): Promise<PromSample[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(query)}`, {
    signal: AbortSignal.timeout(5000),
  });
  const body = (await res.json()) as { status: string; error?: string; data: { result: PromSample[] } };
  if (body.status !== "success") throw new Error(`${query}: ${body.error}`);
  return body.data.result;
}
