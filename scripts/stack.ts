// `npm start`: the whole OpsDeck stack natively on 127.0.0.1, no Docker. Starts node-exporter,
// a PM2 daemon with the demo shop, the three exporters, the notifier and Alertmanager, Prometheus,
// Elasticsearch (templates and retention applied) and the portal; waits until each is
// healthy (or says which failed and why); prints the URLs; Ctrl-C stops everything it started.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  ConfigError,
  configPath,
  demoProbes,
  elasticsearchUrl,
  hashPassword,
  isWeakHash,
  loadConfig,
  READERS,
  readYaml,
  referencedVariables,
  DATABASE_TYPES,
  type DatabaseType,
  type Reader,
} from "@opsdeck/core";
import { esClient, hasIlm, initElasticsearch, pruneIndices } from "@opsdeck/core/elastic";
import { mergeHosts, readHostsFile } from "@opsdeck/core/hosts/host-list";
import { blackboxConfigFile, probeTextfileDir, writeProbeFiles } from "@opsdeck/core/probes/blackbox";
import { DATABASE_EXPORTER_USER, writeDatabaseFiles } from "@opsdeck/core/databases/exporters";
import {
  REPO,
  canBind,
  freePort,
  reservePorts,
  startElasticsearchExporter,
  startElasticsearchFront,
  startFilebeat,
  pm2,
  renderAlertmanagerConfig,
  startAlertmanager,
  launchNotifier,
  launchPortal,
  renderPrometheusConfig,
  BIN,
  prepareAgentScrape,
  launchExporter,
  startNodeExporter,
  startBlackbox,
  startDatabaseExporter,
  startElasticsearch,
  startPrometheus,
  startFrontDoor,
  findGrafana,
  startGrafana,
  stopAll,
  waitUntil,
  type Proc,
} from "@opsdeck/stack";

const SECRETS = [
  "OPSDECK_DEPLOY_TOKEN",
  "OPSDECK_BUSINESS_TOKEN",
  "OPSDECK_AXI_TOKEN",
  "OPSDECK_NOTIFIER_TOKEN",
  "OPSDECK_MAINTENANCE_TOKEN",
  "OPSDECK_GITHUB_SECRET",
  "OPSDECK_PORTAL_SESSION_SECRET",
  "OPSDECK_PORTAL_ADMIN_PASSWORD",
  "OPSDECK_GRAFANA_ADMIN_PASSWORD",
  // The portal signs recovery actions (restart, reload, …) with it; the PM2 exporter checks them.
  "OPSDECK_PM2_ACTIONS_KEY",
  // Prometheus' password on the other hosts' agents (they hold its bcrypt hash: npm run agent-credentials).
  "OPSDECK_AGENT_PASSWORD",
];

/** Tokens from the environment, or generated once into <dir>/secrets.env (mode 600). */
async function loadSecrets(dir: string): Promise<Record<string, string>> {
  const file = join(dir, "secrets.env");
  const saved: Record<string, string> = {};
  if (existsSync(file))
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^([A-Z_]+)=(.*)$/.exec(line);
      if (m) saved[m[1]] = m[2];
    }
  const out: Record<string, string> = {};
  for (const k of SECRETS) out[k] = process.env[k] || saved[k] || randomBytes(24).toString("base64url");
  // The portal's first user, "admin", signs in with this password; opsdeck.yml holds its hash.
  out.OPSDECK_PORTAL_ADMIN_HASH =
    saved.OPSDECK_PORTAL_ADMIN_HASH &&
    !isWeakHash(saved.OPSDECK_PORTAL_ADMIN_HASH) &&
    out.OPSDECK_PORTAL_ADMIN_PASSWORD === saved.OPSDECK_PORTAL_ADMIN_PASSWORD
      ? saved.OPSDECK_PORTAL_ADMIN_HASH
      : await hashPassword(out.OPSDECK_PORTAL_ADMIN_PASSWORD);
  writeFileSync(
    file,
    Object.entries(out)
      .map(([k, v]) => `${k}=${v}`)
      .join("\n") + "\n",
    { mode: 0o600 },
  );
  return out;
}

async function main() {
  const file = configPath() ?? join(REPO, "opsdeck.example.yml");
  const stackDir = resolve(REPO, process.env.OPSDECK_STACK_DIR ?? ".opsdeck");
  mkdirSync(join(stackDir, "logs"), { recursive: true });
  const secrets = await loadSecrets(stackDir);
  const own = {
    OPSDECK_DATA_DIR: join(stackDir, "data"),
    PM2_HOME: join(stackDir, "pm2"),
    // Prometheus reads the hosts' target files here; the portal rewrites them.
    OPSDECK_TARGETS_DIR: join(stackDir, "data", "targets"),
    // …and the rule files of the Rules page.
    OPSDECK_RULES_DIR: join(stackDir, "data", "rules"),
  };
  const env: NodeJS.ProcessEnv = { ...process.env, ...secrets, ...own };
  const { config } = loadConfig({ argv: ["--config", file], env });
  // Each child gets the environment without any secret, plus what its own parts of the file
  // refer to: the notifier never holds the portal's session secret, Prometheus holds none.
  for (const name of [...SECRETS, "OPSDECK_PORTAL_ADMIN_HASH"]) delete process.env[name];
  const fileTree = readYaml(readFileSync(file, "utf8"), file);
  const envFor = (reader: Reader) => ({
    ...process.env,
    ...own,
    ...Object.fromEntries(
      referencedVariables(fileTree, READERS[reader]).flatMap((name) =>
        env[name] === undefined ? [] : [[name, env[name]]],
      ),
    ),
  });
  const { exporters: ex, stack, notifier, portal } = config;
  const runEs = stack.elasticsearch.enabled && !config.elasticsearch.url;
  // Elasticsearch's health is watched whenever there is one to watch.
  const esExporter = runEs || config.elasticsearch.url !== undefined;
  const frontDoor = portal.enabled && stack.front_door.enabled;
  // The databases' exporters: one per type opsdeck.yml lists.
  const databaseTypes = DATABASE_TYPES.filter((type) => config.databases.some((d) => d.type === type));
  const databaseExporterPorts: Record<DatabaseType, number> = {
    postgres: stack.database_exporters.postgres_port,
    mysql: stack.database_exporters.mysql_port,
    redis: stack.database_exporters.redis_port,
  };
  const log = (name: string) => join(stackDir, "logs", `${name}.log`);
  const url = (port: number) => `http://127.0.0.1:${port}`;

  const ports: [string, number][] = [
    ["node-exporter", stack.node_exporter.port],
    ["blackbox exporter", stack.blackbox_exporter.port],
    ["pm2 exporter", ex.pm2.port],
    ["deploy exporter", ex.deploy.port],
    ["business exporter", ex.business.port],
    ["prometheus", stack.prometheus.port],
    ...(notifier.enabled
      ? ([
          ["notifier", notifier.port],
          ["alertmanager", stack.alertmanager.port],
        ] as [string, number][])
      : []),
    ...(portal.enabled ? ([["portal", portal.port]] as [string, number][]) : []),
    ...(frontDoor ? ([["front door", stack.front_door.port]] as [string, number][]) : []),
    ...(runEs ? ([["elasticsearch", stack.elasticsearch.port]] as [string, number][]) : []),
    ...(esExporter ? ([["elasticsearch exporter", stack.elasticsearch_exporter.port]] as [string, number][]) : []),
    ...(stack.filebeat.enabled ? ([["filebeat", stack.filebeat.http_port]] as [string, number][]) : []),
    ...databaseTypes.map((type): [string, number] => [`${type} exporter`, databaseExporterPorts[type]]),
  ];
  for (const [name, port] of ports)
    if (!(await canBind(port)))
      throw new Error(
        `port ${port} (${name}) is already in use on 127.0.0.1: stop what holds it, or change its port in ${file}`,
      );
  // Not yet bound: the ports this start-up picks for itself (Elasticsearch's transport) avoid them.
  reservePorts([...ports.map(([, port]) => port), stack.demo_shop.port]);

  const procs: Proc[] = [];
  /** In-process servers (the Elasticsearch front), closed after the processes stop. */
  const closers: (() => Promise<void>)[] = [];
  let pm2Started = false;
  const stop = async () => {
    await stopAll(procs);
    for (const close of closers) await close();
    if (pm2Started) await pm2(own.PM2_HOME, ["kill"]).catch(() => undefined);
  };
  let stopping = false;
  const onSignal = async () => {
    if (stopping) return;
    stopping = true;
    console.log("\nstopping the OpsDeck stack…");
    await stop();
    console.log("stopped.");
    process.exit(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  const step = async (name: string, fn: () => Promise<void>) => {
    process.stdout.write(`starting ${name}… `);
    const t = Date.now();
    await fn();
    console.log(`ok (${Date.now() - t} ms)`);
  };

  try {
    console.log(`OpsDeck native stack — config ${file}, state in ${stackDir}`);
    // The probes' blackbox modules and Prometheus targets, beside the agents' target files.
    const probes = {
      targetsDir: resolve(dirname(file), config.agents.targets_dir),
      blackbox: `127.0.0.1:${stack.blackbox_exporter.port}`,
    };
    // The demo probes OpsDeck's own front door when opsdeck.yml lists no probe.
    const probeList =
      stack.demo && frontDoor && config.probes.length === 0 ? demoProbes(url(stack.front_door.port)) : config.probes;
    // opsdeck.yml's header values in files only blackbox reads (the portal writes its own probes).
    writeProbeFiles(
      { targetsDir: probes.targetsDir, source: "opsdeck", secretsDir: join(stackDir, "probe-secrets") },
      probeList,
      mergeHosts(config.hosts, readHostsFile(resolve(dirname(file), config.agents.hosts_file))),
    );
    await step("node-exporter", async () => {
      const node = await startNodeExporter({
        port: stack.node_exporter.port,
        logFile: log("node-exporter"),
        textfileDir: probeTextfileDir(probes.targetsDir),
      });
      procs.push(node.proc);
    });
    await step(`blackbox exporter (${probeList.length} probes)`, async () => {
      procs.push(
        (
          await startBlackbox({
            port: stack.blackbox_exporter.port,
            configFile: blackboxConfigFile(probes.targetsDir),
            logFile: log("blackbox-exporter"),
          })
        ).proc,
      );
    });
    // opsdeck.yml's databases: their exporters' credentials (files only they read) and targets.
    const databaseSecrets = join(stackDir, "database-secrets");
    writeDatabaseFiles({ secretsDir: () => databaseSecrets, targetsDir: probes.targetsDir }, config.databases);
    // Only Prometheus may ask them (a new password each start, in a file only Prometheus reads).
    const databaseScrape = {
      password: randomBytes(24).toString("base64url"),
      passwordFile: join(stackDir, "database-exporters.password"),
    };
    writeFileSync(databaseScrape.passwordFile, databaseScrape.password, { mode: 0o600 });
    for (const type of databaseTypes)
      await step(`${type} exporter (${config.databases.filter((d) => d.type === type).length} databases)`, async () => {
        procs.push(
          (
            await startDatabaseExporter(type, {
              secretsDir: databaseSecrets,
              scrapePassword: databaseScrape.password,
              port: databaseExporterPorts[type],
              logFile: log(`${type}-exporter`),
            })
          ).proc,
        );
      });
    const cfg = (reader: Reader) => ({ configFile: file, env: envFor(reader) });
    if (runEs)
      await step("elasticsearch", async () => {
        const es = await startElasticsearch({
          dir: join(stackDir, "elasticsearch"),
          port: stack.elasticsearch.port,
          heapMb: stack.elasticsearch.heap_mb,
          logFile: log("elasticsearch"),
          // scripts/backup.sh snapshots OpsDeck's indices into a repository here.
          snapshotDir: join(stackDir, "elasticsearch", "snapshots"),
        });
        procs.push(es.proc);
      });
    await step("elasticsearch templates and retention", async () => {
      const client = esClient(config);
      await initElasticsearch(client, config.elasticsearch);
      // Without ILM, retention is this process deleting indices past their date, twice a day.
      if (!(await hasIlm(client)))
        setInterval(
          () =>
            void pruneIndices(client, config.elasticsearch).catch((e: Error) =>
              console.error(`retention: ${e.message}`),
            ),
          12 * 3600_000,
        ).unref();
    });
    if (ex.deploy.enabled)
      await step("deploy exporter", async () => {
        procs.push(
          await launchExporter("deploy", {
            ...cfg("deploy-exporter"),
            url: url(ex.deploy.port),
            logFile: log("deploy-exporter"),
          }),
        );
      });
    if (ex.business.enabled)
      await step("business exporter", async () => {
        procs.push(
          await launchExporter("business", {
            ...cfg("business-exporter"),
            url: url(ex.business.port),
            logFile: log("business-exporter"),
          }),
        );
      });
    if (ex.pm2.enabled)
      await step("PM2 daemon" + (stack.demo ? " with the demo shop" : ""), async () => {
        await pm2(own.PM2_HOME, ["ping"]);
        pm2Started = true;
        if (stack.demo)
          // The demo apps get the business exporter's address and token, and no other secret; the
          // shop its port and where OpsDeck's preload sends its request metrics (Prometheus' OTLP).
          await pm2(own.PM2_HOME, ["startOrReload", join(REPO, "demo/ecosystem.config.cjs")], {
            timeoutMs: 120_000,
            env: {
              OPSDECK_BUSINESS_PORT: String(ex.business.port),
              OPSDECK_BUSINESS_TOKEN: ex.business.token,
              OPSDECK_DEMO_SHOP_PORT: String(stack.demo_shop.port),
              OPSDECK_PROMETHEUS_PORT: String(stack.prometheus.port),
              ...(frontDoor ? { OPSDECK_FRONT_DOOR_URL: url(stack.front_door.port) } : {}),
            },
          });
      });
    if (ex.pm2.enabled)
      await step("pm2 exporter", async () => {
        procs.push(
          await launchExporter("pm2", { ...cfg("pm2-exporter"), url: url(ex.pm2.port), logFile: log("pm2-exporter") }),
        );
      });
    if (notifier.enabled) {
      await step("notifier", async () => {
        procs.push(await launchNotifier({ ...cfg("notifier"), url: url(notifier.port), logFile: log("notifier") }));
      });
      await step("alertmanager", async () => {
        const tokenFile = join(stackDir, "notifier.token");
        writeFileSync(tokenFile, notifier.token ?? "", { mode: 0o600 });
        const config = await renderAlertmanagerConfig({
          source: join(REPO, "alertmanager/alertmanager.yml"),
          notifierUrl: url(notifier.port),
          tokenFile,
        });
        const am = await startAlertmanager({
          dir: join(stackDir, "alertmanager"),
          port: stack.alertmanager.port,
          config,
          logFile: log("alertmanager"),
        });
        procs.push(am.proc);
      });
    }
    const target = (on: boolean, port: number) => (on ? [`127.0.0.1:${port}`] : []);
    await step("prometheus", async () => {
      const promConfig = await renderPrometheusConfig({
        source: join(REPO, "provisioning/prometheus/prometheus.yml"),
        targets: {
          prometheus: target(true, stack.prometheus.port),
          node: target(true, stack.node_exporter.port),
          pm2: target(ex.pm2.enabled, ex.pm2.port),
          deploy: target(ex.deploy.enabled, ex.deploy.port),
          business: target(ex.business.enabled, ex.business.port),
          alertmanager: target(notifier.enabled, stack.alertmanager.port),
          notifier: target(notifier.enabled, notifier.port),
          elasticsearch: target(esExporter, stack.elasticsearch_exporter.port),
          blackbox: target(true, stack.blackbox_exporter.port),
        },
        alertmanagers: target(notifier.enabled, stack.alertmanager.port),
        agents: prepareAgentScrape({ config, baseDir: dirname(file), prometheusDir: join(stackDir, "prometheus") }),
        probes,
        // The Rules page's rule files (one per group), beside the shipped ones.
        portalRulesDir: resolve(dirname(file), portal.rules.dir),
        databases: {
          targetsDir: probes.targetsDir,
          username: DATABASE_EXPORTER_USER,
          passwordFile: databaseScrape.passwordFile,
          exporters: Object.fromEntries(
            databaseTypes.map((type) => [type, `127.0.0.1:${databaseExporterPorts[type]}`]),
          ),
        },
      });
      const p = await startPrometheus({
        dir: join(stackDir, "prometheus"),
        port: stack.prometheus.port,
        config: promConfig,
        logFile: log("prometheus"),
        // TSDB snapshots for scripts/backup.sh (Prometheus listens on 127.0.0.1 only), and push
        // hosts' remote write (reached from outside only through the front door's token check).
        extraArgs: ["--web.enable-admin-api", "--web.enable-remote-write-receiver"],
      });
      procs.push(p.proc);
    });
    // Filebeat and the exporter ask `GET /`, which the native stack's Elasticsearch (the test
    // distribution) refuses: they connect through a front that answers it.
    let shipTo = elasticsearchUrl(config);
    if (stack.filebeat.enabled || esExporter)
      await step("elasticsearch front (GET /)", async () => {
        const front = await startElasticsearchFront({ upstream: shipTo, port: await freePort() });
        closers.push(front.close);
        shipTo = front.url;
      });
    if (esExporter)
      await step("elasticsearch exporter", async () => {
        const exporter = await startElasticsearchExporter({
          url: shipTo,
          port: stack.elasticsearch_exporter.port,
          logFile: log("elasticsearch-exporter"),
        });
        procs.push(exporter.proc);
      });
    if (stack.filebeat.enabled)
      await step("filebeat", async () => {
        const fb = await startFilebeat({
          dataDir: join(stackDir, "filebeat"),
          httpPort: stack.filebeat.http_port,
          logFile: log("filebeat"),
          paths: {
            pm2Home: own.PM2_HOME,
            nginxLogDir: stack.filebeat.nginx_log_dir,
            opsdeckLogDir: join(stackDir, "logs"),
            elasticsearchUrl: shipTo,
            indexPrefix: config.elasticsearch.index_prefix,
          },
        });
        procs.push(fb.proc);
      });
    if (stack.demo && ex.deploy.enabled)
      await step("sample deploys", () => seedDeploys(url(ex.deploy.port), ex.deploy.token!));
    if (portal.enabled)
      await step("portal", async () => {
        // The Rules page checks a rule file with the promtool npm start built before saving it,
        // and overrides the shipped rules from their originals.
        const portalEnv = {
          ...envFor("portal"),
          OPSDECK_PROMTOOL_BIN: BIN.promtool,
          OPSDECK_SHIPPED_RULES_DIR: join(REPO, "provisioning/prometheus/rules"),
        };
        procs.push(
          await launchPortal({ configFile: file, env: portalEnv, url: url(portal.port), logFile: log("portal") }),
        );
      });
    // Grafana, where its package is installed: behind the front door, with OpsDeck's provisioning.
    const grafanaBin = frontDoor ? findGrafana() : undefined;
    if (grafanaBin)
      await step(`grafana (${grafanaBin})`, async () => {
        const grafana = await startGrafana({
          bin: grafanaBin,
          dir: join(stackDir, "grafana"),
          listen: stack.front_door.grafana,
          publicUrl: url(stack.front_door.port),
          adminPassword: secrets.OPSDECK_GRAFANA_ADMIN_PASSWORD,
          prometheusUrl: url(stack.prometheus.port),
          alertmanagerUrl: url(stack.alertmanager.port),
          elasticsearchUrl: elasticsearchUrl(config),
          indexPrefix: config.elasticsearch.index_prefix,
          logFile: log("grafana"),
        });
        procs.push(grafana.proc);
      });
    if (frontDoor)
      await step("front door (nginx)", async () => {
        const nginx = await startFrontDoor({
          dir: join(stackDir, "nginx"),
          port: stack.front_door.port,
          portal: `127.0.0.1:${portal.port}`,
          grafana: stack.front_door.grafana,
          kibana: stack.front_door.kibana,
          deploy: `127.0.0.1:${ex.deploy.port}`,
          business: `127.0.0.1:${ex.business.port}`,
          prometheus: `127.0.0.1:${stack.prometheus.port}`,
          // Agents' Filebeat writes need Elasticsearch's security (API keys), off natively: the
          // portal refuses every key here, so the path answers 401 (docs/security.md).
          elasticsearch: new URL(shipTo).host,
          accessLog: join(stackDir, "logs", "nginx", "access.json.log"),
          logFile: log("nginx"),
        });
        procs.push(nginx.proc);
      });
    await step("every Prometheus target up", () => targetsUp(url(stack.prometheus.port)));
  } catch (err) {
    console.log("failed");
    console.error(`\n${err instanceof ConfigError ? err.message : (err as Error).message}`);
    console.error(`\nlogs: ${join(stackDir, "logs")}`);
    await stop();
    process.exit(1);
  }

  const rows: [string, string][] = [
    ...(frontDoor
      ? ([["Open this", `${url(stack.front_door.port)}  (portal, /grafana/, /kibana)`]] as [string, string][])
      : []),
    ...(portal.enabled ? ([["Portal", url(portal.port)]] as [string, string][]) : []),
    ["Prometheus", url(stack.prometheus.port)],
    ["node-exporter", `${url(stack.node_exporter.port)}/metrics`],
    ["blackbox exporter", `${url(stack.blackbox_exporter.port)}/metrics`],
    ...(ex.pm2.enabled ? ([["PM2 exporter", `${url(ex.pm2.port)}/metrics`]] as [string, string][]) : []),
    ...(ex.deploy.enabled
      ? ([["Deploy exporter", `${url(ex.deploy.port)}/api/v1/deploys`]] as [string, string][])
      : []),
    ...(ex.business.enabled ? ([["Business exporter", `${url(ex.business.port)}/metrics`]] as [string, string][]) : []),
    ...(notifier.enabled
      ? ([
          ["Alertmanager", url(stack.alertmanager.port)],
          ["Notifier", `${url(notifier.port)}/api/v1/channels`],
        ] as [string, string][])
      : []),
    ["Elasticsearch", elasticsearchUrl(config)],
    ...(esExporter
      ? ([["Elasticsearch exp.", `${url(stack.elasticsearch_exporter.port)}/metrics`]] as [string, string][])
      : []),
    ...(stack.filebeat.enabled ? ([["Filebeat", `${url(stack.filebeat.http_port)}/stats`]] as [string, string][]) : []),
  ];
  console.log("\nOpsDeck is up:\n");
  for (const [name, u] of rows) console.log(`  ${name.padEnd(20)} ${u}`);
  console.log(`\n  API tokens:          ${join(stackDir, "secrets.env")}`);
  if (portal.enabled) console.log(`  Portal sign-in:      admin / OPSDECK_PORTAL_ADMIN_PASSWORD in secrets.env`);
  console.log(`  PM2 (demo):          PM2_HOME=${own.PM2_HOME} npx pm2 ls`);
  console.log(`  Logs:                ${join(stackDir, "logs")}`);
  console.log("\nPress Ctrl-C to stop everything.");
  const [first] = await Promise.race(procs.map((p) => p.exited.then((code) => [p, code] as const)));
  if (!stopping) {
    console.error(`\n${first.name} exited unexpectedly:\n${first.tail()}`);
    await stop();
    process.exit(1);
  }
}

/** Two finished deploys and one in progress, with fixed ids so a second start adds nothing. */
async function seedDeploys(base: string, token: string) {
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${base}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`seeding ${path}: ${res.status} ${await res.text()}`);
  };
  const h = 3600_000;
  const now = Date.now();
  const demo = [
    { id: "demo-shop-1", version: "1.4.0", commit: "3f2a9c1", result: "succeeded", at: now - 26 * h },
    { id: "demo-shop-2", version: "1.4.1", commit: "8b7e6d5", result: "failed", at: now - 3 * h },
    { id: "demo-shop-3", version: "1.4.2", commit: "c4d3e2f", result: undefined, at: now - 60_000 },
  ];
  for (const d of demo) {
    await post("/api/v1/deploys", {
      id: d.id,
      event_id: `${d.id}:start`,
      project: "demo-shop",
      environment: "production",
      version: d.version,
      commit: d.commit,
      branch: "main",
      actor: "opsdeck-demo",
      started_at: d.at,
      commit_at: d.at - 2 * h,
    });
    for (const [i, name] of ["build", "test", "upload", "restart"].entries()) {
      const last = d.result === undefined && i === 3;
      const failed = d.result === "failed" && i === 3;
      await post(`/api/v1/deploys/${d.id}/steps`, {
        event_id: `${d.id}:${name}`,
        name,
        status: last ? "running" : failed ? "failed" : "succeeded",
        started_at: d.at + i * 30_000,
        finished_at: last ? undefined : d.at + (i + 1) * 30_000,
        log: failed ? "pm2 reload demo-shop: app exited with code 1" : undefined,
      });
    }
    if (d.result)
      await post(`/api/v1/deploys/${d.id}/finish`, {
        event_id: `${d.id}:finish`,
        result: d.result,
        finished_at: d.at + 120_000,
      });
  }
}

async function targetsUp(prom: string) {
  let down = "";
  await waitUntil(
    "prometheus targets",
    async () => {
      const body = (await (await fetch(`${prom}/api/v1/targets?state=active`)).json()) as {
        data: { activeTargets: { labels: { job: string }; scrapePool: string; health: string; lastError: string }[] };
      };
      // This machine's own targets: another host being down (or still unknown) does not stop the start.
      const bad = body.data.activeTargets.filter((t) => t.health !== "up" && !t.scrapePool.endsWith("-agents"));
      down = bad.map((t) => `${t.labels.job}: ${t.health} ${t.lastError}`).join("; ");
      return body.data.activeTargets.length > 0 && bad.length === 0;
    },
    { timeoutMs: 45_000, intervalMs: 500 },
  ).catch(() => {
    throw new Error(`some Prometheus targets are not up: ${down}`);
  });
}

void main().catch((err) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
