// Why a probe failed, from blackbox_exporter's series: the most specific reason they show.
import { describe, expect, it } from "vitest";
import { probeState } from "./state.ts";

const now = Date.parse("2026-12-05T10:00:00Z");

describe("a probe's state", () => {
  it("is up, slow above its own threshold, or unknown before blackbox reports it", () => {
    expect(probeState({ type: "http", success: 1, p95: 0.3, slowSeconds: 0.8 })).toEqual({ state: "up" });
    expect(probeState({ type: "http", success: 1, p95: 1.2, slowSeconds: 0.8 })).toEqual({ state: "slow" });
    expect(probeState({ type: "http", success: 1, p95: 9 })).toEqual({ state: "up" }); // no threshold
    expect(probeState({ type: "http" })).toEqual({ state: "unknown" });
  });

  it("says why it is down, most specific first", () => {
    const down = { type: "http", success: 0, timeoutSeconds: 5 };
    const reason = (v: object) => probeState({ ...down, ...v }, now).reason;
    expect(reason({ ipProtocol: 0, httpStatus: 0 })).toEqual({ code: "dns" });
    expect(reason({ ipProtocol: 4, httpStatus: 503 })).toEqual({ code: "status", status: 503 });
    expect(reason({ ipProtocol: 4, httpStatus: 200, failedDueToRegex: 1 })).toEqual({ code: "keyword" });
    expect(reason({ ipProtocol: 4, httpStatus: 200, failedDueToCel: 1 })).toEqual({ code: "json" });
    expect(reason({ ipProtocol: 4, httpStatus: 0, certExpiry: now / 1000 - 60 })).toEqual({
      code: "certificate_expired",
    });
    expect(reason({ ipProtocol: 4, httpStatus: 0, duration: 4.99 })).toEqual({ code: "timeout" });
    expect(reason({ ipProtocol: 4, httpStatus: 0, duration: 0.01 })).toEqual({ code: "connect" });
    expect(probeState({ type: "dns", success: 0, dnsQuerySucceeded: 1 }, now).reason).toEqual({ code: "dns_answer" });
    expect(probeState({ type: "icmp", success: 0 }, now).reason).toEqual({ code: "failed" });
  });
});
