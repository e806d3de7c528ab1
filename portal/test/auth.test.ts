// Sign-in and sessions against the real portal, as an attacker would try them: rotating
// X-Forwarded-For, guessing one name from many addresses, replaying a cookie after sign-out
// (also across a restart), a user removed or demoted in opsdeck.yml, JSON and cross-origin
// posts, a request body that never finishes.
import { writeFileSync } from "node:fs";
import http from "node:http";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { hashPassword } from "@opsdeck/core";
import { freePort, launchPortal, type Proc } from "@opsdeck/stack";
import { tempDir } from "@opsdeck/stack/testkit";
import { cookieHeader, signIn } from "./signin.ts";

const OPS_HASH = await hashPassword("ops-password-1");
const GUEST_HASH = await hashPassword("guest-password-1");
const dir = tempDir("auth");
const file = join(dir, "opsdeck.yml");
let port: number;
let base: string;
let portal: Proc;

function writeConfig(portalSection: Record<string, unknown> = {}) {
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      portal: {
        port,
        session_secret: "auth-test-session-secret-0123456789",
        users: [
          { name: "ops", password_hash: OPS_HASH, role: "operator" },
          { name: "guest", password_hash: GUEST_HASH, role: "viewer" },
        ],
        sign_in: { max_failures: 3, window_minutes: 15, user_backoff_max_seconds: 30 },
        request_timeout_seconds: 2,
        // No proxy trusted (the default trusts loopback, where the native front door runs).
        trusted_proxies: [],
        ...portalSection,
      },
    }),
  );
}
/** The portal reads opsdeck.yml again once its modification time changes (checked each second). */
const rewriteConfig = async (portalSection: Record<string, unknown>) => {
  await new Promise((r) => setTimeout(r, 50));
  writeConfig(portalSection);
  await new Promise((r) => setTimeout(r, 1300));
};

async function attempt(name: string, password: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}/api/auth/signin`, {
    method: "POST",
    body: new URLSearchParams({ name, password }),
    headers,
    redirect: "manual",
  });
  return { status: res.status, location: res.headers.get("location") ?? "", cookies: res.headers.getSetCookie() };
}
const signedIn = (a: { status: number; location: string }) => a.status === 303 && a.location === "/";
const throttled = (a: { location: string }) => a.location.startsWith("/signin?error=too_many");
/** A page needs a session: 200 with one, a redirect to /signin without. */
const pageStatus = async (cookie: string) =>
  (await fetch(`${base}/dashboards`, { headers: { cookie }, redirect: "manual" })).status;

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  writeConfig();
  portal = await launchPortal({ configFile: file, url: base });
});
afterAll(async () => {
  await portal?.stop();
});

describe("sign-in throttling", () => {
  it("keys on the connection, not X-Forwarded-For, and lets the right password in after the back-off", async () => {
    for (let i = 0; i < 3; i++)
      expect(await attempt("ops", "wrong", { "x-forwarded-for": `203.0.113.${i}` })).toMatchObject({
        location: "/signin?error=bad",
      });
    // A fourth guess with yet another forged address is refused without a password check.
    expect(throttled(await attempt("ops", "wrong", { "x-forwarded-for": "198.51.100.7" }))).toBe(true);
    expect(throttled(await attempt("ops", "ops-password-1"))).toBe(true);
    await new Promise((r) => setTimeout(r, 1100)); // the first back-off: 1 s
    expect(signedIn(await attempt("ops", "ops-password-1"))).toBe(true);
  });

  it("never lets failures for one name hold up another name's right password from the same address", async () => {
    // Every client behind one address (an office; or all of them, were the front door not
    // trusted): an attacker guessing "root" must not lock the real users out.
    for (let i = 0; i < 5; i++) await attempt("root", `guess-${i}`);
    expect(throttled(await attempt("root", "guess-5"))).toBe(true);
    expect(signedIn(await attempt("guest", "guest-password-1"))).toBe(true);
  });

  it("behind a trusted proxy, limits a name guessed from many addresses without locking others out", async () => {
    await rewriteConfig({ trusted_proxies: ["127.0.0.1"] });
    for (let i = 0; i < 3; i++) await attempt("guest", "wrong", { "x-forwarded-for": `203.0.113.${10 + i}` });
    expect(throttled(await attempt("guest", "guest-password-1", { "x-forwarded-for": "203.0.113.99" }))).toBe(true);
    // Another user from another address is not affected, and neither is the proxy's own address.
    expect(signedIn(await attempt("ops", "ops-password-1", { "x-forwarded-for": "203.0.113.50" }))).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    expect(signedIn(await attempt("guest", "guest-password-1", { "x-forwarded-for": "203.0.113.99" }))).toBe(true);
    await rewriteConfig({});
  });

  it("answers many parallel sign-ins, each with the right verdict", async () => {
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        attempt(i % 2 ? "ops" : "guest", i % 2 ? "ops-password-1" : "guest-password-1"),
      ),
    );
    expect(results.every(signedIn)).toBe(true);
  });
});

describe("sign-in requests", () => {
  it("answers a JSON body with 415 and a message, not a 500", async () => {
    const res = await fetch(`${base}/api/auth/signin`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ name: "ops", password: "ops-password-1" }),
      redirect: "manual",
    });
    expect(res.status).toBe(415);
    expect((await res.json()).error).toMatch(/form post/);
  });

  it("answers a broken multipart body with 400", async () => {
    const res = await fetch(`${base}/api/auth/signin`, {
      method: "POST",
      headers: { "content-type": "multipart/form-data; boundary=x" },
      body: "--x\r\nnot a part",
      redirect: "manual",
    });
    expect(res.status).toBe(400);
  });

  it("refuses sign-in and sign-out from another origin", async () => {
    const foreign = { origin: "https://evil.example" };
    expect((await attempt("ops", "ops-password-1", foreign)).status).toBe(403);
    // A page elsewhere posting to sign-out with the victim's cookie: refused, the session lives on.
    const cookie = cookieHeader(await signIn(base, "ops", "ops-password-1"));
    const res = await fetch(`${base}/api/auth/signout`, {
      method: "POST",
      headers: { ...foreign, cookie },
      redirect: "manual",
    });
    expect(res.status).toBe(403);
    expect(await pageStatus(cookie)).toBe(200);
  });
});

describe("sessions", () => {
  it("sign-out ends the session everywhere, also for a copied cookie and after a restart", async () => {
    const copied = cookieHeader(await signIn(base, "ops", "ops-password-1"));
    const other = cookieHeader(await signIn(base, "ops", "ops-password-1"));
    expect(await pageStatus(copied)).toBe(200);
    const out = await fetch(`${base}/api/auth/signout`, {
      method: "POST",
      headers: { cookie: copied },
      redirect: "manual",
    });
    expect(out.status).toBe(303);
    expect(await pageStatus(copied)).toBe(307);
    expect((await fetch(`${base}/api/stream`, { headers: { cookie: copied } })).status).toBe(401);
    await portal.stop();
    portal = await launchPortal({ configFile: file, url: base });
    expect(await pageStatus(copied)).toBe(307);
    expect(await pageStatus(other)).toBe(200); // sessions themselves survive the restart
  });

  it("a demoted user loses the role and a removed user loses access at the next request", async () => {
    const cookies = await signIn(base, "ops", "ops-password-1");
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    const silence = () =>
      fetch(`${base}/api/silences`, {
        method: "POST",
        headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf, "content-type": "application/json" },
        body: JSON.stringify({ matchers: [{ name: "alertname", value: "X" }], minutes: 5, comment: "test" }),
      });
    expect((await silence()).status).not.toBe(403); // an operator may (Alertmanager is not running: 502)
    await rewriteConfig({
      users: [
        { name: "ops", password_hash: OPS_HASH, role: "viewer" },
        { name: "guest", password_hash: GUEST_HASH, role: "viewer" },
      ],
    });
    const demoted = await silence();
    expect(demoted.status).toBe(403);
    expect((await demoted.json()).error).toMatch(/operator/);
    await rewriteConfig({ users: [{ name: "guest", password_hash: GUEST_HASH, role: "viewer" }] });
    expect(await pageStatus(cookieHeader(cookies))).toBe(307);
    await rewriteConfig({});
  });
});

describe("the icon", () => {
  it("is served to anyone, as browsers ask for it before signing in", async () => {
    const res = await fetch(`${base}/favicon.ico`, { redirect: "manual" });
    expect([res.status, res.headers.get("content-type")]).toEqual([200, "image/x-icon"]);
    expect(Buffer.from(await res.arrayBuffer()).subarray(0, 4)).toEqual(Buffer.from([0, 0, 1, 0])); // an ICO
  });
});

describe("security headers", () => {
  it("pages allow only scripts carrying this response's nonce; every other response has a CSP too", async () => {
    const cookie = cookieHeader(await signIn(base, "ops", "ops-password-1"));
    const page = await fetch(`${base}/dashboards`, { headers: { cookie } });
    const policy = page.headers.get("content-security-policy")!;
    const scriptSrc = policy.split(";").find((d) => d.trim().startsWith("script-src"))!;
    expect(scriptSrc).not.toContain("unsafe-inline");
    const nonce = /'nonce-([^']+)'/.exec(scriptSrc)![1];
    const html = await page.text();
    const scripts = [...html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]);
    expect(scripts.length).toBeGreaterThan(0);
    for (const tag of scripts) expect(tag).toContain(`nonce="${nonce}"`);
    const again = await fetch(`${base}/dashboards`, { headers: { cookie } });
    expect(again.headers.get("content-security-policy")).not.toContain(nonce); // one per response
    for (const path of ["/api/stream", "/api/logs/search", "/api/logs/imports"]) {
      const res = await fetch(base + path, { signal: AbortSignal.timeout(5000) });
      expect([path, res.headers.get("content-security-policy")]).toEqual([
        path,
        "default-src 'none'; frame-ancestors 'none'",
      ]);
      expect(res.headers.get("x-content-type-options")).toBe("nosniff");
      await res.body?.cancel();
    }
  });
});

describe("slow clients", () => {
  it("answers 408 to a body that does not arrive in time, and keeps serving", async () => {
    const status = await new Promise<number | string>((resolve) => {
      const req = http.request(`${base}/api/auth/signin`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": "100" },
      });
      req.on("response", (res) => resolve(res.statusCode!));
      req.on("error", (err) => resolve(err.message));
      req.write("name=ops"); // and never the rest
      setTimeout(() => resolve("no answer after 6 s"), 6000);
    });
    expect(status).toBe(408);
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
  });
});
