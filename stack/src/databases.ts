// Real database servers for the tests and benchmarks, from Debian's packages (PostgreSQL 15,
// MariaDB 10.11, Redis 7.0), each on a free loopback port in a directory of its own, with a
// monitoring user the way the README tells a team to make one. Stopped with the test.
import { execFileSync } from "node:child_process";
import { appendFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import { freePort, spawnProc, unprivileged, waitUntil, type Proc } from "./procs.ts";
import { CREDENTIAL_FILES, DATABASE_EXPORTER_USER, exporterWebConfig } from "@opsdeck/core/databases/exporters";
import type { DatabaseType } from "@opsdeck/core";
import { hashAgentPassword } from "@opsdeck/core/hosts/web-config";
import { SERVER_BINARIES } from "./versions.ts";

export interface DatabaseServer {
  proc: Proc;
  port: number;
  /** The monitoring user's name and password (Redis: the password alone). */
  user: string;
  password: string;
}

/** Whether something accepts connections on a loopback port. */
export const listening = (port: number) =>
  new Promise<boolean>((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => {
      socket.end();
      resolve(true);
    });
    socket.on("error", () => resolve(false));
  });

/** Debian's PostgreSQL binaries (/usr/lib/postgresql/<major>/bin), the newest installed. */
function postgresBin(name: string): string {
  const root = "/usr/lib/postgresql";
  const majors = existsSync(root) ? readdirSync(root).sort((a, b) => Number(b) - Number(a)) : [];
  if (!majors.length) throw new Error("PostgreSQL is not installed: scripts/setup.sh --test installs it");
  return join(root, majors[0], "bin", name);
}

/** Where a server listens beyond 127.0.0.1, and (PostgreSQL's pg_hba.conf) the clients it lets in from there. */
export interface Listen {
  addresses: string[];
  /** A CIDR, e.g. Docker's networks (172.16.0.0/12). */
  clients: string;
}

/** PostgreSQL with a `opsdeck_monitor` user in pg_monitor (what postgres_exporter needs), `max_connections`. */
export async function startPostgres(opts: {
  dir: string;
  maxConnections?: number;
  listen?: Listen;
}): Promise<DatabaseServer> {
  const port = await freePort();
  const data = join(opts.dir, "data");
  mkdirSync(opts.dir, { recursive: true });
  const run = (bin: string, args: string[]) => {
    const [cmd, argv] = unprivileged(opts.dir, postgresBin(bin), args);
    return execFileSync(cmd, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  };
  run("initdb", [
    "-D",
    data,
    "-U",
    "postgres",
    "--auth-local=trust",
    "--auth-host=scram-sha-256",
    "--no-sync",
    "-E",
    "UTF8",
    "--locale=C",
  ]);
  // initdb lets in loopback clients only; others with a password, from where they are said to be.
  if (opts.listen) appendFileSync(join(data, "pg_hba.conf"), `host all all ${opts.listen.clients} scram-sha-256\n`);
  const [cmd, argv] = unprivileged(opts.dir, postgresBin("postgres"), [
    "-D",
    data,
    "-p",
    String(port),
    "-k",
    opts.dir,
    "-c",
    `listen_addresses=${["127.0.0.1", ...(opts.listen?.addresses ?? [])].join(",")}`,
    "-c",
    `max_connections=${opts.maxConnections ?? 50}`,
    "-c",
    "fsync=off",
  ]);
  const proc = spawnProc("postgres", cmd, argv, { logFile: join(opts.dir, "postgres.log") });
  await waitUntil("postgres", () => listening(port), { proc, timeoutMs: 30_000 });
  const password = "monitor-password-0123456789";
  await waitUntil(
    "postgres ready",
    async () => {
      try {
        run("psql", ["-h", opts.dir, "-p", String(port), "-U", "postgres", "-c", "select 1"]);
        return true;
      } catch {
        return false;
      }
    },
    { proc, timeoutMs: 30_000 },
  );
  // The superuser through the socket (trusted); everyone over TCP with a password.
  run("psql", [
    "-h",
    opts.dir,
    "-p",
    String(port),
    "-U",
    "postgres",
    "-v",
    "ON_ERROR_STOP=1",
    "-c",
    `CREATE USER opsdeck_monitor PASSWORD '${password}'; GRANT pg_monitor TO opsdeck_monitor;`,
  ]);
  return { proc, port, user: "opsdeck_monitor", password };
}

/** Redis with a password (requirepass), a maxmemory, nothing saved to disk. */
export async function startRedis(opts: { dir: string; maxClients?: number; listen?: Listen }): Promise<DatabaseServer> {
  const port = await freePort();
  mkdirSync(opts.dir, { recursive: true });
  const password = "redis-password-0123456789";
  const conf = join(opts.dir, "redis.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      `bind ${["127.0.0.1", ...(opts.listen?.addresses ?? [])].join(" ")}`,
      `dir ${opts.dir}`,
      `requirepass ${password}`,
      `maxclients ${opts.maxClients ?? 100}`,
      "maxmemory 64mb",
      'save ""',
      "appendonly no",
    ].join("\n") + "\n",
    { mode: 0o600 },
  );
  const proc = spawnProc("redis", "/usr/bin/redis-server", [conf], { logFile: join(opts.dir, "redis.log") });
  await waitUntil("redis", () => listening(port), { proc, timeoutMs: 30_000 });
  return { proc, port, user: "", password };
}

/** MariaDB with an `opsdeck_monitor` user holding what mysqld_exporter reads (PROCESS, REPLICATION CLIENT, SELECT). */
export async function startMariadb(opts: { dir: string; maxConnections?: number }): Promise<DatabaseServer> {
  const port = await freePort();
  const data = join(opts.dir, "data");
  const socket = join(opts.dir, "mysqld.sock");
  mkdirSync(opts.dir, { recursive: true });
  const user = process.getuid?.() === 0 ? ["--user=root"] : [];
  execFileSync(
    "mariadb-install-db",
    ["--no-defaults", `--datadir=${data}`, "--auth-root-authentication-method=socket", "--skip-test-db", ...user],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  const proc = spawnProc(
    "mariadb",
    "/usr/sbin/mariadbd",
    [
      "--no-defaults",
      `--datadir=${data}`,
      `--port=${port}`,
      "--bind-address=127.0.0.1",
      `--socket=${socket}`,
      `--pid-file=${join(opts.dir, "mysqld.pid")}`,
      `--max-connections=${opts.maxConnections ?? 50}`,
      "--innodb-flush-log-at-trx-commit=0",
      "--skip-log-bin",
      ...user,
    ],
    { logFile: join(opts.dir, "mariadb.log") },
  );
  await waitUntil("mariadb", () => listening(port), { proc, timeoutMs: 60_000 });
  const password = "monitor-password-0123456789";
  execFileSync("mariadb", [
    "--no-defaults",
    `--socket=${socket}`,
    "-u",
    "root",
    "-e",
    `CREATE USER 'opsdeck_monitor'@'127.0.0.1' IDENTIFIED BY '${password}' WITH MAX_USER_CONNECTIONS 3;
     GRANT PROCESS, REPLICATION CLIENT, SELECT ON *.* TO 'opsdeck_monitor'@'127.0.0.1';`,
  ]);
  return { proc, port, user: "opsdeck_monitor", password };
}

/**
 * A type's exporter (built from its Go module, stack/src/versions.ts) on 127.0.0.1:port, in
 * multi-target mode: it connects to a database only when Prometheus names it, with the
 * credentials in secretsDir (core/src/databases/exporters.ts writes them, 0600). Only Prometheus
 * may ask it (basic auth, `scrapePassword`'s bcrypt hash): a multi-target exporter asked for any
 * target would log in there with the auth module's user and password.
 */
export async function startDatabaseExporter(
  type: DatabaseType,
  opts: { secretsDir: string; scrapePassword: string; port?: number; logFile?: string },
): Promise<{ proc: Proc; url: string }> {
  const port = opts.port ?? (await freePort());
  const listen = `--web.listen-address=127.0.0.1:${port}`;
  const credentials = join(opts.secretsDir, CREDENTIAL_FILES[type]);
  const hash = hashAgentPassword(opts.scrapePassword);
  const webConfig = join(opts.secretsDir, "web.yml");
  writeFileSync(webConfig, exporterWebConfig(opts.scrapePassword), { mode: 0o600 });
  const [name, bin, args]: [string, string, string[]] =
    type === "postgres"
      ? [
          "postgres_exporter",
          SERVER_BINARIES.postgresExporter,
          [listen, `--config.file=${credentials}`, `--web.config.file=${webConfig}`],
        ]
      : type === "mysql"
        ? [
            "mysqld_exporter",
            SERVER_BINARIES.mysqldExporter,
            [listen, `--config.my-cnf=${credentials}`, `--web.config.file=${webConfig}`],
          ]
        : // No default address: it connects only where a scrape's target says.
          [
            "redis_exporter",
            SERVER_BINARIES.redisExporter,
            [listen, "--redis.addr=", `--redis.password-file=${credentials}`],
          ];
  // Only what it needs of the environment: none of OpsDeck's secrets. redis_exporter takes its
  // basic auth from flags or the environment only (the hash: never the password in argv).
  const env = {
    PATH: process.env.PATH,
    ...(type === "redis"
      ? { REDIS_EXPORTER_BASIC_AUTH_USERNAME: DATABASE_EXPORTER_USER, REDIS_EXPORTER_BASIC_AUTH_HASH_PASSWORD: hash }
      : {}),
  };
  const proc = spawnProc(name, bin, args, { env, logFile: opts.logFile });
  const url = `http://127.0.0.1:${port}`;
  const auth = {
    authorization: `Basic ${Buffer.from(`${DATABASE_EXPORTER_USER}:${opts.scrapePassword}`).toString("base64")}`,
  };
  await waitUntil(
    name,
    async () => (await fetch(`${url}/metrics`, { headers: auth }).catch(() => undefined))?.ok ?? false,
    {
      proc,
      timeoutMs: 30_000,
    },
  );
  return { proc, url };
}
