// Hosts in push mode write into the central Prometheus through the front door, each with its
// own token: basic auth with the host's name as the user. The hosts list holds only each
// token's SHA-256 (tokens are 32 random bytes: a fast hash is enough, and checking costs nothing).
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import type { Host } from "../config/hosts.ts";

export const sha256Hex = (text: string) => createHash("sha256").update(text).digest("hex");

/** A new push token and the hash to list with the host. */
export function newPushToken(): { token: string; sha256: string } {
  const token = randomBytes(32).toString("base64url");
  return { token, sha256: sha256Hex(token) };
}

export type PushCheck = { ok: true; host: string } | { ok: false; host?: string; reason: string };

/** Whose write this is, from `Authorization: Basic base64(host:token)`. */
export const checkPush = (hosts: Host[], authorization: string | undefined) =>
  checkHostToken(hosts, authorization, "push");

/**
 * Which host this is, from `Authorization: Basic base64(host:token)`, for what it asks: a push
 * host's write, a vantage point's probe modules (a host of any mode with blackbox_exporter set),
 * or its apps' request metrics over OTLP (a host of any mode with a token).
 */
export function checkHostToken(
  hosts: Host[],
  authorization: string | undefined,
  use: "push" | "probes" | "otlp",
): PushCheck {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(authorization ?? "");
  const what = use === "push" ? "push token" : "token";
  if (!m) return { ok: false, reason: `missing credentials: send the host's name and ${what} (basic auth)` };
  const decoded = Buffer.from(m[1], "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  const [name, token] = colon < 0 ? [decoded, ""] : [decoded.slice(0, colon), decoded.slice(colon + 1)];
  const host = hosts.find((h) => h.name === name);
  const shown = name.slice(0, 63);
  if (!host) return { ok: false, reason: `no host named "${shown}"` };
  if (use === "push" && host.mode !== "push")
    return { ok: false, host: host.name, reason: `"${host.name}" is not in push mode` };
  if (use === "probes" && host.blackbox_exporter === false)
    return { ok: false, host: host.name, reason: `"${host.name}" has no blackbox_exporter: it is no vantage point` };
  if (!host.push_token_sha256) return { ok: false, host: host.name, reason: `"${host.name}" has no token listed` };
  if (!host.enabled) return { ok: false, host: host.name, reason: `"${host.name}" is disabled` };
  const matches = timingSafeEqual(Buffer.from(sha256Hex(token), "hex"), Buffer.from(host.push_token_sha256, "hex"));
  if (!matches)
    return { ok: false, host: host.name, reason: `the ${what} of "${host.name}" does not match (revoked?)` };
  return { ok: true, host: host.name };
}
