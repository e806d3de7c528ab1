// Every page and API needs a session, except sign-in and health.
import { NextResponse, type NextRequest } from "next/server";
import { config as opsdeck } from "./lib/config.ts";
import { readSession, SESSION_COOKIE } from "./features/auth/session.ts";

const OPEN = [/^\/signin$/, /^\/api\/auth\/signin$/, /^\/api\/health$/];

/** No script from elsewhere; frames only from the configured Grafana and Kibana. */
function csp(): string {
  const { grafana, kibana } = opsdeck().portal;
  const frames = [grafana.url, kibana.url].filter((u): u is string => !!u).map((u) => new URL(u).origin);
  return [
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline'",
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `frame-src ${frames.length ? frames.join(" ") : "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

function decide(req: NextRequest): Promise<NextResponse> | NextResponse {
  const path = req.nextUrl.pathname;
  if (OPEN.some((r) => r.test(path))) return NextResponse.next();
  return readSession(req.cookies.get(SESSION_COOKIE)?.value).then((session) => {
    if (session) return NextResponse.next();
    if (path.startsWith("/api/")) return NextResponse.json({ error: "sign in first" }, { status: 401 });
    const url = req.nextUrl.clone();
    url.pathname = "/signin";
    url.search = "";
    return NextResponse.redirect(url);
  });
}

export async function proxy(req: NextRequest) {
  const res = await decide(req);
  res.headers.set("Content-Security-Policy", csp());
  return res;
}

export const config = { matcher: ["/((?!_next/|favicon.ico).*)"] };
