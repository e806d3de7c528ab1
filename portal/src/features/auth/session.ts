// Sessions: a cookie holding a session id, the user and the expiry, signed with HMAC-SHA256
// (verified in constant time). A session counts only while it is unexpired, not signed out
// (revocations.ts), and its user is still in opsdeck.yml — with the role it has there now.
// CSRF: a second, readable cookie whose value every change must echo in a header (double
// submit), plus an Origin check.
import type { Role } from "@opsdeck/core";
import { config, configRelative } from "../../lib/config.ts";
import { revocations } from "./revocations.ts";

export const SESSION_COOKIE = "opsdeck_session";
export const CSRF_COOKIE = "opsdeck_csrf";
export const CSRF_HEADER = "x-opsdeck-csrf";

/** What the cookie carries. */
interface SessionCookie {
  sid: string;
  user: string;
  exp: number;
}

export interface Session extends SessionCookie {
  role: Role;
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

export async function signSession(session: SessionCookie, secret: string): Promise<string> {
  const payload = b64url(enc.encode(JSON.stringify(session)));
  const sig = await crypto.subtle.sign("HMAC", await key(secret), enc.encode(payload));
  return `${payload}.${b64url(sig)}`;
}

export const revokedSessions = () => revocations(configRelative(config().portal.data_dir));

export async function readSession(cookie: string | undefined, now = Date.now()): Promise<Session | undefined> {
  const { portal } = config();
  if (!cookie || !portal.session_secret) return undefined;
  const [payload, sig] = cookie.split(".");
  if (!payload || !sig) return undefined;
  let session: SessionCookie;
  try {
    // subtle.verify compares in constant time.
    const ok = await crypto.subtle.verify(
      "HMAC",
      await key(portal.session_secret),
      fromB64url(sig),
      enc.encode(payload),
    );
    if (!ok) return undefined;
    session = JSON.parse(new TextDecoder().decode(fromB64url(payload))) as SessionCookie;
  } catch {
    return undefined;
  }
  if (typeof session.sid !== "string" || !(session.exp > now) || revokedSessions().has(session.sid)) return undefined;
  const user = portal.users.find((u) => u.name === session.user);
  return user && { ...session, role: user.role };
}

export const ROLE_RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const can = (s: Session | undefined, role: Role) => !!s && ROLE_RANK[s.role] >= ROLE_RANK[role];

export class Denied extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const sameBytes = (a: string, b: string) => {
  const x = enc.encode(a);
  const y = enc.encode(b);
  // Constant time over the token's length (its length is no secret).
  let diff = x.length ^ y.length;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ (y[i] ?? 0);
  return diff === 0;
};

/** A cookie's value from a Cookie header. */
export const cookieValue = (header: string | null | undefined, name: string) =>
  header
    ?.split(/;\s*/)
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);

/** Whether a request's Origin (browsers send it on every post) is another site's, or not a URL at all. */
export function foreignOrigin(origin: string | null | undefined, host: string | null | undefined): boolean {
  if (!origin) return false;
  try {
    return new URL(origin).host !== host;
  } catch {
    return true;
  }
}

/** For changes: a session with the role, the CSRF header matching its cookie, and our own Origin. */
export function checkChange(
  session: Session | undefined,
  role: Role,
  req: { csrfCookie?: string; csrfHeader?: string | null; origin?: string | null; host?: string | null },
): Session {
  if (!session) throw new Denied(401, "sign in first");
  if (!can(session, role)) throw new Denied(403, `needs the ${role} role`);
  if (!req.csrfCookie || !req.csrfHeader || !sameBytes(req.csrfHeader, req.csrfCookie))
    throw new Denied(403, "missing or wrong CSRF token");
  if (foreignOrigin(req.origin, req.host)) throw new Denied(403, "cross-origin request refused");
  return session;
}
