import { describe, expect, it } from "vitest";
import { dingtalkOutcome, dingtalkSign } from "./dingtalk.ts";
import { smtpOutcome } from "./email.ts";
import { httpOutcome } from "./channel.ts";
import { wecomOutcome } from "./wecom.ts";

describe("provider answers", () => {
  it("DingTalk: throttling waits, configuration errors stop the channel, -1 retries", () => {
    expect(dingtalkOutcome(0, "ok")).toEqual({ ok: true });
    expect(dingtalkOutcome(130101, "send too fast")).toMatchObject({
      ok: false,
      kind: "throttled",
      retryAfterMs: 60_000,
    });
    expect(dingtalkOutcome(410100, "send too fast")).toMatchObject({ kind: "throttled" });
    for (const c of [310000, 300005, 400102])
      expect(dingtalkOutcome(c, "x")).toMatchObject({ kind: "config", code: String(c) });
    expect(dingtalkOutcome(-1, "system busy")).toMatchObject({ kind: "transient" });
    expect(dingtalkOutcome(460101, "too long")).toMatchObject({ kind: "oversize" });
    expect(dingtalkOutcome(40035, "缺少参数 json")).toMatchObject({ kind: "rejected" });
  });

  it("WeCom: 45009 throttled, 93000 config", () => {
    expect(wecomOutcome(45009, "api freq out of limit")).toMatchObject({ kind: "throttled" });
    expect(wecomOutcome(93000, "invalid webhook url")).toMatchObject({ kind: "config" });
    expect(wecomOutcome(-1, "busy")).toMatchObject({ kind: "transient" });
  });

  it("HTTP: 5xx and timeouts retry, 429 waits, 401/404 are configuration", () => {
    expect(httpOutcome(503, "")).toMatchObject({ kind: "transient" });
    expect(httpOutcome(429, "")).toMatchObject({ kind: "throttled" });
    expect(httpOutcome(404, "")).toMatchObject({ kind: "config" });
    expect(httpOutcome(204, "")).toEqual({ ok: true });
  });

  it("SMTP: bad credentials are configuration, 4xx and broken connections retry", () => {
    expect(smtpOutcome(Object.assign(new Error("Invalid login"), { code: "EAUTH", responseCode: 535 }))).toMatchObject({
      kind: "config",
    });
    expect(smtpOutcome(Object.assign(new Error("try later"), { responseCode: 451 }))).toMatchObject({
      kind: "transient",
    });
    expect(smtpOutcome(Object.assign(new Error("connect ECONNREFUSED"), { code: "ESOCKET" }))).toMatchObject({
      kind: "transient",
    });
  });

  it("signs DingTalk requests as its documentation says", () => {
    // A known answer, not our own formula again: the value an independent implementation of
    // DingTalk's documented algorithm (the Rust crate dingding's own test) gives for these inputs.
    expect(dingtalkSign("secret", 1700000000000)).toBe("OuzzJR5%2BxZ4%2FEYwqtNt6sMYZQMTa%2FHEGvc9miJe7XzY%3D");
    expect(dingtalkSign("SECabc", 1700000000000)).not.toMatch(/[+/=]/);
  });
});
