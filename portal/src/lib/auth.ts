// Server-side guards for route handlers and pages.
import { cookies, headers } from "next/headers";
import type { Role } from "@opsdeck/core";
import { config } from "./config.ts";
import { can, CSRF_COOKIE, CSRF_HEADER, readSession, SESSION_COOKIE, type Session } from "./session.ts";

export async function currentSession(): Promise<Session | undefined> {
  return readSession((await cookies()).get(SESSION_COOKIE)?.value, config().portal.session_secret);
}

export class Denied extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** For changes: a session with the role, the CSRF header matching its cookie, and our own Origin. */
export async function requireChange(role: Role): Promise<Session> {
  const session = await currentSession();
  if (!session) throw new Denied(401, "sign in first");
  if (!can(session, role)) throw new Denied(403, `needs the ${role} role`);
  const h = await headers();
  const token = (await cookies()).get(CSRF_COOKIE)?.value;
  if (!token || h.get(CSRF_HEADER) !== token) throw new Denied(403, "missing or wrong CSRF token");
  const origin = h.get("origin");
  if (origin && new URL(origin).host !== h.get("host")) throw new Denied(403, "cross-origin request refused");
  return session;
}

export function deniedResponse(err: unknown): Response {
  if (err instanceof Denied) return Response.json({ error: err.message }, { status: err.status });
  throw err;
}
