// Elasticsearch for the native stack and the tests: the `integ-test-zip` distribution from Maven
// Central (server, transport and x-pack core/security only — no ILM, no data streams, no
// painless, no ingest processors), run single-node on 127.0.0.1 with security off under the
// machine's Java 17. scripts/setup.sh fetches and unpacks it into .cache/.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, realpathSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { stringify as stringifyYaml } from "yaml";
import { freePort, httpOk, spawnProc, unprivileged, waitUntil, type Proc } from "./procs.ts";
import { REPO } from "./services.ts";

export const ES_VERSION = "8.19.21";

/**
 * Disk watermarks in free space, not a share of the disk: ES's defaults (85 / 90 / 95 %) stop a
 * 252 GB disk with 25 GB free from placing even its own security index — on a monitoring server
 * whose disk is mostly the apps'. Elasticsearch still stops short of filling the disk (read-only
 * below 1 GB free), and HostDiskSpaceLow warns well before. docker-compose.monitoring.yml sets
 * the same values (its test checks).
 */
export const DISK_WATERMARKS = {
  "cluster.routing.allocation.disk.watermark.low": "5gb",
  "cluster.routing.allocation.disk.watermark.high": "2gb",
  "cluster.routing.allocation.disk.watermark.flood_stage": "1gb",
};
export const ES_HOME = process.env.OPSDECK_ES_HOME ?? join(REPO, ".cache", `elasticsearch-${ES_VERSION}`);

/** ES_JAVA_HOME, else the home of the `java` on PATH (the distribution bundles no JDK). */
function javaHome(): string {
  if (process.env.ES_JAVA_HOME) return process.env.ES_JAVA_HOME;
  for (const d of (process.env.PATH ?? "").split(":")) {
    const java = join(d, "java");
    if (existsSync(java)) return dirname(dirname(realpathSync(java)));
  }
  throw new Error("no java on PATH for Elasticsearch: install openjdk-17-jre-headless (scripts/setup.sh does)");
}

/**
 * A node of a cluster on loopback: its name and transport port, and every node's (the seeds and
 * the first master election's voters; each node is master-eligible and holds data).
 */
export interface ElasticsearchNode {
  name: string;
  transportPort: number;
  nodes: { name: string; transportPort: number }[];
}

function clusterSettings(node: ElasticsearchNode | undefined): Record<string, string> {
  if (!node) return { "node.name": "opsdeck", "discovery.type": "single-node" };
  return {
    "node.name": node.name,
    "discovery.seed_hosts": node.nodes.map((n) => `127.0.0.1:${n.transportPort}`).join(","),
    "cluster.initial_master_nodes": node.nodes.map((n) => n.name).join(","),
  };
}

export async function startElasticsearch(opts: {
  dir: string;
  port: number;
  /** JVM heap; the default (half the machine's memory) is far more than logs on one server need. */
  heapMb?: number;
  logFile?: string;
  timeoutMs?: number;
  /**
   * Security on, with this superuser in the file realm (the tests' stand-in for `elastic`, whose
   * password the Docker image sets from ELASTIC_PASSWORD; the zip has no such hook).
   */
  security?: {
    user: string;
    password: string;
    /**
     * Roles (roles.yml, the file realm's) and users holding them. The .security index (native
     * users, API keys) works with OpsDeck's module (stack/elasticsearch-analysis/), which
     * scripts/setup.sh adds to the test distribution.
     */
    roles?: Record<string, unknown>;
    users?: { user: string; password: string; roles: string[] }[];
  };
  /** A directory snapshots may be written to (path.repo). */
  snapshotDir?: string;
  /** One node of a cluster on loopback; unset: a single node. */
  cluster?: ElasticsearchNode;
}): Promise<{ proc: Proc; url: string }> {
  const bin = join(ES_HOME, "bin", "elasticsearch");
  if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup.sh`);
  // A config directory of its own (Elasticsearch writes its keystore there), data and logs in `dir`.
  const conf = join(opts.dir, "config");
  if (!existsSync(conf)) cpSync(join(ES_HOME, "config"), conf, { recursive: true });
  for (const d of ["data", "logs"]) mkdirSync(join(opts.dir, d), { recursive: true });
  const heap = opts.heapMb ?? 512;
  writeFileSync(join(conf, "jvm.options.d", "opsdeck.options"), `-Xms${heap}m\n-Xmx${heap}m\n`);
  const url = `http://127.0.0.1:${opts.port}`;
  const settings = {
    "cluster.name": "opsdeck",
    ...clusterSettings(opts.cluster),
    "xpack.security.enabled": opts.security ? "true" : "false",
    ...(opts.snapshotDir ? { "path.repo": opts.snapshotDir } : {}),
    "network.host": "127.0.0.1",
    "http.port": String(opts.port),
    "transport.port": String(opts.cluster?.transportPort ?? (await freePort())),
    "path.data": join(opts.dir, "data"),
    "path.logs": join(opts.dir, "logs"),
    ...DISK_WATERMARKS,
  };
  const args = Object.entries(settings).map(([k, v]) => `-E${k}=${v}`);
  const env = { ...process.env, ES_PATH_CONF: conf, ES_JAVA_HOME: javaHome(), JAVA_HOME: "" };
  if (opts.security) {
    const users = [{ ...opts.security, roles: ["superuser"] }, ...(opts.security.users ?? [])];
    // roles.yml takes the role bodies the _security/role API takes (in block YAML: its reader
    // takes one top-level role per entry, and found one in a flow-style map).
    writeFileSync(join(conf, "roles.yml"), stringifyYaml(opts.security.roles ?? {}));
    for (const u of users)
      execFileSync(
        join(ES_HOME, "bin", "elasticsearch-users"),
        ["useradd", u.user, "-p", u.password, "-r", u.roles.join(",")],
        {
          env,
          stdio: "pipe",
        },
      );
  }
  if (opts.snapshotDir) mkdirSync(opts.snapshotDir, { recursive: true });
  // Elasticsearch refuses to run as root: as `nobody` then.
  const [cmd, argv] = unprivileged(opts.dir, bin, args);
  const proc = spawnProc("elasticsearch", cmd, argv, { env, logFile: opts.logFile });
  const auth: Record<string, string> = opts.security
    ? { authorization: `Basic ${Buffer.from(`${opts.security.user}:${opts.security.password}`).toString("base64")}` }
    : {};
  // Since 8.9 this distribution has no `GET /`; cluster health says it is ready.
  await waitUntil(
    "elasticsearch",
    async () => {
      const res = await fetch(`${url}/_cluster/health?wait_for_status=yellow&timeout=1s`, { headers: auth }).catch(
        () => undefined,
      );
      return res?.ok ?? false;
    },
    { proc, timeoutMs: opts.timeoutMs ?? 120_000 },
  );
  return { proc, url };
}

/**
 * Debian's prometheus-elasticsearch-exporter, for cluster health (the Elasticsearch alerts).
 * `url` must answer `GET /` (its cluster-info collector asks): give it the front, not the test
 * distribution itself.
 */
export async function startElasticsearchExporter(opts: {
  url: string;
  port: number;
  logFile?: string;
}): Promise<{ proc: Proc; url: string }> {
  const url = `http://127.0.0.1:${opts.port}`;
  const proc = spawnProc(
    "elasticsearch-exporter",
    "prometheus-elasticsearch-exporter",
    [`--web.listen-address=127.0.0.1:${opts.port}`, `--es.uri=${opts.url}`, "--es.timeout=5s"],
    { logFile: opts.logFile, env: { PATH: process.env.PATH } },
  );
  await waitUntil("elasticsearch-exporter", () => httpOk(`${url}/metrics`), { proc });
  return { proc, url };
}
