// Sign-out ends the session everywhere: its id is revoked (on disk, and in the portals' shared
// Redis, before the answer), so a copied cookie stops working too. Same-origin posts only.
import { audit } from "@/lib/audit.ts";
import { SharedRedisUnavailable } from "../cluster/shared.ts";
import { cookieValue, CSRF_COOKIE, foreignOrigin, readSession, revokedSessions, SESSION_COOKIE } from "./session.ts";

export async function POST(req: Request) {
  if (foreignOrigin(req.headers.get("origin"), req.headers.get("host")))
    return Response.json({ error: "cross-origin sign-out refused" }, { status: 403 });
  const session = await readSession(cookieValue(req.headers.get("cookie"), SESSION_COOKIE));
  if (session) {
    try {
      await revokedSessions().add(session.sid, session.exp);
    } catch (err) {
      // Revoked here and on disk already; the other portals hear of it once Redis is back (the
      // client keeps the command), and this answer clears the cookie either way.
      if (!(err instanceof SharedRedisUnavailable)) throw err;
    }
    await audit(session.user, "sign-out");
  }
  const headers = new Headers({ location: "/signin" });
  headers.append("set-cookie", `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  headers.append("set-cookie", `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`);
  return new Response(null, { status: 303, headers });
}
