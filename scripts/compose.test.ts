// docker-compose.monitoring.yml, checked without a Docker engine: Docker Compose v5 (built from its
// Go module, as servers run it) resolves and validates it — every profile's services with it —
// and what it mounts, publishes, pins and requires is what we mean.
import { execFile } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  ALERTMANAGER_VERSION,
  BLACKBOX_EXPORTER_VERSION,
  DISK_WATERMARKS,
  ES_VERSION,
  FILEBEAT_CONFIG,
  FRONT_DOOR_SITE_TEMPLATE,
  FRONT_DOOR_TEMPLATE,
  FRONT_DOOR_TLS_TEMPLATE,
  NODE_COLLECTORS,
  NODE_EXPORTER_VERSION,
  MYSQLD_EXPORTER_VERSION,
  POSTGRES_EXPORTER_VERSION,
  PROMETHEUS_VERSION,
  REDIS_EXPORTER_VERSION,
  REPO,
  SERVER_BINARIES,
} from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { pick, READERS } from "@opsdeck/core";
import { ENTRIES } from "./build.ts";

const FILE = join(REPO, "docker-compose.monitoring.yml");
const exec = promisify(execFile);

interface Service {
  image?: string;
  build?: unknown;
  command?: string[];
  entrypoint?: string[];
  ports?: unknown[];
  network_mode?: string;
  restart?: string;
  healthcheck?: { test: string[] };
  logging?: { driver: string; options: Record<string, string> };
  deploy?: { resources?: { limits?: { memory?: string } } };
  depends_on?: Record<string, { condition: string }>;
  volumes?: string[];
  environment?: Record<string, string>;
}

/** .env.example with every placeholder filled, as a user would. */
function filledEnv(): string {
  const file = join(tempDir("compose"), ".env");
  const text = readFileSync(join(REPO, ".env.example"), "utf8")
    .replace(/^PM2_HOME=.*$/m, "PM2_HOME=/home/deploy/.pm2")
    .replace(/^OPSDECK_PUBLIC_URL=.*$/m, "OPSDECK_PUBLIC_URL=https://ops.example.com")
    .replace(/^OPSDECK_TLS_DIR=.*$/m, "OPSDECK_TLS_DIR=/etc/opsdeck-tls")
    .replaceAll("CHANGE_ME", "0123456789abcdef0123456789abcdef");
  writeFileSync(file, text);
  return file;
}

const COMPOSE = SERVER_BINARIES.dockerCompose;
/** The database exporters' profiles: resolved with every one on, unless said. */
const PROFILES = ["postgres", "mysql", "redis"];

async function resolved(envFile: string, files = [FILE], profiles = PROFILES) {
  const { stdout } = await exec(
    COMPOSE,
    [...files.flatMap((f) => ["-f", f]), ...profiles.flatMap((p) => ["--profile", p]), "--env-file", envFile, "config"],
    // Not this machine's COMPOSE_PROFILES, if it has one.
    { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
  );
  return shortForms(parseYaml(stdout) as { services: Record<string, Service>; volumes: Record<string, unknown> });
}

interface LongPort {
  host_ip?: string;
  published: string;
  target: number;
  protocol: string;
}
interface LongVolume {
  source: string;
  target: string;
  read_only?: boolean;
  bind?: { propagation?: string };
}
/** Compose v5 writes ports, mounts and sizes in long form; the checks read them as the file does. */
function shortForms<T extends { services: Record<string, Service> }>(config: T): T {
  for (const s of Object.values(config.services)) {
    s.ports = s.ports?.map((p) => {
      const port = p as LongPort;
      return typeof p === "string"
        ? p
        : `${port.host_ip ? `${port.host_ip}:` : ""}${port.published}:${port.target}/${port.protocol}`;
    });
    s.volumes = s.volumes?.map((v) => {
      const mount = v as unknown as LongVolume;
      if (typeof v === "string") return v;
      const options = [mount.read_only ? "ro" : "", mount.bind?.propagation ?? ""].filter(Boolean).join(",");
      return `${mount.source}:${mount.target}${options ? `:${options}` : ""}`;
    });
    const limits = s.deploy?.resources?.limits;
    if (limits?.memory && /^\d+$/.test(limits.memory)) limits.memory = `${Number(limits.memory) / 2 ** 20}m`;
  }
  return config;
}

describe("docker-compose.monitoring.yml", () => {
  it("is valid for docker-compose once .env is filled, and names each secret left unset", async () => {
    const config = await resolved(filledEnv());
    expect(Object.keys(config.services).sort()).toEqual(
      [
        "alertmanager",
        "blackbox-exporter",
        "business-exporter",
        "deploy-exporter",
        "elasticsearch",
        "elasticsearch-exporter",
        "filebeat",
        "grafana",
        "front-door-logs",
        "init",
        "kibana",
        "kibana-setup",
        "nginx",
        "node-exporter",
        "notifier",
        "portal",
        "prometheus",
        "volume-owners",
        // Each in its profile (COMPOSE_PROFILES): only the database types opsdeck.yml lists run.
        "postgres-exporter",
        "mysqld-exporter",
        "redis-exporter",
      ].sort(),
    );
    const empty = join(tempDir("compose-empty"), ".env");
    writeFileSync(empty, "");
    const refused = await exec(COMPOSE, ["-f", FILE, "--env-file", empty, "config"], { cwd: REPO }).then(
      () => "",
      (e: { stderr: string }) => e.stderr,
    );
    expect(refused).toMatch(/set [A-Z_]+ in \.env/);
  });

  it("publishes nothing but nginx, and node-exporter and Filebeat's stats on the Docker bridge only", async () => {
    const { services } = await resolved(filledEnv());
    const published = (all: Record<string, Service>) =>
      Object.entries(all)
        .filter(([, s]) => s.ports?.some((p) => !String(p).startsWith("172.17.0.1:")))
        .map(([name]) => name);
    expect(published(services)).toEqual(["nginx"]);
    expect(services.filebeat.ports).toEqual([expect.stringMatching(/^172\.17\.0\.1:5066:5066(\/tcp)?$/)]);
    expect(
      Object.entries(services)
        .filter(([, s]) => s.network_mode === "host")
        .map(([name]) => name),
    ).toEqual(["node-exporter"]);
    expect(services["node-exporter"].command).toContain("--web.listen-address=172.17.0.1:9100");
    // With TLS, nginx publishes 443 as well, and still nothing else does.
    const tls = await resolved(filledEnv(), [FILE, join(REPO, "docker-compose.tls.yml")]);
    expect(published(tls.services)).toEqual(["nginx"]);
    expect(JSON.stringify(tls.services.nginx.ports)).toMatch(/443/);
    // The front door's ports are settable (a PM2 server's own nginx often has 80 and 443).
    const env = filledEnv();
    writeFileSync(
      env,
      readFileSync(env, "utf8")
        .replace(/^OPSDECK_HTTP_PORT=.*$/m, "OPSDECK_HTTP_PORT=127.0.0.1:8081")
        .replace(/^OPSDECK_HTTPS_PORT=.*$/m, "OPSDECK_HTTPS_PORT=8443"),
    );
    const moved = await resolved(env, [FILE, join(REPO, "docker-compose.tls.yml")]);
    // (This docker-compose writes a port merged from two files as an object.)
    const ports = JSON.stringify(moved.services.nginx.ports);
    expect(ports).toContain("127.0.0.1:8081:80");
    expect(ports).toMatch(/8443(:443|.*443)/);
    expect(ports).not.toMatch(/"80:80|"443:443/);
  });

  it("runs the versions the tests run, and pins every image", async () => {
    const { services } = await resolved(filledEnv());
    const images = Object.fromEntries(Object.entries(services).map(([name, s]) => [name, s.image]));
    expect(images).toMatchObject({
      prometheus: `prom/prometheus:v${PROMETHEUS_VERSION}`,
      alertmanager: `prom/alertmanager:v${ALERTMANAGER_VERSION}`,
      "node-exporter": `prom/node-exporter:v${NODE_EXPORTER_VERSION}`,
      "blackbox-exporter": `prom/blackbox-exporter:v${BLACKBOX_EXPORTER_VERSION}`,
      elasticsearch: `docker.elastic.co/elasticsearch/elasticsearch:${ES_VERSION}`,
      kibana: `docker.elastic.co/kibana/kibana:${ES_VERSION}`,
      filebeat: `docker.elastic.co/beats/filebeat:${ES_VERSION}`,
      "postgres-exporter": `quay.io/prometheuscommunity/postgres-exporter:v${POSTGRES_EXPORTER_VERSION}`,
      "mysqld-exporter": `prom/mysqld-exporter:v${MYSQLD_EXPORTER_VERSION}`,
      "redis-exporter": `oliver006/redis_exporter:v${REDIS_EXPORTER_VERSION}-alpine`,
    });
    for (const [name, image] of Object.entries(images))
      expect([name, /:v?\d+\.\d+\.\d+(-[\w.]+)?$/.test(image ?? "")]).toEqual([name, true]);
    // node-exporter collects what the tests' node-exporter collects, and (the central one) the
    // probes' thresholds from the targets volume, as npm start's does.
    const collectors = services["node-exporter"].command!.filter(
      (a) => /^--collector\.\w+$/.test(a) && a !== "--collector.disable-defaults",
    );
    expect(collectors.map((a) => a.slice("--collector.".length)).sort()).toEqual(
      [...NODE_COLLECTORS, "textfile"].sort(),
    );
  });

  it("gives Elasticsearch the native stack's disk watermarks, in free space", async () => {
    // A share of the disk left CI's machine (25 GB free of 252 GB) with its security index unplaced.
    const { services } = await resolved(filledEnv());
    const environment = services.elasticsearch.environment!;
    for (const [name, value] of Object.entries(DISK_WATERMARKS))
      expect([name, environment[name]]).toEqual([name, value]);
  });

  it("gives each OpsDeck service every variable its part of opsdeck.example.yml requires", async () => {
    // (Found by npm run docker-smoke: the portal, started as compose starts it, stopped on an
    // unset OPSDECK_PORTAL_ADMIN_HASH.) A ${VAR} with no :- default fails the service's start.
    const services = (await resolved(filledEnv())).services;
    const example = parseYaml(readFileSync(join(REPO, "opsdeck.example.yml"), "utf8"));
    const readers = {
      init: "init",
      "kibana-setup": "import-logs",
      portal: "portal",
      "deploy-exporter": "deploy-exporter",
      "business-exporter": "business-exporter",
      notifier: "notifier",
    } as const;
    const missing = Object.entries(readers).flatMap(([service, reader]) => {
      const required = [
        ...JSON.stringify(pick(example, READERS[reader])).matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g),
      ].map((m) => m[1]);
      return required.filter((name) => !services[service].environment?.[name]).map((name) => `${service}: ${name}`);
    });
    expect(missing).toEqual([]);
  });

  it("runs a database exporter only in its profile, with passwords only it and init see", async () => {
    const exporters = { postgres: "postgres-exporter", mysql: "mysqld-exporter", redis: "redis-exporter" };
    // Without COMPOSE_PROFILES, none runs: a stack without databases has no exporter waiting for one.
    const plain = await resolved(filledEnv(), [FILE], []);
    expect(
      Object.keys(plain.services).filter((name) => name.endsWith("-exporter") && name.match(/postgres|mysql|redis/)),
    ).toEqual([]);
    const env = filledEnv();
    writeFileSync(
      env,
      readFileSync(env, "utf8").replace(
        /^OPSDECK_DATABASE_EXPORTER_PASSWORD=.*$/m,
        "OPSDECK_DATABASE_EXPORTER_PASSWORD=exporters-pw-0123456789",
      ),
    );
    const { services } = await resolved(env);
    const mounting = (volume: string) =>
      Object.entries(services)
        .filter(([, s]) => s.volumes?.some((v) => v.startsWith(`${volume}:`)))
        .map(([name]) => name)
        .sort();
    for (const [type, name] of Object.entries(exporters)) {
      expect(mounting(`${name}-secrets`)).toEqual(["init", name].sort());
      // init writes where the exporter reads.
      expect(services.init.volumes).toContain(`${name}-secrets:/opsdeck/rendered/database-secrets/${type}`);
      expect(services[name].volumes).toEqual([`${name}-secrets:/secrets:ro`]);
      expect([name, services[name].ports]).toEqual([name, undefined]);
    }
    // The databases' passwords (databases.env) reach init alone; Prometheus' password for the
    // exporters reaches init and the one exporter that cannot take a hash from a file.
    const raw = parseYaml(readFileSync(FILE, "utf8"), { merge: true }) as {
      services: Record<string, { env_file?: unknown }>;
    };
    expect(
      Object.entries(raw.services)
        .filter(([, s]) => s.env_file)
        .map(([name]) => name),
    ).toEqual(["init"]);
    expect(raw.services.init.env_file).toEqual([{ path: "./databases.env", required: false }]);
    expect(
      Object.entries(services)
        .filter(([, s]) => Object.values(s.environment ?? {}).includes("exporters-pw-0123456789"))
        .map(([name]) => name)
        .sort(),
    ).toEqual(["init", "redis-exporter"]);
  });

  it("gives no secret a default value", () => {
    const text = readFileSync(FILE, "utf8");
    const defaults = [...text.matchAll(/\$\{(\w*(PASSWORD|SECRET|TOKEN|KEY)\w*):-([^}]*)\}/g)].filter(
      (m) => m[3] !== "",
    );
    expect(defaults.map((m) => m[0])).toEqual([]);
    // …and .env.example fills none in.
    const example = readFileSync(join(REPO, ".env.example"), "utf8");
    const secrets = [...example.matchAll(/^(\w*(PASSWORD|SECRET|TOKEN)\w*)=(.*)$/gm)];
    expect(secrets.length).toBeGreaterThan(10);
    for (const [, name, , value] of secrets)
      expect([name, value === "CHANGE_ME" || value === ""]).toEqual([name, true]);
  });

  it("mounts only files that exist, and the very files the native stack and the tests use", async () => {
    const { services } = await resolved(filledEnv(), [FILE, join(REPO, "docker-compose.tls.yml")]);
    const binds = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => (typeof v === "string" ? v.split(":")[0] : (v as { source: string }).source))
      .filter((source) => source.startsWith(REPO) || source.startsWith("/etc/opsdeck-tls"));
    // The host paths it reads (read-only): logs, the root for node-exporter, Docker's container logs.
    const host = Object.values(services)
      .flatMap((s) => s.volumes ?? [])
      .map((v) => String(v))
      .filter(
        (v) =>
          v.startsWith("/") && !v.startsWith(REPO) && !v.startsWith("/etc/opsdeck-tls") && !v.startsWith("/dev/null"),
      );
    for (const v of host) expect([v, /:ro(,rslave)?$/.test(v)]).toEqual([v, true]);
    // All but opsdeck.yml, which each server copies from opsdeck.example.yml (README).
    for (const source of binds.filter((b) => b !== join(REPO, "opsdeck.yml") && b !== "/etc/opsdeck-tls"))
      expect([source, existsSync(source)]).toEqual([source, true]);
    // Each mounted config is the one the native stack or a test reads: nothing is copied.
    const native: Record<string, string> = {
      [FRONT_DOOR_TEMPLATE]: "stack/src/nginx.ts renders it for npm start; portal/test/front-door.test.ts",
      [FRONT_DOOR_SITE_TEMPLATE]: "likewise",
      [FRONT_DOOR_TLS_TEMPLATE]: "stack/src/nginx.ts with tls; portal/test/front-door-tls.test.ts",
      [FILEBEAT_CONFIG]: "stack/src/filebeat.ts runs Filebeat with it; filebeat/test/ship.test.ts",
      [join(REPO, "provisioning/prometheus")]:
        "renderPrometheusConfig reads prometheus.yml; its rules/ are promtool-tested",
      [join(REPO, "provisioning/grafana/datasources")]: "provisioning/grafana/grafana.test.ts",
      [join(REPO, "provisioning/grafana/dashboards")]:
        "the dashboards' tests; scripts/stack.test.ts runs their queries",
      [join(REPO, "provisioning/kibana/kibana.yml")]: "compose only: no Kibana runs here (README: Grafana and Kibana)",
      [join(REPO, "opsdeck.yml")]: "the user's own, from opsdeck.example.yml (core/src/config/load.test.ts)",
      "/etc/opsdeck-tls": "the server's certificate (OPSDECK_TLS_DIR)",
    };
    expect([...new Set(binds)].filter((b) => !(b in native))).toEqual([]);
  });

  it("has a health check, a restart policy, rotated logs and a memory limit for every service", async () => {
    const { services, volumes } = await resolved(filledEnv());
    // One-shot jobs: init and volume-owners run once; kibana-setup until Kibana takes its objects.
    const oneShot: Record<string, string> = { init: "no", "volume-owners": "no", "kibana-setup": "on-failure" };
    // Waiting only for these to start: nginx's PID namespace, and Kibana, whom nothing waits for.
    const startedIsEnough = ["front-door-logs→nginx", "kibana-setup→kibana"];
    for (const [name, s] of Object.entries(services)) {
      expect([name, s.restart]).toEqual([name, oneShot[name] ?? "unless-stopped"]);
      if (!oneShot[name]) expect([name, s.healthcheck?.test.length]).toEqual([name, expect.any(Number)]);
      expect([name, s.logging?.driver, s.logging?.options["max-size"]]).toEqual([name, "json-file", "10m"]);
      expect([name, s.deploy?.resources?.limits?.memory]).toEqual([name, expect.stringMatching(/^\d+[mg]$/)]);
      for (const [on, d] of Object.entries(s.depends_on ?? {}))
        expect([name, on, d.condition]).toEqual([
          name,
          on,
          startedIsEnough.includes(`${name}→${on}`)
            ? "service_started"
            : expect.stringMatching(/^service_(healthy|completed_successfully)$/),
        ]);
    }
    // State lives in named volumes.
    for (const v of [
      "prometheus-data",
      "alertmanager-data",
      "grafana-data",
      "elasticsearch-data",
      "filebeat-data",
      "opsdeck-data",
    ])
      expect(Object.keys(volumes)).toContain(v);
    // OpsDeck's services run entry points the build produces.
    const entries = new Set(Object.keys(ENTRIES).map((e) => `dist/${e}.mjs`));
    for (const [name, s] of Object.entries(services))
      if (s.image?.startsWith("opsdeck/") && s.command![0] === "node")
        expect([name, entries.has(s.command![1])]).toEqual([name, true]);
  });

  it("comes up without Kibana: nothing waits for it, and its objects are kibana-setup's", async () => {
    const { services } = await resolved(filledEnv());
    const waiting = Object.entries(services).flatMap(([name, s]) =>
      Object.keys(s.depends_on ?? {})
        .filter((on) => on === "kibana" || on === "kibana-setup")
        .map((on) => `${name}→${on}`),
    );
    expect(waiting).toEqual(["kibana-setup→kibana"]);
    expect(services.init.environment?.KIBANA_URL).toBeUndefined();
    expect(services["kibana-setup"].command).toEqual(["node", "dist/init.mjs", "kibana"]);
  });

  it("installs every workspace's packages in the image's build stage", () => {
    // npm ci installs a workspace's dependencies only if its package.json is there: one left out
    // fails the image's build (its bundle cannot resolve them), which no other test would see.
    const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
    const beforeInstall = dockerfile.slice(0, dockerfile.indexOf("RUN npm ci"));
    const workspaces = (JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as { workspaces: string[] })
      .workspaces;
    expect(workspaces.filter((w) => !beforeInstall.includes(`COPY ${w}/package.json ${w}/`))).toEqual([]);
  });

  it("builds the OpsDeck image here, never pulls it, and the image owns every path a volume is mounted at", async () => {
    const { services } = await resolved(filledEnv());
    const dockerfile = readFileSync(join(REPO, "Dockerfile"), "utf8");
    // A fresh named volume takes the owner of its path in the image, and is root's where the
    // image has no such path: each must be made and given to node (the services' user).
    const made = /RUN mkdir -p ([^\n&]+?)\s*\\?\n?\s*&& chown -R node:node ([^\n]+)/.exec(dockerfile);
    expect(made).not.toBeNull();
    const created = made![1].split(/\s+/).filter(Boolean);
    const owned = made![2].split(/\s+/).filter(Boolean);
    for (const [name, s] of Object.entries(services)) {
      if (!s.image?.startsWith("opsdeck/")) continue;
      // One service builds it (compose would build it once per service otherwise), none pulls it.
      expect([name, (s as { pull_policy?: string }).pull_policy]).toEqual([name, s.build ? "build" : "never"]);
      if ((s as { user?: string }).user === "0:0") continue;
      for (const volume of (s.volumes ?? []).map(String).filter((v) => !v.startsWith("/"))) {
        const target = volume.split(":")[1];
        expect([name, target, created.includes(target)]).toEqual([name, target, true]);
        expect([name, target, owned.some((o) => target === o || target.startsWith(`${o}/`))]).toEqual([
          name,
          target,
          true,
        ]);
      }
    }
    expect(
      Object.entries(services)
        .filter(([, s]) => s.build)
        .map(([name]) => name),
    ).toEqual(["init"]);
    // The bundles find provisioning/ through OPSDECK_HOME (their import.meta.url is dist/).
    expect(dockerfile).toMatch(/^ENV OPSDECK_HOME=\/opsdeck$/m);
  });
});

describe("docker-compose.ha.yml", () => {
  const HA = join(REPO, "docker-compose.ha.yml");
  const HA_ENV: Record<string, string> = {
    OPSDECK_HA_NAME: "a",
    OPSDECK_HA_ADDRESS: "10.0.0.5",
    OPSDECK_HA_PEERS: "10.0.0.6",
    OPSDECK_HA_SERVERS: "10.0.0.5,10.0.0.6,10.0.0.7",
    OPSDECK_HA_SENTINELS: "10.0.0.5:26379,10.0.0.6:26379,10.0.0.7:26379",
    OPSDECK_HA_REDIS_PRIMARY: "10.0.0.5",
    OPSDECK_HA_TOKEN: "0123456789abcdef0123456789abcdef0123456789abcdef",
    OPSDECK_REDIS_PASSWORD: "fedcba9876543210fedcba9876543210",
  };
  const haEnv = (leaveOut?: string) => {
    const file = filledEnv();
    const extra = Object.entries(HA_ENV).filter(([name]) => name !== leaveOut);
    writeFileSync(file, `${readFileSync(file, "utf8")}\n${extra.map(([k, v]) => `${k}=${v}`).join("\n")}\n`);
    return file;
  };

  it("is valid over the one-server file, and names each variable left unset", async () => {
    const { services } = await resolved(haEnv(), [FILE, HA]);
    expect(Object.keys(services)).toEqual(expect.arrayContaining(["redis", "sentinel"]));
    for (const name of Object.keys(HA_ENV)) {
      const refused = await resolved(haEnv(name), [FILE, HA]).then(
        () => "",
        (e: { stderr: string }) => e.stderr,
      );
      expect([name, refused]).toEqual([name, expect.stringContaining(`set ${name} in .env`)]);
    }
  });

  it("publishes on the server's private address only, beside the front door", async () => {
    const { services } = await resolved(haEnv(), [FILE, HA]);
    const ports = Object.fromEntries(
      Object.entries(services)
        .filter(([, s]) => s.ports?.length)
        .map(([name, s]) => [name, (s.ports ?? []).map(String).sort()]),
    );
    expect(ports).toEqual({
      nginx: ["10.0.0.5:9093:9093/tcp", "80:80/tcp"],
      alertmanager: ["10.0.0.5:9094:9094/tcp"],
      redis: ["10.0.0.5:6379:6379/tcp"],
      sentinel: ["10.0.0.5:26379:26379/tcp"],
      filebeat: ["172.17.0.1:5066:5066/tcp"],
      elasticsearch: ["10.0.0.5:9300:9300/tcp"],
    });
    // The witness's Elasticsearch (its profile) too.
    const witness = (await resolved(haEnv(), [FILE, HA], [...PROFILES, "witness"])).services["elasticsearch-witness"];
    expect(witness.ports?.map(String)).toEqual(["10.0.0.5:9300:9300/tcp"]);
    // The peer door's template is the file the rehearsal and nginx's own check read.
    expect(services.nginx.volumes).toContain(
      `${join(REPO, "provisioning/nginx/opsdeck-peer-door.conf.template")}:/etc/nginx/templates/opsdeck-peer-door.conf.template:ro`,
    );
    expect(services.alertmanager.command).toEqual(
      expect.arrayContaining([
        "--cluster.listen-address=0.0.0.0:9094",
        "--cluster.advertise-address=10.0.0.5:9094",
        "--cluster.tls-config=/certs/gossip-tls.yml",
      ]),
    );
  });

  it("gives Redis' password and the peers' token only to the services that use them", async () => {
    const { services } = await resolved(haEnv(), [FILE, HA]);
    const holders = (secret: string) =>
      Object.entries(services)
        .filter(([, s]) => JSON.stringify(s).includes(secret))
        .map(([name]) => name)
        .sort();
    expect(holders(HA_ENV.OPSDECK_REDIS_PASSWORD)).toEqual(["notifier", "portal", "redis", "sentinel"]);
    expect(holders(HA_ENV.OPSDECK_HA_TOKEN)).toEqual(["init", "nginx"]);
    const url = `redis-sentinel://:${HA_ENV.OPSDECK_REDIS_PASSWORD}@${HA_ENV.OPSDECK_HA_SENTINELS}/opsdeck`;
    expect(services.notifier.environment).toMatchObject({
      OPSDECK_NOTIFIER_QUEUE: url,
      OPSDECK_NOTIFIER_INSTANCE: "notifier-a",
    });
    expect(services.portal.environment).toMatchObject({
      OPSDECK_SHARED_REDIS: url,
      OPSDECK_PORTAL_INSTANCE: "portal-a",
    });
    // Grafana reads the pair through nginx; the portal its own Prometheus, then the pair.
    expect(services.grafana.environment).toMatchObject({ OPSDECK_PROMETHEUS_URL: "http://nginx:9090" });
    expect(services.portal.environment).toMatchObject({
      OPSDECK_PROMETHEUS_URL: "http://prometheus:9090",
      OPSDECK_PROMETHEUS_REPLICAS: "http://nginx:9090",
    });
    expect(services.nginx.environment).toMatchObject({ OPSDECK_PROMETHEUS_PEER: "10.0.0.6:9093" });
    expect(services.init.environment).toMatchObject({
      OPSDECK_PROMETHEUS_REPLICA: "a",
      OPSDECK_ALERTMANAGER_PEERS: "10.0.0.6",
    });
    // The CA's key only in ha-certs; this server's certificate only where it is used.
    const all = (await resolved(haEnv(), [FILE, HA], [...PROFILES, "witness"])).services;
    const mounting = (source: string) =>
      Object.entries(all)
        .filter(([, s]) => (s.volumes ?? []).some((v) => String(v).startsWith(`${source}:`)))
        .map(([name]) => name)
        .sort();
    expect(mounting(join(REPO, "ha-ca"))).toEqual(["ha-certs"]);
    expect(mounting("ha-certs")).toEqual([
      "alertmanager",
      "elasticsearch",
      "elasticsearch-witness",
      "ha-certs",
      "init",
    ]);
    for (const name of ["alertmanager", "init"])
      expect(all[name].depends_on?.["ha-certs"]).toMatchObject({ condition: "service_completed_successfully" });
    // init reads the certificates' expiry (HACertificateExpiring), read-only; its uid (1000) is
    // Elasticsearch's user's too, so Elasticsearch reads its key through its group (0) instead.
    expect(all.init.volumes).toContain("ha-certs:/opsdeck/ha-certs:ro");
    expect(all.init.environment).toMatchObject({ OPSDECK_HA_CERTS_DIR: "/opsdeck/ha-certs" });
    const script = String(all["ha-certs"].entrypoint?.at(-2));
    expect(script).toContain("chown 0:0 /certs/node.key && chmod 640 /certs/node.key");
    expect(script).toContain("chown 65534:65534 /certs/gossip.key && chmod 600 /certs/gossip.key");
    expect(script).not.toMatch(/chown 1000/);
    // No secret has a default in the file.
    expect([...readFileSync(HA, "utf8").matchAll(/\$\{\w*(PASSWORD|TOKEN)\w*:-[^}]+\}/g)].map((m) => m[0])).toEqual([]);
  });

  it("forms one Elasticsearch cluster over the three servers, its nodes talking TLS with certificates from one CA", async () => {
    const { services } = await resolved(haEnv(), [FILE, HA], [...PROFILES, "witness"]);
    const cluster = {
      "discovery.type": "multi-node",
      "cluster.name": "opsdeck",
      "node.name": "a",
      "network.host": "0.0.0.0",
      "transport.publish_host": "10.0.0.5",
      "transport.publish_port": "9300",
      "discovery.seed_hosts": "10.0.0.5,10.0.0.6,10.0.0.7",
      "cluster.initial_master_nodes": "10.0.0.5,10.0.0.6,10.0.0.7",
      "xpack.security.transport.ssl.enabled": "true",
      "xpack.security.transport.ssl.verification_mode": "full",
      "xpack.security.transport.ssl.key": "certs/node.key",
      "xpack.security.transport.ssl.certificate": "certs/node.crt",
      "xpack.security.transport.ssl.certificate_authorities": "certs/ca.crt",
    };
    const node = services.elasticsearch;
    const witness = services["elasticsearch-witness"];
    expect(node.environment).toMatchObject({ ...cluster, "xpack.security.enabled": "true" });
    expect(node.environment).not.toHaveProperty("node.roles");
    // The witness votes and holds no data; it needs no password (no client asks it anything).
    expect(witness.environment).toMatchObject({
      ...cluster,
      "node.roles": "master,voting_only",
      "xpack.security.enabled": "true",
    });
    expect(JSON.stringify(witness.environment)).not.toMatch(/PASSWORD/);
    expect(witness.image).toBe(node.image);
    for (const [name, s] of [
      ["elasticsearch", node],
      ["elasticsearch-witness", witness],
    ] as const) {
      expect([name, s.depends_on?.["ha-certs"]]).toEqual([
        name,
        expect.objectContaining({ condition: "service_completed_successfully" }),
      ]);
      expect([name, s.volumes]).toEqual([
        name,
        expect.arrayContaining(["ha-certs:/usr/share/elasticsearch/config/certs:ro"]),
      ]);
    }
    expect(services["ha-certs"].image).toBe(node.image);
    expect(services["ha-certs"].restart).toBe("no");
    // The witness runs only where named (its profile): `up -d` on a and b starts no second node.
    const full = (await resolved(haEnv(), [FILE, HA])).services;
    expect(Object.keys(full)).not.toContain("elasticsearch-witness");
  });

  it("keeps Redis' writes on disk before it answers, and never evicts the queue", async () => {
    const { services } = await resolved(haEnv(), [FILE, HA]);
    const flags = services.redis.command!.join(" ");
    expect(flags).toContain("--appendonly yes --appendfsync always --maxmemory-policy noeviction");
    for (const name of ["redis", "sentinel"]) {
      const s = services[name];
      expect([name, s.restart, s.healthcheck?.test.length, s.logging?.options["max-size"]]).toEqual([
        name,
        "unless-stopped",
        expect.any(Number),
        "10m",
      ]);
      expect([name, s.deploy?.resources?.limits?.memory]).toEqual([name, expect.stringMatching(/^\d+m$/)]);
    }
  });
});

describe("docker-compose.agent.yml", () => {
  it("runs the tests' node-exporter, with the same collectors, behind the web config, on the host's network", async () => {
    const file = join(tempDir("agent-compose"), ".env");
    writeFileSync(file, "AGENT_LISTEN=10.0.0.11\n");
    const { services } = await resolved(file, [join(REPO, "docker-compose.agent.yml")]);
    const node = services["node-exporter"];
    expect(node.image).toBe(`prom/node-exporter:v${NODE_EXPORTER_VERSION}`);
    const args = node.command!;
    expect(args).toContain("--web.config.file=/etc/opsdeck-agent/web.yml");
    expect(args).toContain("--web.listen-address=10.0.0.11:9100");
    const collectors = args.filter((a) => /^--collector\.\w+$/.test(a) && a !== "--collector.disable-defaults");
    expect(collectors.map((a) => a.slice("--collector.".length)).sort()).toEqual([...NODE_COLLECTORS].sort());
  });

  it("ships the host's logs with its own key alone (profile logs): the central stack's Filebeat and filebeat.yml", async () => {
    const file = join(tempDir("agent-compose"), ".env");
    writeFileSync(
      file,
      "AGENT_LISTEN=10.0.0.11\nAGENT_NAME=app-1\nOPSDECK_URL=https://ops.example.com\nOPSDECK_ES_API_KEY=id1:key1\nPM2_HOME=/home/deploy/.pm2\n",
    );
    const { stdout } = await exec(
      COMPOSE,
      ["-f", join(REPO, "docker-compose.agent.yml"), "--env-file", file, "--profile", "logs", "config"],
      { cwd: REPO },
    );
    const agent = shortForms(parseYaml(stdout) as { services: Record<string, Service> }).services;
    const central = (await resolved(filledEnv())).services;
    const filebeat = agent.filebeat;
    expect(filebeat.image).toBe(central.filebeat.image);
    expect(filebeat.environment).toMatchObject({
      OPSDECK_ES_URL: "https://ops.example.com",
      OPSDECK_ES_PATH: "/ingest/elasticsearch",
      OPSDECK_ES_API_KEY: "id1:key1",
      OPSDECK_HOST_NAME: "app-1",
    });
    // No secret of the central stack: no Elasticsearch user or password, nothing from its .env.
    expect(Object.keys(filebeat.environment ?? {})).not.toContain("OPSDECK_ES_PASSWORD");
    expect(JSON.stringify(agent)).not.toMatch(/OPSDECK_ES_\w*PASSWORD|ELASTIC_PASSWORD/);
    expect(filebeat.volumes?.map(String).join(" ")).toMatch(/\/home\/deploy\/\.pm2\/logs:\/host\/pm2\/logs:ro/);
  });

  it("refuses to start without the address to listen on", async () => {
    const file = join(tempDir("agent-compose"), ".env");
    writeFileSync(file, "");
    await expect(resolved(file, [join(REPO, "docker-compose.agent.yml")])).rejects.toThrow(/AGENT_LISTEN/);
  });
});
