// Sign-out ends the session everywhere: its id is revoked (on disk before the answer), so a
// copied cookie stops working too. Same-origin posts only.
import { audit } from "@/lib/audit.ts";
import { foreignOrigin } from "./signin.ts";
import { CSRF_COOKIE, readSession, revokedSessions, SESSION_COOKIE } from "./session.ts";

const cookie = (req: Request, name: string) =>
  req.headers
    .get("cookie")
    ?.split(/;\s*/)
    .find((c) => c.startsWith(`${name}=`))
    ?.slice(name.length + 1);

export async function POST(req: Request) {
  if (foreignOrigin(req)) return Response.json({ error: "cross-origin sign-out refused" }, { status: 403 });
  const session = await readSession(cookie(req, SESSION_COOKIE));
  if (session) {
    revokedSessions().add(session.sid, session.exp);
    audit(session.user, "sign-out");
  }
  const headers = new Headers({ location: "/signin" });
  headers.append("set-cookie", `${SESSION_COOKIE}=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax`);
  headers.append("set-cookie", `${CSRF_COOKIE}=; Path=/; Max-Age=0; SameSite=Strict`);
  return new Response(null, { status: 303, headers });
}
