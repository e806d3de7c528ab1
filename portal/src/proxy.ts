// Every page and API needs a session, except sign-in and health. Every response gets a CSP whose
// scripts are only those carrying this request's nonce (Next puts it on its own scripts when it
// finds the policy in the request's headers) and what they load ('strict-dynamic').
import { randomBytes } from "node:crypto";
import { NextResponse, type NextRequest } from "next/server";
import { config as opsdeck } from "./lib/config.ts";
import { readSession, SESSION_COOKIE } from "./features/auth/session.ts";

// The front door's auth check answers 401 itself (it is how nginx learns there is no session),
// and its sign-in redirect is for those without one.
const OPEN = [
  /^\/signin$/,
  /^\/api\/auth\/signin$/,
  /^\/api\/auth\/check$/,
  /^\/api\/auth\/signin-redirect$/,
  // A push host's write, checked for the front door by the host's own token (features/hosts/push.ts).
  /^\/api\/auth\/agent$/,
  // An agent host's Filebeat write, checked for the front door by its log key (features/hosts/log-keys.ts).
  /^\/api\/auth\/agent-logs$/,
  // An app's request metrics over OTLP, checked for the front door by its host's token (features/hosts/otlp.ts).
  /^\/api\/auth\/agent-otlp$/,
  // A vantage point's probe modules, for its agent with the host's own token (features/probes/vantage-api.ts).
  /^\/api\/agent\/probes$/,
  // A push host's recovery actions, fetched and answered by its agent with the host's own token (features/recovery/pull.ts).
  /^\/api\/agent\/actions(\/[^/]+)?$/,
  /^\/api\/health$/,
  // The notifier's "what changed?" line, checked by the notifier's token (features/changes/summary.ts).
  /^\/api\/changes\/summary$/,
  // The public status page: public probes' display names and states only (features/status/).
  /^\/status$/,
  // Maintenance windows: CI's token or a session, checked by the route itself (features/maintenance/api.ts).
  /^\/api\/maintenance$/,
];

/** No script but ours; frames only from the configured Grafana and Kibana ('self' behind the front door). */
function csp(nonce: string): string {
  const { grafana, kibana } = opsdeck().portal;
  const frames = [
    ...new Set(
      [grafana.url, kibana.url]
        .filter((u): u is string => !!u)
        .map((u) => (u.startsWith("/") ? "'self'" : new URL(u).origin)),
    ),
  ];
  return [
    "default-src 'self'",
    `script-src 'self' 'nonce-${nonce}' 'strict-dynamic'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    `frame-src ${frames.length ? frames.join(" ") : "'none'"}`,
    "frame-ancestors 'none'",
    "base-uri 'self'",
    "form-action 'self'",
  ].join("; ");
}

async function decide(req: NextRequest, policy: string): Promise<NextResponse> {
  const pass = () => {
    const headers = new Headers(req.headers);
    headers.set("content-security-policy", policy);
    return NextResponse.next({ request: { headers } });
  };
  const path = req.nextUrl.pathname;
  if (OPEN.some((r) => r.test(path))) return pass();
  return readSession(req.cookies.get(SESSION_COOKIE)?.value).then((session) => {
    if (session) return pass();
    if (path.startsWith("/api/")) return NextResponse.json({ error: "sign in first" }, { status: 401 });
    const url = req.nextUrl.clone();
    url.pathname = "/signin";
    url.search = "";
    const back = `${path}${req.nextUrl.search}`;
    if (back !== "/") url.searchParams.set("next", back);
    return NextResponse.redirect(url);
  });
}

export async function proxy(req: NextRequest) {
  const policy = csp(randomBytes(16).toString("base64"));
  const res = await decide(req, policy);
  res.headers.set("Content-Security-Policy", policy);
  return res;
}

export const config = { matcher: ["/((?!_next/|favicon.ico).*)"] };
