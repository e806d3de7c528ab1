// Sessions: a cookie holding user, role and expiry, signed with HMAC-SHA256 (Web Crypto, so the
// proxy and route handlers share it), compared in constant time. CSRF: a second, readable
// cookie whose value every change must echo in a header (double submit), plus an Origin check.
import type { Role } from "@opsdeck/core";

export const SESSION_COOKIE = "opsdeck_session";
export const CSRF_COOKIE = "opsdeck_csrf";
export const CSRF_HEADER = "x-opsdeck-csrf";

export interface Session {
  user: string;
  role: Role;
  exp: number;
}

const enc = new TextEncoder();
const b64url = (buf: ArrayBuffer | Uint8Array) =>
  btoa(String.fromCharCode(...new Uint8Array(buf)))
    .replace(/\+/g, "-")
    .replace(/\//g, "_")
    .replace(/=+$/, "");
const fromB64url = (s: string) =>
  Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

async function key(secret: string) {
  return crypto.subtle.importKey("raw", enc.encode(secret), { name: "HMAC", hash: "SHA-256" }, false, [
    "sign",
    "verify",
  ]);
}

export async function signSession(s: Session, secret: string): Promise<string> {
  const payload = b64url(enc.encode(JSON.stringify(s)));
  const sig = await crypto.subtle.sign("HMAC", await key(secret), enc.encode(payload));
  return `${payload}.${b64url(sig)}`;
}

export async function readSession(
  cookie: string | undefined,
  secret: string | undefined,
  now = Date.now(),
): Promise<Session | undefined> {
  if (!cookie || !secret) return undefined;
  const [payload, sig] = cookie.split(".");
  if (!payload || !sig) return undefined;
  try {
    // subtle.verify compares in constant time.
    const ok = await crypto.subtle.verify("HMAC", await key(secret), fromB64url(sig), enc.encode(payload));
    if (!ok) return undefined;
    const s = JSON.parse(new TextDecoder().decode(fromB64url(payload))) as Session;
    return s.exp > now ? s : undefined;
  } catch {
    return undefined;
  }
}

export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const can = (s: Session | undefined, role: Role) => !!s && ROLE_RANK[s.role] >= ROLE_RANK[role];
