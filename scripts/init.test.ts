// The compose stack's init job, step by step where it can run here: the configs it renders pass
// promtool and amtool (and are the same on a second run), Grafana's provisioning is checked, and
// Kibana's import runs against a stand-in that checks Kibana's protocol, twice. Its Elasticsearch
// step is the templates (provisioning/elasticsearch/elasticsearch.test.ts) and the roles
// (security.test.ts) proved on the real server; the _security API calls themselves need a full
// Elasticsearch (the test distribution cannot keep native users).
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { parseConfig } from "@opsdeck/core";
import bcrypt from "bcryptjs";
import { AMTOOL_BIN, BIN, freePort, REPO } from "@opsdeck/stack";
import { makeHaCertificates, promtool, tempDir } from "@opsdeck/stack/testkit";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { checkGrafana, importKibana, renderConfigs, type InitOptions } from "./init.ts";

const dir = tempDir("init");
const env = {
  OPSDECK_HOST_NAME: "web-1",
  OPSDECK_NOTIFIER_TOKEN: "notifier-token-0123456789",
  ELASTIC_PASSWORD: "elastic-password-0123",
  KIBANA_URL: "",
};
const AGENT_PASSWORD = "agent-password-0123456789";
const options = (): InitOptions => ({
  config: parseConfig(
    `hosts:\n  - { name: app-1, address: 10.0.0.11, labels: { env: production } }\nagents:\n  password: ${AGENT_PASSWORD}\n  targets_dir: targets\nprobes:\n  - { name: shop, type: http, target: "https://shop.example.com/", slow_ms: 800, http: { headers: { X-Api-Key: "k3y", Host: shop.example.com } } }\n`,
    "test",
    process.env,
    "init", // only the parts the init job reads, as it reads them
  ),
  configDir: dir,
  env,
  prometheusDir: join(dir, "prometheus"),
  alertmanagerDir: join(dir, "alertmanager"),
  rulesDir: join(dir, "rules"),
  probeSecretsDir: join(dir, "probe-secrets"),
  databaseSecretsDir: join(dir, "database-secrets"),
});
const servers: { close(): void }[] = [];
afterAll(() => servers.forEach((s) => s.close()));

describe("the init job", () => {
  it("renders Prometheus' and Alertmanager's configs for compose, the same on every run", async () => {
    const said: string[] = [];
    await renderConfigs(options(), (l) => said.push(l));
    const prometheus = readFileSync(join(dir, "prometheus/prometheus.yml"), "utf8");
    const alertmanager = readFileSync(join(dir, "alertmanager/alertmanager.yml"), "utf8");
    await renderConfigs(options(), () => {});
    expect(readFileSync(join(dir, "prometheus/prometheus.yml"), "utf8")).toBe(prometheus);
    expect(readFileSync(join(dir, "alertmanager/alertmanager.yml"), "utf8")).toBe(alertmanager);
    expect(said).toEqual([
      'prometheus: config for host "web-1", 1 other host(s) and 1 probe(s)',
      "alertmanager: config with the notifier's token file",
    ]);

    expect(await promtool(["check", "config", join(dir, "prometheus/prometheus.yml")])).toMatch(/SUCCESS/);
    const doc = parseYaml(prometheus) as {
      scrape_configs: {
        job_name: string;
        static_configs?: { targets: string[]; labels: { host: string } }[];
        file_sd_configs?: { files: string[] }[];
        basic_auth?: { username: string; password_file: string };
        relabel_configs?: { target_label: string; replacement?: string }[];
      }[];
    };
    const [fixed, agents] = [
      doc.scrape_configs.filter((s) => s.static_configs),
      doc.scrape_configs.filter((s) => s.file_sd_configs && s.basic_auth),
    ];
    // The probes: through blackbox-exporter on the compose network, from this host, with the
    // modules, targets and thresholds in the targets volume.
    const probes = doc.scrape_configs.find((s) => s.job_name === "probes")!;
    expect(probes.file_sd_configs![0].files).toEqual([join(dir, "targets", "probes", "*.json")]);
    expect(probes.relabel_configs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ target_label: "__address__", replacement: "blackbox-exporter:9115" }),
        expect.objectContaining({ target_label: "host", replacement: "web-1" }),
      ]),
    );
    // blackbox.yml (which the portal's volume holds too) names the header's file, not its value.
    const blackbox = readFileSync(join(dir, "targets/blackbox.yml"), "utf8");
    expect(blackbox).toContain("probe_shop:");
    expect(blackbox).toContain(join(dir, "probe-secrets/shop/header-x-api-key"));
    expect(blackbox).toContain("Host: shop.example.com");
    expect(blackbox).not.toContain("k3y");
    expect(readFileSync(join(dir, "probe-secrets/shop/header-x-api-key"), "utf8")).toBe("k3y");
    expect(readFileSync(join(dir, "targets/textfile/probes-opsdeck.prom"), "utf8")).toContain(
      'opsdeck_probe_slow_seconds{probe="shop"} 0.8',
    );
    // The other hosts: their agents' target files, with the password in a file Prometheus reads.
    // …and their blackbox, for the probes that run from them too (vantage points).
    const auth = { username: "prometheus", password_file: join(dir, "prometheus/agent-password") };
    expect(agents.map((s) => [s.job_name, s.file_sd_configs![0].files[0], s.basic_auth])).toEqual([
      ...["node", "pm2"].map((job) => [`${job}-agents`, join(dir, "targets", `${job}.json`), auth]),
      ["probes-agents", join(dir, "targets/probes/agents/*.json"), auth],
    ]);
    expect(JSON.parse(readFileSync(join(dir, "targets/node.json"), "utf8"))).toEqual([
      { targets: ["10.0.0.11:9100"], labels: { env: "production", host: "app-1" } },
    ]);
    expect(readFileSync(join(dir, "prometheus/agent-password"), "utf8")).toBe(AGENT_PASSWORD);
    expect(statSync(join(dir, "prometheus/agent-password")).mode & 0o777).toBe(0o644); // Prometheus runs as nobody
    expect(prometheus).not.toContain(AGENT_PASSWORD);
    expect(Object.fromEntries(fixed.map((s) => [s.job_name, s.static_configs![0].targets[0]]))).toEqual({
      prometheus: "localhost:9090",
      node: "host.docker.internal:9100",
      pm2: "host.docker.internal:9209",
      deploy: "deploy-exporter:9470",
      business: "business-exporter:9471",
      alertmanager: "alertmanager:9093",
      notifier: "notifier:8060",
      elasticsearch: "elasticsearch-exporter:9114",
      blackbox: "blackbox-exporter:9115",
    });
    expect(new Set(fixed.map((s) => s.static_configs![0].labels.host))).toEqual(new Set(["web-1"]));

    const { stdout } = await promisify(execFile)(AMTOOL_BIN, [
      "check-config",
      join(dir, "alertmanager/alertmanager.yml"),
    ]);
    expect(stdout).toMatch(/SUCCESS/);
    // The token is in a file of Alertmanager's own volume, not in its config or Prometheus'.
    expect(alertmanager).not.toContain(env.OPSDECK_NOTIFIER_TOKEN);
    expect(prometheus).not.toContain(env.OPSDECK_NOTIFIER_TOKEN);
    expect(readFileSync(join(dir, "alertmanager/notifier-token"), "utf8")).toBe(env.OPSDECK_NOTIFIER_TOKEN);
    expect(alertmanager).toContain("http://notifier:8060/api/v1/alerts");
  });

  it("gives each database exporter its own credentials, and Prometheus their targets and its password", async () => {
    const at = tempDir("init-databases");
    const yml = (databases: string) =>
      parseConfig(
        `databases:\n${databases}`,
        "test",
        { PG_PASSWORD: "pg-secret-1", REDIS_PASSWORD: "redis-secret-2" },
        "init",
      );
    const both =
      '  - { name: main, type: postgres, address: 127.0.0.1:5432, user: monitor, password: "${PG_PASSWORD}" }\n' +
      '  - { name: cache, type: redis, address: cache.internal:6379, password: "${REDIS_PASSWORD}" }\n';
    const o = (
      databases: string,
      extra: Record<string, string> = { OPSDECK_DATABASE_EXPORTER_PASSWORD: "scrape-pw-0123" },
    ) => ({
      ...options(),
      config: yml(databases),
      configDir: at,
      env: { ...env, ...extra },
      prometheusDir: join(at, "prometheus"),
      databaseSecretsDir: join(at, "database-secrets"),
    });
    const said: string[] = [];
    await renderConfigs(o(both), (l) => said.push(l));
    expect(said.slice(0, 2)).toEqual([
      'postgres: main through postgres-exporter (compose profile "postgres"); main at 127.0.0.1:5432 is reached as host.docker.internal',
      'redis: cache through redis-exporter (compose profile "redis")',
    ]);
    // Each exporter's volume holds its own passwords only, readable by its image's user.
    const secrets = (path: string) => join(at, "database-secrets", path);
    expect(readFileSync(secrets("postgres/postgres_exporter.yml"), "utf8")).toContain("pg-secret-1");
    expect(statSync(secrets("postgres/postgres_exporter.yml")).mode & 0o777).toBe(0o644);
    expect(JSON.parse(readFileSync(secrets("redis/redis-passwords.json"), "utf8"))).toEqual({
      "redis://cache.internal:6379": "redis-secret-2",
    });
    expect(existsSync(secrets("mysql/my.cnf"))).toBe(false);
    // Only Prometheus gets in: the password's hash in postgres_exporter's web config, the password in Prometheus' volume.
    const web = parseYaml(readFileSync(secrets("postgres/web.yml"), "utf8")) as {
      basic_auth_users: Record<string, string>;
    };
    expect(bcrypt.compareSync("scrape-pw-0123", web.basic_auth_users.prometheus)).toBe(true);
    expect(readFileSync(join(at, "prometheus/database-exporters.password"), "utf8")).toBe("scrape-pw-0123");
    const prometheus = readFileSync(join(at, "prometheus/prometheus.yml"), "utf8");
    for (const secret of ["pg-secret-1", "redis-secret-2", "scrape-pw-0123"]) expect(prometheus).not.toContain(secret);
    expect(await promtool(["check", "config", join(at, "prometheus/prometheus.yml")])).toMatch(/SUCCESS/);
    const jobs = (
      parseYaml(prometheus) as {
        scrape_configs: {
          job_name: string;
          basic_auth?: unknown;
          file_sd_configs?: { files: string[] }[];
          relabel_configs?: { target_label: string; replacement?: string }[];
        }[];
      }
    ).scrape_configs;
    const exporter = (job: string) =>
      jobs.find((j) => j.job_name === job)?.relabel_configs?.find((r) => r.target_label === "__address__")?.replacement;
    expect([exporter("postgres"), exporter("redis"), exporter("mysql")]).toEqual([
      "postgres-exporter:9187",
      "redis-exporter:9121",
      undefined,
    ]);
    expect(jobs.find((j) => j.job_name === "postgres")!.basic_auth).toEqual({
      username: "prometheus",
      password_file: join(at, "prometheus/database-exporters.password"),
    });
    // A database on this server's loopback is asked for at the host gateway, from the exporter's container.
    expect(
      JSON.parse(readFileSync(jobs.find((j) => j.job_name === "postgres")!.file_sd_configs![0].files[0], "utf8")),
    ).toEqual([
      {
        targets: ["postgresql://host.docker.internal:5432/postgres"],
        labels: { database: "main", __param_auth_module: "main" },
      },
    ]);

    const redisTargets = jobs.find((j) => j.job_name === "redis")!.file_sd_configs![0].files[0];
    // Databases but no password for their exporters: a clear refusal, nothing left open.
    await expect(renderConfigs(o(both, {}), () => {})).rejects.toThrow(
      /set OPSDECK_DATABASE_EXPORTER_PASSWORD in \.env/,
    );
    // A database taken out of opsdeck.yml takes its password off the disk.
    await renderConfigs(o(both.split("\n")[0] + "\n"), () => {});
    expect(existsSync(secrets("redis/redis-passwords.json"))).toBe(false);
    expect(JSON.parse(readFileSync(redisTargets, "utf8"))).toEqual([]);
  });

  it("renders one of a Prometheus pair that sends to the other servers' Alertmanagers with the token (docker-compose.ha.yml)", async () => {
    const token = "ha-token-0123456789abcdef0123456789";
    const ha = (extra: Record<string, string>) => ({
      ...options(),
      env: { ...env, OPSDECK_PROMETHEUS_REPLICA: "a", ...extra },
    });
    const said: string[] = [];
    await renderConfigs(ha({ OPSDECK_ALERTMANAGER_PEERS: "10.0.0.6, 10.0.0.7:9093", OPSDECK_HA_TOKEN: token }), (l) =>
      said.push(l),
    );
    const file = join(dir, "prometheus/prometheus.yml");
    expect(await promtool(["check", "config", file])).toMatch(/SUCCESS/);
    const doc = parseYaml(readFileSync(file, "utf8")) as {
      global: { external_labels: Record<string, string> };
      alerting: {
        alertmanagers: { static_configs: { targets: string[] }[]; authorization?: { credentials_file: string } }[];
        alert_relabel_configs: { action: string; regex?: string }[];
      };
    };
    expect(doc.global.external_labels).toEqual({ prometheus_replica: "a" });
    expect(doc.alerting.alert_relabel_configs).toContainEqual({ action: "labeldrop", regex: "prometheus_replica" });
    const [local, peers] = doc.alerting.alertmanagers;
    expect(local).toEqual({ static_configs: [{ targets: ["alertmanager:9093"] }] });
    expect(peers.static_configs[0].targets).toEqual(["10.0.0.6:9093", "10.0.0.7:9093"]);
    expect(readFileSync(peers.authorization!.credentials_file, "utf8")).toBe(token);
    // The pair's other Prometheus is scraped through its peer door: stopped, it is TargetDown here.
    const scrape = (parseYaml(readFileSync(file, "utf8")) as { scrape_configs: Record<string, unknown>[] })
      .scrape_configs;
    expect(scrape.find((job) => job.job_name === "prometheus-peer")).toEqual({
      job_name: "prometheus-peer",
      metrics_path: "/metrics",
      authorization: { credentials_file: peers.authorization!.credentials_file },
      static_configs: [{ targets: ["10.0.0.6:9093", "10.0.0.7:9093"], labels: { host: "web-1" } }],
    });
    expect(said).toContain(
      'prometheus: replica "a", alerts also to (and the pair\'s other scraped at) 10.0.0.6:9093, 10.0.0.7:9093',
    );

    await expect(renderConfigs(ha({ OPSDECK_ALERTMANAGER_PEERS: "10.0.0.6:9093" }), () => {})).rejects.toThrow(
      "set OPSDECK_HA_TOKEN",
    );
    await expect(
      renderConfigs(ha({ OPSDECK_ALERTMANAGER_PEERS: "10.0.0.6:9093", OPSDECK_HA_TOKEN: "short" }), () => {}),
    ).rejects.toThrow("at least 32 characters");
    await expect(
      renderConfigs(ha({ OPSDECK_ALERTMANAGER_PEERS: "http://10.0.0.6:9093", OPSDECK_HA_TOKEN: token }), () => {}),
    ).rejects.toThrow('"http://10.0.0.6:9093" is not a host or host:port');
    // Without the variables, one Prometheus, as before.
    await renderConfigs(options(), () => {});
    expect(readFileSync(file, "utf8")).not.toMatch(/prometheus_replica: a|alertmanager-peers/);
  });

  it("serves when ha-certs' certificates expire to node-exporter, and none without them", async () => {
    const certs = makeHaCertificates();
    const said: string[] = [];
    await renderConfigs({ ...options(), env: { ...env, OPSDECK_HA_CERTS_DIR: certs } }, (l) => said.push(l));
    const file = join(dir, "targets/textfile/ha-certificates.prom");
    const series = readFileSync(file, "utf8");
    expect(series).toMatch(
      /^opsdeck_ha_certificate_expiry_timestamp_seconds\{certificate="node",subject="CN=a"\} \d+$/m,
    );
    expect(statSync(file).mode & 0o777).toBe(0o644); // node-exporter runs as nobody
    // promtool reads the text format from stdin; it prints nothing for a clean file.
    expect(execFileSync(BIN.promtool, ["check", "metrics"], { input: series, encoding: "utf8" })).toBe("");
    expect(said).toContainEqual(
      expect.stringMatching(
        /^ha-certs: valid node \(CN=a\) until \d{4}-\d\d-\d\d, ca \(CN=Elastic_Certificate_Tool_Autogenerated_CA\) until \d{4}-\d\d-\d\d$/,
      ),
    );
    // A server that leaves the HA layout stops serving them; a missing certificate is named.
    await renderConfigs(options(), () => {});
    expect(existsSync(file)).toBe(false);
    await expect(
      renderConfigs({ ...options(), env: { ...env, OPSDECK_HA_CERTS_DIR: join(dir, "nowhere") } }, () => {}),
    ).rejects.toThrow(`${join(dir, "nowhere", "node.crt")}: missing`);
  });

  it("checks what Grafana will provision", () => {
    const said: string[] = [];
    checkGrafana((l) => said.push(l));
    expect(said).toEqual(["grafana: 4 datasources and 9 dashboards to provision"]);
  });

  it("imports Kibana's saved objects as elastic, and again with the same result", async () => {
    const imports: string[] = [];
    const port = await freePort();
    const kibana = createServer((req, res) => {
      const json = (code: number, body: unknown) =>
        res.writeHead(code, { "content-type": "application/json" }).end(JSON.stringify(body));
      if (req.headers.authorization !== `Basic ${Buffer.from(`elastic:${env.ELASTIC_PASSWORD}`).toString("base64")}`)
        return json(401, {});
      if (req.url === "/kibana/api/status") return json(200, { status: { overall: { level: "available" } } });
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", () => {
        imports.push(body.replace(/-{2,}[\w-]+/g, "--boundary"));
        json(200, { success: true, successCount: body.split("\n").filter((l) => l.startsWith("{")).length });
      });
    }).listen(port, "127.0.0.1");
    servers.push(kibana);
    const said: string[] = [];
    const o = { ...options(), env: { ...env, KIBANA_URL: `http://127.0.0.1:${port}/kibana` } };
    await importKibana(o, (l) => said.push(l));
    await importKibana(o, (l) => said.push(l));
    expect(said).toEqual(["kibana: 10 saved objects imported", "kibana: 10 saved objects imported"]);
    expect(imports[1]).toBe(imports[0]);
  });

  it("starts from the image's layout: its bundle, production packages only, provisioning through OPSDECK_HOME", async () => {
    // As the Dockerfile lays it out (found by the compose rehearsal: the bundle needed tsx, a dev
    // package the image prunes, and read provisioning/ from / instead of /opsdeck).
    const image = tempDir("init-image");
    mkdirSync(join(image, "dist"));
    copyFileSync(join(REPO, "dist/init.mjs"), join(image, "dist/init.mjs"));
    symlinkSync(join(REPO, "provisioning"), join(image, "provisioning"));
    mkdirSync(join(image, "alertmanager"));
    copyFileSync(join(REPO, "alertmanager/alertmanager.yml"), join(image, "alertmanager/alertmanager.yml"));
    const { stdout } = await promisify(execFile)("npm", ["ls", "--omit=dev", "--all", "--parseable"], {
      cwd: REPO,
      maxBuffer: 64 << 20,
    });
    const top = new Set(
      stdout
        .split("\n")
        .map((p) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)$/.exec(p)?.[1])
        .filter((name): name is string => !!name && !name.startsWith("@opsdeck/")),
    );
    expect(top.has("tsx")).toBe(false);
    for (const name of top) {
      mkdirSync(dirname(join(image, "node_modules", name)), { recursive: true });
      symlinkSync(join(REPO, "node_modules", name), join(image, "node_modules", name));
    }
    const home = /^ENV OPSDECK_HOME=(\S+)$/m.exec(readFileSync(join(REPO, "Dockerfile"), "utf8"))?.[1];
    expect(home).toBe("/opsdeck");
    writeFileSync(join(image, "opsdeck.yml"), `elasticsearch: { url: "http://127.0.0.1:${await freePort()}" }\n`);
    const run = await promisify(execFile)(process.execPath, [join(image, "dist/init.mjs")], {
      cwd: image,
      env: {
        PATH: process.env.PATH,
        OPSDECK_HOME: image, // what the Dockerfile's /opsdeck is here
        OPSDECK_CONFIG: join(image, "opsdeck.yml"),
        OPSDECK_RENDERED_DIR: join(image, "rendered"),
        // Not the 2 minutes a starting Elasticsearch gets: none is coming.
        OPSDECK_INIT_ES_TIMEOUT_MS: "1000",
        ...env,
        KIBANA_SYSTEM_PASSWORD: "kibana-system-password-0123",
        ...Object.fromEntries(
          ["PORTAL", "FILEBEAT", "GRAFANA", "MONITOR", "KIBANA"].map((u) => [
            `OPSDECK_ES_${u}_PASSWORD`,
            "es-user-password-0123",
          ]),
        ),
      },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    // It gets as far as Elasticsearch, which is not there: every file it reads was found.
    expect(run.stderr).not.toMatch(/Cannot find module|ENOENT|ERR_MODULE_NOT_FOUND/);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^init: Elasticsearch did not answer for 1 s \(.*(ECONNREFUSED|connect)/m);
    expect(existsSync(join(image, "rendered/prometheus/prometheus.yml"))).toBe(true);
    expect(existsSync(join(image, "rendered/alertmanager/alertmanager.yml"))).toBe(true);

    // kibana-setup (`init.mjs kibana`) reads only what the import needs: a database's password,
    // which only init's environment has, is none of its business (found by the compose rehearsal).
    writeFileSync(
      join(image, "opsdeck.yml"),
      `elasticsearch: { url: "http://127.0.0.1:1" }\ndatabases:\n  - { name: main, type: postgres, address: "10.0.0.21:5432", user: monitor, password: "\${SHOP_PG_PASSWORD}" }\n`,
    );
    const kibana = await promisify(execFile)(process.execPath, [join(image, "dist/init.mjs"), "kibana"], {
      cwd: image,
      env: {
        PATH: process.env.PATH,
        OPSDECK_HOME: image,
        OPSDECK_CONFIG: join(image, "opsdeck.yml"),
        ELASTIC_PASSWORD: env.ELASTIC_PASSWORD,
        KIBANA_URL: `http://127.0.0.1:${await freePort()}/kibana`,
        OPSDECK_INIT_KIBANA_TIMEOUT_MS: "1000",
      },
    }).then(
      () => ({ code: 0, stderr: "" }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(kibana.stderr).not.toMatch(/SHOP_PG_PASSWORD/);
    expect(kibana.code).toBe(1);
    expect(kibana.stderr).toMatch(/^init: .*Kibana/im);
  }, 60_000);

  it("names what is missing", async () => {
    await expect(
      renderConfigs({ ...options(), env: { ...env, OPSDECK_NOTIFIER_TOKEN: "" } }, () => {}),
    ).rejects.toThrow("set OPSDECK_NOTIFIER_TOKEN");
  });
});
