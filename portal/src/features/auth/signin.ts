// Sign-in: a form post (urlencoded or multipart) from our own origin; the password checked
// against its scrypt hash off the event loop, at most two at a time; failures throttled per
// client address and per user name (throttle.ts); then the session cookie (HttpOnly,
// SameSite=Lax, Secure under HTTPS) and the CSRF cookie.
import { randomBytes, randomUUID } from "node:crypto";
import { hashPassword, verifyPassword } from "@opsdeck/core";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { CLIENT_ADDRESS_HEADER } from "./client-address.ts";
import { CSRF_COOKIE, foreignOrigin, SESSION_COOKIE, signSession } from "./session.ts";
import { returnPath } from "./return-path.ts";
import { portalThrottle } from "./throttle.ts";
import { SharedRedisUnavailable } from "../cluster/shared.ts";

const signIn = () => config().portal.sign_in;
const byAddress = portalThrottle("address", () => ({
  maxFailures: signIn().max_failures,
  windowMs: signIn().window_minutes * 60_000,
  maxBackoffMs: signIn().window_minutes * 60_000,
}));
const byUser = portalThrottle("user", () => ({
  maxFailures: signIn().max_failures,
  windowMs: signIn().window_minutes * 60_000,
  maxBackoffMs: signIn().user_backoff_max_seconds * 1000,
}));

// scrypt takes ~0.3 s and 32 MiB: two at a time, a few more waiting, the rest told to retry.
const HASHING_AT_ONCE = 2;
const WAITING_AT_MOST = 16;
let hashing = 0;
const waiting: (() => void)[] = [];

async function checkPassword(password: string, hash: string): Promise<boolean | "busy"> {
  if (hashing >= HASHING_AT_ONCE) {
    if (waiting.length >= WAITING_AT_MOST) return "busy";
    await new Promise<void>((resolve) => waiting.push(resolve));
  }
  hashing++;
  try {
    return await verifyPassword(password, hash);
  } finally {
    hashing--;
    waiting.shift()?.();
  }
}

// Checked for unknown users too, with today's settings, so timing does not tell which names exist.
let unknownUserHash: Promise<string> | undefined;

const json = (status: number, error: string, headers: Record<string, string> = {}) =>
  Response.json({ error }, { status, headers });

function redirect(to: string, cookies: string[] = []) {
  const headers = new Headers({ location: to });
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status: 303, headers });
}

const withNext = (path: string, next: string) => (next === "/" ? path : `${path}&next=${encodeURIComponent(next)}`);

async function readForm(req: Request): Promise<{ name: string; password: string; next: string } | Response> {
  const type = (req.headers.get("content-type") ?? "").split(";")[0].trim().toLowerCase();
  if (type !== "application/x-www-form-urlencoded" && type !== "multipart/form-data")
    return json(415, "sign in with a form post (application/x-www-form-urlencoded or multipart/form-data)");
  try {
    const form = await req.formData();
    const field = (name: string) => {
      const value = form.get(name);
      return typeof value === "string" ? value : "";
    };
    return {
      name: field("name").slice(0, 64),
      password: field("password").slice(0, 1024),
      next: returnPath(field("next")),
    };
  } catch {
    return json(400, "the form could not be read");
  }
}

export async function POST(req: Request) {
  try {
    return await attemptSignIn(req);
  } catch (err) {
    // The sign-in limits live in the portals' shared Redis: without it no attempt is counted.
    if (!(err instanceof SharedRedisUnavailable)) throw err;
    return redirect("/signin?error=unavailable");
  }
}

async function attemptSignIn(req: Request) {
  // A foreign Origin on a form post is a login CSRF attempt.
  if (foreignOrigin(req.headers.get("origin"), req.headers.get("host")))
    return json(403, "cross-origin sign-in refused");
  const form = await readForm(req);
  if (form instanceof Response) return form;
  const { name, password, next } = form;
  const portal = config().portal;
  // Failures count per address *and name*: behind one address (an office, or every client when
  // the front door is not trusted) failures for "root" never hold up "admin"'s password.
  const address = `address:${req.headers.get(CLIENT_ADDRESS_HEADER) ?? "unknown"}|user:${name}`;
  const user = `user:${name}`;
  const now = Date.now();
  const waitMs = Math.max(await byAddress.waitMs(address, now), await byUser.waitMs(user, now));
  if (waitMs > 0) {
    await audit(name || "(empty)", "sign-in-throttled");
    return redirect(withNext(`/signin?error=too_many&retry=${Math.ceil(waitMs / 1000)}`, next));
  }

  const account = portal.users.find((u) => u.name === name);
  unknownUserHash ??= hashPassword(randomBytes(16).toString("hex"));
  const verdict = await checkPassword(password, account?.password_hash ?? (await unknownUserHash));
  if (verdict === "busy") return json(503, "too many sign-ins at once; try again in a moment", { "retry-after": "1" });
  if (!verdict || !account || !portal.session_secret) {
    await byAddress.failed(address, now);
    await byUser.failed(user, now);
    await audit(name || "(empty)", "sign-in-failed");
    return redirect(withNext("/signin?error=bad", next));
  }
  await byAddress.succeeded(address);
  await byUser.succeeded(user);
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  const maxAge = Math.round(portal.session_hours * 3600);
  const token = await signSession(
    { sid: randomUUID(), user: account.name, exp: now + maxAge * 1000 },
    portal.session_secret,
  );
  const flags = `Path=/; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
  await audit(account.name, "sign-in", { "user.roles": [account.role] });
  return redirect(next, [
    `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; ${flags}`,
    `${CSRF_COOKIE}=${randomBytes(18).toString("base64url")}; SameSite=Strict; ${flags}`,
  ]);
}
