// The front door's question (nginx auth_request, provisioning/nginx/): is this request's session
// valid, and for whom? 200 with the user and role in headers — nginx hands them to Grafana's
// auth proxy, overwriting whatever the client sent — or 401, which nginx turns into a redirect
// to the sign-in page. `?app=kibana` also needs an operator (403 for a viewer): Kibana's UI sends
// POSTs to read as well as to change, so the front door cannot tell its writes apart.
import type { Role } from "@opsdeck/core";
import { returnPath } from "./return-path.ts";
import { can, cookieValue, readSession, SESSION_COOKIE } from "./session.ts";

/** Grafana's org roles for ours (auth.proxy with headers = Role:X-WEBAUTH-ROLE). */
export const GRAFANA_ROLES: Record<Role, "Viewer" | "Editor" | "Admin"> = {
  viewer: "Viewer",
  operator: "Editor",
  admin: "Admin",
};

export async function GET(req: Request) {
  const session = await readSession(cookieValue(req.headers.get("cookie"), SESSION_COOKIE));
  const headers = { "cache-control": "no-store" };
  if (!session) return new Response(null, { status: 401, headers });
  const app = new URL(req.url).searchParams.get("app");
  if (app === "kibana" && !can(session, "operator")) return new Response(null, { status: 403, headers });
  return new Response(null, {
    status: 200,
    headers: {
      ...headers,
      "x-opsdeck-user": session.user,
      "x-opsdeck-role": session.role,
      "x-grafana-role": GRAFANA_ROLES[session.role],
    },
  });
}

/**
 * Where nginx sends a request the check refused with 401: the sign-in page, with the page that
 * was asked for (nginx's X-Original-URI) as the return path — encoded here, as nginx cannot, and
 * kept on this site.
 */
export function signInRedirect(req: Request) {
  const next = returnPath(req.headers.get("x-original-uri"));
  const location = next === "/" ? "/signin" : `/signin?next=${encodeURIComponent(next)}`;
  return new Response(null, { status: 302, headers: { location, "cache-control": "no-store" } });
}
