// Every page and API needs a session, except sign-in and health.
import { NextResponse, type NextRequest } from "next/server";
import { config as opsdeck } from "./lib/config.ts";
import { readSession, SESSION_COOKIE } from "./lib/session.ts";

const OPEN = [/^\/signin$/, /^\/api\/auth\/signin$/, /^\/api\/health$/];

export async function proxy(req: NextRequest) {
  const path = req.nextUrl.pathname;
  if (OPEN.some((r) => r.test(path))) return NextResponse.next();
  const session = await readSession(req.cookies.get(SESSION_COOKIE)?.value, opsdeck().portal.session_secret);
  if (session) return NextResponse.next();
  if (path.startsWith("/api/")) return NextResponse.json({ error: "sign in first" }, { status: 401 });
  const url = req.nextUrl.clone();
  url.pathname = "/signin";
  url.search = "";
  return NextResponse.redirect(url);
}

export const config = { matcher: ["/((?!_next/|favicon.ico).*)"] };
