// Sign-in: checks the password hash from opsdeck.yml, rate-limits failures per user and address,
// and sets the session cookie (HttpOnly, SameSite=Lax, Secure under HTTPS) and the CSRF cookie.
import { randomBytes } from "node:crypto";
import { verifyPassword } from "@opsdeck/core";
import { audit } from "@/lib/audit.ts";
import { config } from "@/lib/config.ts";
import { CSRF_COOKIE, SESSION_COOKIE, signSession } from "@/features/auth/session.ts";

const failures = new Map<string, number[]>();

function redirect(to: string, req: Request, cookies: string[] = []) {
  const headers = new Headers({ location: new URL(to, req.url).pathname + new URL(to, req.url).search });
  for (const c of cookies) headers.append("set-cookie", c);
  return new Response(null, { status: 303, headers });
}

export async function POST(req: Request) {
  const cfg = config().portal;
  const form = await req.formData();
  const name = String(form.get("name") ?? "").slice(0, 64);
  const password = String(form.get("password") ?? "").slice(0, 1024);
  const who = `${name}\u0000${req.headers.get("x-forwarded-for") ?? "local"}`;
  const now = Date.now();
  const window = cfg.sign_in.window_minutes * 60_000;
  const recent = (failures.get(who) ?? []).filter((t) => t > now - window);
  if (recent.length >= cfg.sign_in.max_failures) return redirect("/signin?error=too_many", req);

  const user = cfg.users.find((u) => u.name === name);
  // Hash even for an unknown user, so timing does not tell which names exist.
  const ok =
    verifyPassword(
      password,
      user?.password_hash ?? "scrypt$16384$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ) && !!user;
  if (!ok || !cfg.session_secret) {
    failures.set(who, [...recent, now]);
    audit(name || "(empty)", "sign-in-failed");
    return redirect("/signin?error=bad", req);
  }
  failures.delete(who);
  const secure = new URL(req.url).protocol === "https:" || req.headers.get("x-forwarded-proto") === "https";
  const maxAge = Math.round(cfg.session_hours * 3600);
  const token = await signSession({ user: user.name, role: user.role, exp: now + maxAge * 1000 }, cfg.session_secret);
  const flags = `Path=/; Max-Age=${maxAge}${secure ? "; Secure" : ""}`;
  audit(user.name, "sign-in", { "user.roles": [user.role] });
  return redirect("/", req, [
    `${SESSION_COOKIE}=${token}; HttpOnly; SameSite=Lax; ${flags}`,
    `${CSRF_COOKIE}=${randomBytes(18).toString("base64url")}; SameSite=Strict; ${flags}`,
  ]);
}
