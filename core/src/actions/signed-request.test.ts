// The host's checks on a signed action request: only the exact body signed with its own key,
// for itself, fresh, once, and signed after it started listening.
import { createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { ACTION_REQUEST_LIFETIME_MS, hostActionKey, requestVerifier, signRequest } from "./signed-request.ts";

const KEY = "host-key-0123456789abcdef";
const action = { kind: "restart", app: "shop" };
const resign = (body: string, key = KEY) => `v1=${createHmac("sha256", key).update(body).digest("hex")}`;

describe("signed action requests", () => {
  it("accepts a request signed for this host once, and refuses it replayed", () => {
    let now = 1_000_000;
    const verify = requestVerifier({ key: KEY, host: "app-1", now: () => now });
    now += 1000;
    const { body, signature, id } = signRequest(KEY, "app-1", action, now);
    const first = verify(body, signature);
    expect(first).toMatchObject({ ok: true, envelope: { id, host: "app-1", action } });
    expect(verify(body, signature)).toMatchObject({ ok: false, status: 409 });
  });

  it("refuses a forged, altered, unsigned or mis-addressed request", () => {
    let now = 1_000_000;
    const verify = requestVerifier({ key: KEY, host: "app-1", now: () => now });
    now += 1000;
    const { body, signature } = signRequest(KEY, "app-1", action, now);
    expect(verify(body, undefined)).toMatchObject({ ok: false, status: 401 });
    expect(verify(body, resign(body, "another-key-0123456789"))).toMatchObject({ ok: false, status: 401 });
    const altered = body.replace('"shop"', '"db"');
    expect(verify(altered, signature)).toMatchObject({ ok: false, status: 401 });
    const other = signRequest(KEY, "app-2", action, now);
    expect(verify(other.body, other.signature)).toMatchObject({ ok: false, status: 401, reason: /app-2/ });
    // Signed, but not an envelope: a 400 only once the signature is right.
    expect(verify('{"host":"app-1"}', resign('{"host":"app-1"}'))).toMatchObject({ ok: false, status: 400 });
  });

  it("refuses an expired request, one from the future, one living too long, and one older than the host's start", () => {
    let now = 1_000_000;
    const verify = requestVerifier({ key: KEY, host: "app-1", now: () => now });
    const before = signRequest(KEY, "app-1", action, now - 1);
    now += 5000;
    expect(verify(before.body, before.signature)).toMatchObject({ ok: false, reason: /before this host started/ });
    const old = signRequest(KEY, "app-1", action, now);
    now += ACTION_REQUEST_LIFETIME_MS + 1;
    expect(verify(old.body, old.signature)).toMatchObject({ ok: false, status: 401, reason: /expired/ });
    const future = signRequest(KEY, "app-1", action, now + 120_000);
    expect(verify(future.body, future.signature)).toMatchObject({ ok: false, reason: /future/ });
    const long = JSON.stringify({
      host: "app-1",
      id: "abcdefgh-1",
      issued_at: now,
      expires_at: now + 3_600_000,
      action,
    });
    expect(verify(long, resign(long))).toMatchObject({ ok: false, reason: /longer/ });
  });

  it("gives each agent host a key of its own, which signs for no other host", () => {
    const central = "central-key-0123456789abcdef";
    const app2 = hostActionKey(central, "app-2");
    expect(app2).toBe(hostActionKey(central, "app-2"));
    expect(app2).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(
      new Set([central, app2, hostActionKey(central, "app-3"), hostActionKey("another-central-key-0123", "app-2")])
        .size,
    ).toBe(4);
    let now = 1_000_000;
    const onApp3 = requestVerifier({ key: hostActionKey(central, "app-3"), host: "app-3", now: () => now });
    now += 1000;
    // app-2's key, even naming app-3, is refused there.
    const forged = signRequest(app2, "app-3", action, now);
    expect(onApp3(forged.body, forged.signature)).toMatchObject({ ok: false, status: 401 });
    const real = signRequest(hostActionKey(central, "app-3"), "app-3", action, now);
    expect(onApp3(real.body, real.signature)).toMatchObject({ ok: true });
  });
});
