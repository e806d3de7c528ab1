// Server-side guards for route handlers and pages.
import { cookies, headers } from "next/headers";
import type { Role } from "@opsdeck/core";
import { checkChange, CSRF_COOKIE, CSRF_HEADER, Denied, readSession, SESSION_COOKIE, type Session } from "./session.ts";

export async function currentSession(): Promise<Session | undefined> {
  return readSession((await cookies()).get(SESSION_COOKIE)?.value);
}

export { Denied };

/** For changes: a session with the role, the CSRF header matching its cookie, and our own Origin. */
export async function requireChange(role: Role): Promise<Session> {
  const h = await headers();
  return checkChange(await currentSession(), role, {
    csrfCookie: (await cookies()).get(CSRF_COOKIE)?.value,
    csrfHeader: h.get(CSRF_HEADER),
    origin: h.get("origin"),
    host: h.get("host"),
  });
}

export function deniedResponse(err: unknown): Response {
  if (err instanceof Denied) return Response.json({ error: err.message }, { status: err.status });
  throw err;
}
