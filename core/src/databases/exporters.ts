// opsdeck.yml's databases as their exporters and Prometheus take them: one exporter per type
// (the multi-target pattern: Prometheus names the database in each scrape's `target`), each
// reading the monitoring users' credentials from one file only it reads, and one file_sd file per
// type whose entries carry the database's name (`database`), its host and the exporter's auth
// module. npm start and compose's init write both; the exporters and Prometheus read them.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import type { Database, DatabaseType } from "../config/databases.ts";
import { hashAgentPassword } from "../hosts/web-config.ts";

/** The one user the exporters let in: Prometheus, with a password only it and they know. */
export const DATABASE_EXPORTER_USER = "prometheus";

/** exporter-toolkit's web config (postgres_exporter, mysqld_exporter): that user, by the password's bcrypt hash. */
export const exporterWebConfig = (password: string) =>
  stringify({ basic_auth_users: { [DATABASE_EXPORTER_USER]: hashAgentPassword(password) } });

/** Where each type's exporter is reached in compose (docker-compose.monitoring.yml's services). */
export const COMPOSE_EXPORTERS: Record<DatabaseType, string> = {
  postgres: "postgres-exporter:9187",
  mysql: "mysqld-exporter:9104",
  redis: "redis-exporter:9121",
};

const LOOPBACK = new Set(["127.0.0.1", "localhost", "[::1]"]);

/**
 * A database as a container reaches it: an address on this server's loopback (what opsdeck.yml
 * says natively) becomes the same port at `hostAddress` (compose: host.docker.internal).
 */
export function reachedFrom(d: Database, hostAddress: string): Database {
  const colon = d.address.lastIndexOf(":");
  const host = d.address.slice(0, colon);
  return LOOPBACK.has(host) ? { ...d, address: `${hostAddress}${d.address.slice(colon)}` } : d;
}

/** What each exporter reads its credentials from, in the secrets directory. */
export const CREDENTIAL_FILES: Record<DatabaseType, string> = {
  postgres: "postgres_exporter.yml",
  mysql: "my.cnf",
  redis: "redis-passwords.json",
};

/** Where each exporter is asked (Prometheus' metrics_path): redis_exporter's is /scrape. */
export const PROBE_PATHS: Record<DatabaseType, string> = { postgres: "/probe", mysql: "/probe", redis: "/scrape" };

/** The exporter's target for a database: postgres a libpq URL, mysql host:port, redis a redis:// URL. */
export function exporterTarget(d: Database): string {
  if (d.type === "postgres") return `postgresql://${d.address}/${encodeURIComponent(d.dbname)}`;
  return d.type === "redis" ? `redis://${d.address}` : d.address;
}

/** An INI value as MySQL's option files read it (quoted, with its backslashes and quotes escaped). */
const ini = (value: string) => `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/** Each type's credentials file, or undefined where no database is of that type. */
export function credentialFiles(databases: Database[]): Partial<Record<DatabaseType, string>> {
  const of = (type: DatabaseType) => databases.filter((d) => d.type === type);
  const files: Partial<Record<DatabaseType, string>> = {};
  if (of("postgres").length)
    files.postgres = stringify({
      auth_modules: Object.fromEntries(
        of("postgres").map((d) => [
          d.name,
          {
            type: "userpass",
            userpass: { username: d.user, password: d.password ?? "" },
            options: { sslmode: d.sslmode },
          },
        ]),
      ),
    });
  if (of("mysql").length) {
    // [client] is required by mysqld_exporter at start: the first database's, unused otherwise.
    const section = (name: string, d: Database) =>
      `[${name}]\nuser=${ini(d.user!)}\npassword=${ini(d.password ?? "")}\n`;
    files.mysql = [section("client", of("mysql")[0]), ...of("mysql").map((d) => section(`client.${d.name}`, d))].join(
      "\n",
    );
  }
  if (of("redis").length)
    files.redis = JSON.stringify(
      Object.fromEntries(of("redis").map((d) => [exporterTarget(d), d.password ?? ""])),
      null,
      2,
    );
  return files;
}

export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

/** Prometheus' file_sd groups for one type: a group per database, naming its auth module. */
export function targetGroups(databases: Database[], type: DatabaseType): TargetGroup[] {
  return databases
    .filter((d) => d.type === type)
    .map((d) => ({
      targets: [exporterTarget(d)],
      labels: {
        database: d.name,
        ...(d.host ? { host: d.host } : {}),
        ...(type === "redis" ? {} : { __param_auth_module: type === "mysql" ? `client.${d.name}` : d.name }),
      },
    }));
}

/**
 * Writes every type's credentials (0600 unless said; a type with no database gets none, and loses
 * a file left from before) and targets (targetsDir/databases/<type>.json, always: an empty list
 * removes the last one). `secretsDir` says where each type's exporter reads them (compose: a
 * volume per exporter, so one cannot read another's passwords).
 */
export function writeDatabaseFiles(
  opts: { secretsDir: (type: DatabaseType) => string; targetsDir: string; fileMode?: number },
  databases: Database[],
) {
  mkdirSync(join(opts.targetsDir, "databases"), { recursive: true });
  const credentials = credentialFiles(databases);
  for (const type of Object.keys(CREDENTIAL_FILES) as DatabaseType[]) {
    const text = credentials[type];
    const file = join(opts.secretsDir(type), CREDENTIAL_FILES[type]);
    if (text === undefined) rmSync(file, { force: true });
    else {
      mkdirSync(opts.secretsDir(type), { recursive: true, mode: 0o700 });
      // Removed first: a mode applies only when the file is created.
      rmSync(file, { force: true });
      writeFileSync(file, text, { mode: opts.fileMode ?? 0o600 });
    }
    writeFileSync(
      join(opts.targetsDir, "databases", `${type}.json`),
      JSON.stringify(targetGroups(databases, type), null, 2) + "\n",
    );
  }
  return credentials;
}
