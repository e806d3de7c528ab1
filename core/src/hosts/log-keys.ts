// Each agent host's Filebeat writes with an Elasticsearch API key of its own, made by the central
// portal: named opsdeck-agent-<host>, holding only what the opsdeck_filebeat role holds (add
// documents to the daily logs and events indices; read nothing), revocable one host at a time.
// Elasticsearch keeps and checks the keys (security on); no secret of the central stack goes to
// an agent host. An API key can hold no more than its owner holds, so the portal's own role
// carries those write privileges too (provisioning/elasticsearch/security.json).
import type { Client } from "@elastic/elasticsearch";
import { roleBodies } from "../elastic-security.ts";

export const LOG_KEY_PREFIX = "opsdeck-agent-";
export const logKeyName = (host: string) => `${LOG_KEY_PREFIX}${host}`;

export interface LogKeyState {
  id: string;
  createdAt: number;
  invalidated: boolean;
}

export interface IssuedLogKey {
  id: string;
  /** As Filebeat's output.elasticsearch.api_key takes it: "<id>:<key>". Shown once, kept nowhere. */
  apiKey: string;
}

const statusOf = (err: unknown) => (err as { meta?: { statusCode?: number } }).meta?.statusCode;

/** Elasticsearch said its security is off (no API keys then): the clear error for the caller. */
export class LogKeysUnavailable extends Error {}

/**
 * Whether Elasticsearch runs with security off (then it has no API keys at all): its nodes'
 * `xpack.security.enabled` setting, which both stacks set explicitly (off natively, on in compose);
 * unset means on, the default since 8.0.
 */
async function securityOff(client: Client): Promise<boolean> {
  try {
    const info = await client.nodes.info({
      metric: "settings",
      filter_path: "nodes.*.settings.xpack.security.enabled",
    });
    const nodes = Object.values((info as { nodes?: Record<string, unknown> }).nodes ?? {});
    return nodes.some(
      (n) =>
        (n as { settings?: { xpack?: { security?: { enabled?: string } } } }).settings?.xpack?.security?.enabled ===
        "false",
    );
  } catch {
    return false;
  }
}

/** Runs a key call; a failure because security is off becomes LogKeysUnavailable. */
async function guard<T>(client: Client, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (err) {
    if (statusOf(err) !== 401 && statusOf(err) !== 403 && (await securityOff(client)))
      throw new LogKeysUnavailable(
        "Elasticsearch's security is off, so it keeps no API keys: agent hosts can ship logs only to an Elasticsearch with security on (the compose stack)",
      );
    throw err;
  }
}

/** Revokes the host's keys and makes a new one (the old one stops working at once). */
export async function issueLogKey(client: Client, prefix: string, host: string): Promise<IssuedLogKey> {
  const role = roleBodies(prefix).opsdeck_filebeat;
  await revokeLogKeys(client, host);
  const key = await guard(client, () =>
    client.security.createApiKey({
      name: logKeyName(host),
      role_descriptors: { opsdeck_filebeat: role },
      metadata: { opsdeck: "agent-logs", host },
    }),
  );
  return { id: key.id, apiKey: `${key.id}:${key.api_key}` };
}

/** Invalidates every key this owner made for the host; the number invalidated. */
export async function revokeLogKeys(client: Client, host: string): Promise<number> {
  try {
    const result = await guard(client, () => client.security.invalidateApiKey({ name: logKeyName(host), owner: true }));
    return result.invalidated_api_keys.length;
  } catch (err) {
    if (statusOf(err) === 404) return 0;
    throw err;
  }
}

/** The newest key of each host, valid or not, by host name. */
export async function logKeys(client: Client): Promise<Map<string, LogKeyState>> {
  let keys: Awaited<ReturnType<Client["security"]["getApiKey"]>>["api_keys"];
  try {
    keys = (await guard(client, () => client.security.getApiKey({ name: `${LOG_KEY_PREFIX}*`, owner: true }))).api_keys;
  } catch (err) {
    if (statusOf(err) === 404) return new Map();
    throw err;
  }
  const byHost = new Map<string, LogKeyState>();
  for (const key of [...keys].sort((a, b) => a.creation - b.creation)) {
    if (!key.name?.startsWith(LOG_KEY_PREFIX)) continue;
    byHost.set(key.name.slice(LOG_KEY_PREFIX.length), {
      id: key.id,
      createdAt: key.creation,
      invalidated: key.invalidated ?? false,
    });
  }
  return byHost;
}

/** The key's id in an `ApiKey base64(id:key)` header, unchecked: to say whose key was refused. */
export const logKeyId = (authorization: string) =>
  Buffer.from(authorization.slice("ApiKey ".length), "base64").toString("utf8").split(":")[0].slice(0, 100);

/**
 * Whose key an `Authorization: ApiKey …` header carries, asked of Elasticsearch itself (the key
 * is valid, not expired, not invalidated): the host's name, or why not.
 */
export async function logKeyHost(
  client: Client,
  authorization: string | undefined,
): Promise<{ ok: true; host: string } | { ok: false; reason: string; keyId?: string }> {
  if (!authorization?.startsWith("ApiKey ")) return { ok: false, reason: "no API key (Authorization: ApiKey …)" };
  try {
    const who = await client.security.authenticate(undefined, { headers: { authorization } });
    const name = who.api_key?.name ?? "";
    if (!name.startsWith(LOG_KEY_PREFIX)) return { ok: false, reason: "not an OpsDeck agent's key" };
    return { ok: true, host: name.slice(LOG_KEY_PREFIX.length) };
  } catch (err) {
    if (statusOf(err) === 401)
      return { ok: false, reason: "the API key is unknown, expired or revoked", keyId: logKeyId(authorization) };
    throw err;
  }
}
