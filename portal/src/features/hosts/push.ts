// The front door's check of a push host's write (nginx auth_request before Prometheus' remote
// write receiver): 204 for a host whose token matches, 401 otherwise. What each host last did is
// kept here for the Hosts page: when its writes were last accepted, and the last refusal.
import { createLogger } from "@opsdeck/core";
import { checkPush, type PushCheck } from "@opsdeck/core/hosts/push-auth";
import { watchedHosts } from "./host-lists.ts";

export interface PushStatus {
  acceptedAt?: number;
  refused?: { at: number; reason: string };
}

// On globalThis: Next may load this module once for the route handler and once for the page.
const shared = globalThis as { opsdeckPushStatus?: Map<string, PushStatus> };
const status = (shared.opsdeckPushStatus ??= new Map<string, PushStatus>());
const log = createLogger({ service: "portal", dataset: "opsdeck.portal" });
/** A refused agent retries every few seconds: each reason is logged once per host and 5 minutes. */
const logged = new Map<string, number>();

export const pushStatus = (host: string): PushStatus => status.get(host) ?? {};

export async function GET(req: Request) {
  const result = checkPush(watchedHosts(), req.headers.get("authorization") ?? undefined);
  const now = Date.now();
  if (result.ok) status.set(result.host, { ...status.get(result.host), acceptedAt: now });
  else if (result.host)
    status.set(result.host, { ...status.get(result.host), refused: { at: now, reason: result.reason } });
  return hostTokenAnswer(result, "push");
}

/**
 * The front door's answer to a host's token: 204, or 401 with the reason — logged once per host,
 * reason and 5 minutes (a refused agent or app retries every few seconds).
 */
export function hostTokenAnswer(result: PushCheck, what: "push" | "otlp"): Response {
  if (result.ok) return new Response(null, { status: 204 });
  const now = Date.now();
  const key = `${what}\u0000${result.host ?? ""}\u0000${result.reason}`;
  if (now - (logged.get(key) ?? 0) > 300_000) {
    if (logged.size > 1000) logged.clear();
    logged.set(key, now);
    log.warn(`${what} refused: ${result.reason}`, { "host.name": result.host });
  }
  return Response.json(
    { error: result.reason },
    { status: 401, headers: { "www-authenticate": `Basic realm="opsdeck ${what}"` } },
  );
}
