import { describe, expect, it } from "vitest";
import { hostSchema } from "../config/hosts.ts";
import { checkHostToken, checkPush, newPushToken } from "./push-auth.ts";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("a push host's credentials", () => {
  const { token, sha256 } = newPushToken();
  const hosts = [
    hostSchema.parse({ name: "app-9", address: "app-9", mode: "push", push_token_sha256: sha256 }),
    hostSchema.parse({ name: "off", address: "off", mode: "push", push_token_sha256: sha256, enabled: false }),
    hostSchema.parse({ name: "app-1", address: "10.0.0.1" }),
  ];

  it("take the host whose token it is", () => {
    expect(checkPush(hosts, basic("app-9", token))).toEqual({ ok: true, host: "app-9" });
  });

  it("refuse, saying why, anything else", () => {
    expect(checkPush(hosts, undefined)).toMatchObject({ ok: false, reason: /missing credentials/ });
    expect(checkPush(hosts, `Bearer ${token}`)).toMatchObject({ ok: false, reason: /missing credentials/ });
    expect(checkPush(hosts, basic("app-9", "guess"))).toEqual({
      ok: false,
      host: "app-9",
      reason: 'the push token of "app-9" does not match (revoked?)',
    });
    expect(checkPush(hosts, basic("ghost", token))).toEqual({ ok: false, reason: 'no host named "ghost"' });
    expect(checkPush(hosts, basic("app-1", token))).toMatchObject({ ok: false, reason: '"app-1" is not in push mode' });
    expect(checkPush(hosts, basic("off", token))).toMatchObject({ ok: false, reason: '"off" is disabled' });
  });

  it("are listed by hash: a push host without one is refused by the schema", () => {
    expect(hostSchema.safeParse({ name: "app-9", address: "app-9", mode: "push" }).error?.issues[0]).toMatchObject({
      path: ["push_token_sha256"],
      message: "required for a host in push mode",
    });
  });
});

describe("a host's token for its apps' request metrics (OTLP)", () => {
  const { token, sha256 } = newPushToken();
  const hosts = [
    hostSchema.parse({ name: "app-1", address: "10.0.0.1", push_token_sha256: sha256 }),
    hostSchema.parse({ name: "app-9", address: "app-9", mode: "push", push_token_sha256: sha256 }),
    hostSchema.parse({ name: "app-2", address: "10.0.0.2" }),
  ];

  it("is taken from a host of either mode", () => {
    expect(checkHostToken(hosts, basic("app-1", token), "otlp")).toEqual({ ok: true, host: "app-1" });
    expect(checkHostToken(hosts, basic("app-9", token), "otlp")).toEqual({ ok: true, host: "app-9" });
  });

  it("is refused for a host without one, or a wrong one", () => {
    expect(checkHostToken(hosts, basic("app-2", token), "otlp")).toMatchObject({
      reason: '"app-2" has no token listed',
    });
    expect(checkHostToken(hosts, basic("app-1", "guess"), "otlp")).toMatchObject({
      reason: 'the token of "app-1" does not match (revoked?)',
    });
  });
});
