// Elasticsearch's users and roles for OpsDeck (provisioning/elasticsearch/security.json), applied
// by the compose stack's init job as `elastic`: each service gets a user that can do its job
// and no more, and Kibana's own `kibana_system` its password. Idempotent: roles and users are
// PUT whole, so running it twice gives the same result.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Client } from "@elastic/elasticsearch";

interface SecurityFile {
  roles: Record<string, Record<string, unknown> & { _meta?: { description?: string } }>;
  users: Record<string, { roles: string[]; password_env: string }>;
}

/**
 * In a bundle (the image's dist/init.mjs) import.meta.url says nothing about where provisioning/
 * is: OPSDECK_HOME (set by the Dockerfile) does; in the checkout, this file's own place.
 */
export const SECURITY_FILE = process.env.OPSDECK_HOME
  ? join(process.env.OPSDECK_HOME, "provisioning/elasticsearch/security.json")
  : new URL("../../provisioning/elasticsearch/security.json", import.meta.url);

const withPrefix = (value: unknown, prefix: string): unknown =>
  JSON.parse(JSON.stringify(value).replaceAll("{prefix}", prefix));

/** The roles with the index prefix filled in, and the password variable each user takes. */
export function securityDefinitions(prefix: string, path: URL | string = SECURITY_FILE) {
  const file = JSON.parse(readFileSync(path, "utf8")) as SecurityFile & { _comment?: string };
  return { roles: withPrefix(file.roles, prefix) as SecurityFile["roles"], users: file.users };
}

/** The role bodies as the _security/role API and roles.yml both take them (without our _meta). */
export function roleBodies(
  prefix: string,
  path: URL | string = SECURITY_FILE,
): Record<string, Record<string, unknown>> {
  return Object.fromEntries(
    Object.entries(securityDefinitions(prefix, path).roles).map(([name, { _meta, ...body }]) => [name, body]),
  );
}

/**
 * Applies the roles, the users (passwords from `env`; a user whose variable is unset is an
 * error, not skipped) and kibana_system's password. Returns what it did, a line each.
 */
export async function applySecurity(
  client: Client,
  prefix: string,
  env: NodeJS.ProcessEnv,
  kibanaSystemPassword?: string,
  path: URL | string = SECURITY_FILE,
): Promise<string[]> {
  const { roles, users } = securityDefinitions(prefix, path);
  const bodies = roleBodies(prefix, path);
  const missing = Object.values(users)
    .map((u) => u.password_env)
    .filter((name) => !env[name]);
  if (missing.length) throw new Error(`set ${missing.join(", ")}: the passwords of OpsDeck's Elasticsearch users`);
  const report: string[] = [];
  for (const [name, role] of Object.entries(bodies)) {
    await client.security.putRole({ name, ...role, metadata: { description: roles[name]._meta?.description ?? "" } });
    report.push(`role ${name}`);
  }
  for (const [name, user] of Object.entries(users)) {
    await client.security.putUser({ username: name, password: env[user.password_env]!, roles: user.roles });
    report.push(`user ${name} (${user.roles.join(", ")})`);
  }
  if (kibanaSystemPassword) {
    await client.security.changePassword({ username: "kibana_system", password: kibanaSystemPassword });
    report.push("user kibana_system: password set");
  }
  return report;
}
