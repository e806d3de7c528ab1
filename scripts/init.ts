// The compose stack's one-shot `init` job (docker-compose.monitoring.yml runs `node dist/init.mjs`):
//   1. renders Prometheus' and Alertmanager's configs for the compose network from the same
//      files and code the native stack uses (the notifier's token in a file only Alertmanager mounts;
//      the other hosts' target files, and the password Prometheus sends their agents; the
//      databases' exporters' credentials, each in a volume only that exporter and init mount);
//   2. Elasticsearch, as `elastic` (the one holder of its password): OpsDeck's users and roles,
//      kibana_system's password, the index templates and ILM retention;
//   3. checks Grafana's provisioning (the datasources and dashboards it will load);
// and, as `node dist/init.mjs kibana` (compose's kibana-setup, which nothing waits for), imports
// Kibana's saved objects once Kibana is up: a slow or stopped Kibana holds up only itself.
// Idempotent: every step overwrites with the same result, so running it twice changes nothing.
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { parse as parseYaml } from "yaml";
import { DATABASE_TYPES, loadConfig, type Config } from "@opsdeck/core";
import {
  COMPOSE_EXPORTERS,
  DATABASE_EXPORTER_USER,
  exporterWebConfig,
  reachedFrom,
  writeDatabaseFiles,
} from "@opsdeck/core/databases/exporters";
import { esClient, initElasticsearch } from "@opsdeck/core/elastic";
import { elasticReason, waitUntilElasticsearchReady } from "@opsdeck/core/elastic-ready";
import { applySecurity } from "@opsdeck/core/elastic-security";
import { mergeHosts, readHostsFile } from "@opsdeck/core/hosts/host-list";
import { replaceFile } from "@opsdeck/core/atomic-file";
import { haCertificateSeries, readHaCertificates } from "@opsdeck/core/ha-certificates";
import { probeTextfileDir, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import {
  prepareAgentScrape,
  REPO,
  renderAlertmanagerConfig,
  renderPrometheusConfig,
  type DatabaseScrape,
} from "@opsdeck/stack";
import { committedDashboards } from "../provisioning/grafana/src/dashboards.ts";
import { lintDashboard } from "../provisioning/grafana/src/lint.ts";
import { importSavedObjects } from "../provisioning/kibana/import-objects.ts";
import { savedObjects, toNdjson } from "../provisioning/kibana/saved-objects.ts";

/**
 * The checkout (or the image's /opsdeck) whose provisioning files the job reads. Bundled into
 * dist/init.mjs, the modules' own import.meta.url no longer says where that is: OPSDECK_HOME does.
 */
const ROOT = process.env.OPSDECK_HOME ?? REPO;

export interface InitOptions {
  config: Config;
  /** opsdeck.yml's directory: its relative paths start there. */
  configDir: string;
  env: NodeJS.ProcessEnv;
  /** Where Prometheus' and Alertmanager's rendered configs go (two volumes in compose). */
  prometheusDir: string;
  alertmanagerDir: string;
  /** The Rules page's rule files and the shipped rules' copies with its overrides (compose's alert-rules volume). */
  rulesDir: string;
  /** Where opsdeck.yml's probe header values go: a volume only init and blackbox mount. */
  probeSecretsDir: string;
  /** Where each database exporter's credentials go (<dir>/<type>: a volume only it and init mount). */
  databaseSecretsDir: string;
  log?: (line: string) => void;
}

/** Where Prometheus finds each job in compose; host tools (node-exporter, PM2 exporter) via the host gateway. */
export function composeTargets(hostAddress: string, nodeExporterPort: string) {
  return {
    prometheus: ["localhost:9090"],
    node: [`${hostAddress}:${nodeExporterPort}`],
    pm2: [`${hostAddress}:9209`],
    deploy: ["deploy-exporter:9470"],
    business: ["business-exporter:9471"],
    alertmanager: ["alertmanager:9093"],
    notifier: ["notifier:8060"],
    elasticsearch: ["elasticsearch-exporter:9114"],
    blackbox: ["blackbox-exporter:9115"],
  };
}

const need = (env: NodeJS.ProcessEnv, name: string) => {
  const value = env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
};

type Say = (line: string) => void;

/**
 * opsdeck.yml's databases: each type's exporter gets its monitoring users' passwords and web
 * config (the hash of OPSDECK_DATABASE_EXPORTER_PASSWORD) in its own volume, Prometheus their
 * targets and that password. A database on this server's loopback is reached at the host gateway.
 */
function databaseScrape(o: InitOptions, targetsDir: string, say: Say): DatabaseScrape | undefined {
  const hostAddress = o.env.OPSDECK_HOST_SCRAPE ?? "host.docker.internal";
  const databases = o.config.databases.map((d) => reachedFrom(d, hostAddress));
  // The exporters' images run as nobody (postgres, mysql) and 59000 (redis); each volume is theirs alone.
  const secretsDir = (type: string) => join(o.databaseSecretsDir, type);
  writeDatabaseFiles({ secretsDir, targetsDir, fileMode: 0o644 }, databases);
  const types = DATABASE_TYPES.filter((type) => databases.some((d) => d.type === type));
  if (!types.length) return undefined;
  const password = o.env.OPSDECK_DATABASE_EXPORTER_PASSWORD;
  if (!password)
    throw new Error(
      "set OPSDECK_DATABASE_EXPORTER_PASSWORD in .env: opsdeck.yml lists databases, and only Prometheus may ask their exporters",
    );
  for (const type of types.filter((t) => t !== "redis"))
    writeFileSync(join(secretsDir(type), "web.yml"), exporterWebConfig(password), { mode: 0o644 });
  const passwordFile = join(o.prometheusDir, "database-exporters.password");
  writeFileSync(passwordFile, password);
  chmodSync(passwordFile, 0o644); // Prometheus' image runs as nobody; only it mounts this volume
  for (const type of types) {
    const listed = databases.filter((d) => d.type === type);
    const moved = o.config.databases.filter((d) => d.type === type && reachedFrom(d, hostAddress) !== d);
    say(
      `${type}: ${listed.map((d) => d.name).join(", ")} through ${COMPOSE_EXPORTERS[type].split(":")[0]} (compose profile "${type}")` +
        (moved.length
          ? `; ${moved.map((d) => `${d.name} at ${d.address} is reached as ${hostAddress}`).join(", ")}`
          : ""),
    );
  }
  return {
    targetsDir,
    exporters: Object.fromEntries(types.map((type) => [type, COMPOSE_EXPORTERS[type]])),
    username: DATABASE_EXPORTER_USER,
    passwordFile,
  };
}

/**
 * docker-compose.ha.yml: this Prometheus is one of a pair (OPSDECK_PROMETHEUS_REPLICA, its
 * external label) and sends every alert to the other servers' Alertmanagers too, through their
 * peer doors (OPSDECK_ALERTMANAGER_PEERS: host[:port], …; 9093 by default), with the bearer token
 * they check.
 */
export function highAvailability(o: InitOptions, say: Say) {
  const replica = o.env.OPSDECK_PROMETHEUS_REPLICA || undefined;
  const peers = (o.env.OPSDECK_ALERTMANAGER_PEERS ?? "")
    .split(",")
    .map((peer) => peer.trim())
    .filter(Boolean)
    .map((peer) => {
      if (!/^[A-Za-z0-9.-]+(:\d{1,5})?$/.test(peer))
        throw new Error(`OPSDECK_ALERTMANAGER_PEERS: "${peer}" is not a host or host:port (e.g. 10.0.0.6)`);
      return peer.includes(":") ? peer : `${peer}:9093`;
    });
  if (!peers.length) {
    if (replica) say(`prometheus: replica "${replica}" of a pair`);
    return { replica };
  }
  const token = need(o.env, "OPSDECK_HA_TOKEN");
  if (token.length < 32) throw new Error("OPSDECK_HA_TOKEN: at least 32 characters (openssl rand -hex 24)");
  const credentialsFile = join(o.prometheusDir, "alertmanager-peers.token");
  writeFileSync(credentialsFile, token);
  chmodSync(credentialsFile, 0o644); // Prometheus' image runs as nobody; only it mounts this volume
  say(
    `prometheus: replica "${replica ?? "(none)"}", alerts also to (and the pair's other scraped at) ${peers.join(", ")}`,
  );
  return { replica, peerDoors: { targets: peers, credentialsFile } };
}

/**
 * docker-compose.ha.yml: when this server's certificate and the servers' CA (ha-certs' volume,
 * OPSDECK_HA_CERTS_DIR) expire, for node-exporter's textfile collector (HACertificateExpiring).
 * Without it, no such series: a file left from an HA layout is removed.
 */
export function haCertificates(o: InitOptions, targetsDir: string, say: Say) {
  const file = join(probeTextfileDir(targetsDir), "ha-certificates.prom");
  const dir = o.env.OPSDECK_HA_CERTS_DIR;
  if (!dir) {
    rmSync(file, { force: true });
    return;
  }
  const facts = readHaCertificates(dir);
  mkdirSync(dirname(file), { recursive: true });
  // node-exporter's image runs as nobody.
  replaceFile(file, haCertificateSeries(facts), 0o644);
  const until = (f: (typeof facts)[number]) =>
    `${f.certificate} (${f.subject}) until ${f.notAfter.toISOString().slice(0, 10)}`;
  say(`ha-certs: valid ${facts.map(until).join(", ")}`);
}

/** 1. Prometheus' and Alertmanager's configs for the compose network. */
export async function renderConfigs(o: InitOptions, say: Say) {
  const { env } = o;
  const host = need(env, "OPSDECK_HOST_NAME");
  mkdirSync(o.prometheusDir, { recursive: true });
  // The probes' blackbox modules, targets and thresholds, in the targets volume that
  // blackbox-exporter, node-exporter and Prometheus read.
  const targetsDir = resolve(o.configDir, o.config.agents.targets_dir);
  const hosts = mergeHosts(o.config.hosts, readHostsFile(resolve(o.configDir, o.config.agents.hosts_file)));
  // Header values go to a volume only init and blackbox mount; blackbox's image runs as nobody.
  writeProbeFiles(
    { targetsDir, source: "opsdeck", secretsDir: o.probeSecretsDir, secretFileMode: 0o644 },
    o.config.probes,
    hosts,
  );
  haCertificates(o, targetsDir, say);
  writeFileSync(
    join(o.prometheusDir, "prometheus.yml"),
    await renderPrometheusConfig({
      source: join(ROOT, "provisioning/prometheus/prometheus.yml"),
      targets: composeTargets(env.OPSDECK_HOST_SCRAPE ?? "host.docker.internal", env.NODE_EXPORTER_PORT ?? "9100"),
      alertmanagers: ["alertmanager:9093"],
      ...highAvailability(o, say),
      host,
      agents: prepareAgentScrape({
        config: o.config,
        baseDir: o.configDir,
        prometheusDir: o.prometheusDir,
        // Prometheus' image runs as nobody, and nothing else mounts this volume.
        passwordFileMode: 0o644,
      }),
      probes: { targetsDir, blackbox: "blackbox-exporter:9115" },
      databases: databaseScrape(o, targetsDir, say),
      // The volume the portal writes the Rules page's rule files to (compose's alert-rules), and
      // where the shipped rules are copied with the page's overrides.
      portalRulesDir: o.rulesDir,
    }),
  );
  say(`prometheus: config for host "${host}", ${hosts.length} other host(s) and ${o.config.probes.length} probe(s)`);
  mkdirSync(o.alertmanagerDir, { recursive: true });
  const tokenFile = join(o.alertmanagerDir, "notifier-token");
  writeFileSync(tokenFile, need(env, "OPSDECK_NOTIFIER_TOKEN"));
  // Alertmanager's image runs as nobody: it must read the token, nobody else mounts this volume.
  chmodSync(tokenFile, 0o644);
  writeFileSync(
    join(o.alertmanagerDir, "alertmanager.yml"),
    await renderAlertmanagerConfig({
      source: join(ROOT, "alertmanager/alertmanager.yml"),
      notifierUrl: "http://notifier:8060",
      tokenFile,
    }),
  );
  say("alertmanager: config with the notifier's token file");
}

/** 2. Elasticsearch, as elastic: users and roles, kibana_system's password, templates and retention. */
export async function setUpElasticsearch(o: InitOptions, say: Say) {
  const { env } = o;
  const admin = esClient({
    ...o.config,
    elasticsearch: {
      ...o.config.elasticsearch,
      username: "elastic",
      password: need(env, "ELASTIC_PASSWORD"),
      api_key: undefined,
    },
  });
  const status = await waitUntilElasticsearchReady(admin, Number(env.OPSDECK_INIT_ES_TIMEOUT_MS ?? 120_000));
  say(`elasticsearch: ready (${status})`);
  const prefix = o.config.elasticsearch.index_prefix;
  for (const line of await applySecurity(admin, prefix, env, need(env, "KIBANA_SYSTEM_PASSWORD")))
    say(`elasticsearch: ${line}`);
  for (const line of await initElasticsearch(admin, o.config.elasticsearch)) say(`elasticsearch: ${line}`);
}

/** 3. Grafana: what it will provision parses and passes the lint. */
export function checkGrafana(say: Say) {
  const datasources = parseYaml(readFileSync(join(ROOT, "provisioning/grafana/datasources/opsdeck.yml"), "utf8")) as {
    datasources: unknown[];
  };
  const dashboards = committedDashboards(join(ROOT, "provisioning/grafana/dashboards"));
  const problems = dashboards.flatMap(({ json }) => lintDashboard(json));
  if (problems.length) throw new Error(`grafana: the dashboards do not pass the lint:\n  ${problems.join("\n  ")}`);
  say(`grafana: ${datasources.datasources.length} datasources and ${dashboards.length} dashboards to provision`);
}

/** 4. Kibana's saved objects, once Kibana is up. */
export async function importKibana(o: InitOptions, say: Say) {
  const { env } = o;
  const kibana = need(env, "KIBANA_URL");
  const { imported } = await importSavedObjects({
    url: kibana,
    username: "elastic",
    password: need(env, "ELASTIC_PASSWORD"),
    ndjson: toNdjson(savedObjects(o.config.elasticsearch.index_prefix)),
    timeoutMs: Number(env.OPSDECK_INIT_KIBANA_TIMEOUT_MS ?? 600_000),
    log: o.log,
  });
  say(`kibana: ${imported} saved objects imported`);
}

export async function runInit(o: InitOptions): Promise<string[]> {
  const report: string[] = [];
  const say = (line: string) => {
    report.push(line);
    o.log?.(line);
  };
  await renderConfigs(o, say);
  await setUpElasticsearch(o, say);
  checkGrafana(say);
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const kibana = process.argv[2] === "kibana";
  // kibana-setup reads only what the Kibana import needs: none of the databases' passwords.
  const { config, file } = loadConfig({ reader: kibana ? "import-logs" : "init" });
  const rendered = process.env.OPSDECK_RENDERED_DIR ?? "/opsdeck/rendered";
  const options: InitOptions = {
    config,
    configDir: dirname(file),
    env: process.env,
    prometheusDir: join(rendered, "prometheus"),
    alertmanagerDir: join(rendered, "alertmanager"),
    rulesDir: join(rendered, "rules"),
    probeSecretsDir: join(rendered, "probe-secrets"),
    databaseSecretsDir: join(rendered, "database-secrets"),
    log: (line) => console.log(`init: ${line}`),
  };
  const job = kibana ? importKibana(options, options.log!) : runInit(options);
  job.then(
    () => console.log("init: done"),
    (err: unknown) => {
      console.error(`init: ${elasticReason(err)}`);
      process.exit(1);
    },
  );
}
