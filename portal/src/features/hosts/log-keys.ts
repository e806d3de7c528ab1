// Agent hosts' log keys (core/src/hosts/log-keys.ts) in the portal: operators issue and revoke
// them on the Hosts page; the front door asks here (nginx auth_request, /api/auth/agent-logs)
// before a Filebeat's bulk write reaches Elasticsearch, which checks the key again itself. What
// each host's Filebeat last did is kept for the Hosts page, as for push hosts.
import { createHash } from "node:crypto";
import { createLogger } from "@opsdeck/core";
import {
  issueLogKey,
  logKeyHost,
  logKeys,
  LogKeysUnavailable,
  revokeLogKeys,
  type LogKeyState,
} from "@opsdeck/core/hosts/log-keys";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { deniedResponse, requireChange } from "@/features/auth/auth.ts";
import { es } from "@/features/logs/search.ts";
import { changeable, HostChangeError } from "./host-lists.ts";
import type { PushStatus } from "./push.ts";

type Checked = Awaited<ReturnType<typeof logKeyHost>>;

// On globalThis: Next may load this module once for the route handler and once for the page.
const shared = globalThis as {
  opsdeckLogShipping?: Map<string, PushStatus>;
  opsdeckLogKeyChecks?: Map<string, { result: Checked; at: number }>;
  /** The hosts' keys as last read from Elasticsearch (the page's list; dropped on every change). */
  opsdeckLogKeys?: { at: number; keys: Map<string, LogKeyState> };
};
const shipping = (shared.opsdeckLogShipping ??= new Map<string, PushStatus>());
/** Elasticsearch's answer per Authorization header (by its hash), so a bulk a second per host
 * costs no extra round trip: 30 s for a valid key (a revocation here clears it at once). */
const checks = (shared.opsdeckLogKeyChecks ??= new Map<string, { result: Checked; at: number }>());
const KEEP_VALID_MS = 30_000;
const KEEP_REFUSED_MS = 5_000;
const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });
const logged = new Map<string, number>();

export const logShipping = (host: string): PushStatus => shipping.get(host) ?? {};

/** The hosts' keys as Elasticsearch holds them, read at most every 10 s; or why it cannot say. */
export async function logKeyStates(): Promise<{
  keys?: Map<string, LogKeyState>;
  unavailable?: { securityOff: true } | { error: string };
}> {
  const known = shared.opsdeckLogKeys;
  if (known && Date.now() - known.at < 10_000) return { keys: known.keys };
  try {
    const keys = await logKeys(es());
    shared.opsdeckLogKeys = { at: Date.now(), keys };
    return { keys };
  } catch (err) {
    return {
      unavailable: err instanceof LogKeysUnavailable ? { securityOff: true } : { error: (err as Error).message },
    };
  }
}

async function check(authorization: string | undefined): Promise<Checked> {
  const hash = createHash("sha256")
    .update(authorization ?? "")
    .digest("hex");
  const cached = checks.get(hash);
  const now = Date.now();
  if (cached && now - cached.at < (cached.result.ok ? KEEP_VALID_MS : KEEP_REFUSED_MS)) return cached.result;
  const result = await logKeyHost(es(), authorization);
  if (checks.size > 1000) checks.clear();
  checks.set(hash, { result, at: now });
  return result;
}

/** GET /api/auth/agent-logs: 204 for a valid agent log key, 401 otherwise (nginx auth_request). */
export async function GET(req: Request) {
  let result: Checked;
  try {
    result = await check(req.headers.get("authorization") ?? undefined);
  } catch (err) {
    // Elasticsearch did not answer: nothing can be written anyway; say why, once in a while.
    log.warn("agent log key not checked: Elasticsearch did not answer", { error: err });
    return Response.json({ error: "Elasticsearch did not answer" }, { status: 503 });
  }
  const now = Date.now();
  if (result.ok) {
    shipping.set(result.host, { ...shipping.get(result.host), acceptedAt: now });
    return new Response(null, { status: 204 });
  }
  const host = result.keyId
    ? [...((await logKeyStates()).keys ?? [])].find(([, k]) => k.id === result.keyId)?.[0]
    : undefined;
  if (host) shipping.set(host, { ...shipping.get(host), refused: { at: now, reason: result.reason } });
  const key = `${host ?? ""}\u0000${result.reason}`;
  if (now - (logged.get(key) ?? 0) > 300_000) {
    if (logged.size > 1000) logged.clear();
    logged.set(key, now);
    log.warn(`agent logs refused: ${result.reason}`, { "host.name": host });
  }
  return Response.json({ error: result.reason }, { status: 401 });
}

type Params = { params: Promise<{ name: string }> };

async function operatorChange(
  { params }: Params,
  change: (user: string, host: string) => Promise<Response>,
): Promise<Response> {
  let user: string;
  try {
    user = (await requireChange("operator")).user;
  } catch (err) {
    return deniedResponse(err);
  }
  const { name } = await params;
  try {
    changeable(name, { fromOpsdeckYml: true });
    const response = await change(user, name);
    // The front door's cached answers and the page's list must not outlive the change.
    checks.clear();
    shared.opsdeckLogKeys = undefined;
    return response;
  } catch (err) {
    if (err instanceof HostChangeError) return Response.json({ error: err.message }, { status: err.status });
    if (err instanceof LogKeysUnavailable)
      return Response.json({ error: err.message, code: "security_off" }, { status: 409 });
    throw err;
  }
}

/** POST /api/hosts/:name/log-key: a new key for the host's Filebeat (the old one stops working); shown once. */
export const POST = (_req: Request, params: Params) =>
  operatorChange(params, async (user, host) => {
    const issued = await issueLogKey(es(), config().elasticsearch.index_prefix, host);
    await audit(user, "host-log-key-issued", { "host.name": host, "opsdeck.key.id": issued.id });
    return Response.json({ host, id: issued.id, api_key: issued.apiKey }, { status: 201 });
  });

/** DELETE /api/hosts/:name/log-key: the host's keys revoked; its Filebeat is refused from now on. */
export const DELETE = (_req: Request, params: Params) =>
  operatorChange(params, async (user, host) => {
    const revoked = await revokeLogKeys(es(), host);
    await audit(user, "host-log-key-revoked", { "host.name": host, "opsdeck.keys.revoked": revoked });
    return Response.json({ host, revoked });
  });
