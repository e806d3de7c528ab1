// A probe's state and, when it fails, why — read from blackbox_exporter's own series, so the
// page (and later the message) says "HTTP 503" or "the keyword is missing", not just "down".
// Plain data in, plain data out; the page words it in the reader's language.

/** The last probe's series of one probe (undefined: blackbox did not report it). */
export interface ProbeValues {
  type: string;
  success?: number;
  /** Seconds the last probe took, and the p95 of the last 5 minutes. */
  duration?: number;
  p95?: number;
  /** opsdeck.yml's slow_ms, in seconds. */
  slowSeconds?: number;
  timeoutSeconds?: number;
  httpStatus?: number;
  failedDueToRegex?: number;
  failedDueToCel?: number;
  /** 0 when the name did not resolve (no IP protocol chosen). */
  ipProtocol?: number;
  /** The verified chain's expiry (epoch seconds). */
  certExpiry?: number;
  dnsQuerySucceeded?: number;
}

export type ProbeState = "up" | "slow" | "down" | "unknown";

export type FailureReason =
  | { code: "dns" }
  | { code: "timeout" }
  | { code: "connect" }
  | { code: "status"; status: number }
  | { code: "keyword" }
  | { code: "json" }
  | { code: "certificate_expired" }
  | { code: "dns_answer" }
  | { code: "failed" };

/** The probe's state now, and the first reason its series give for a failure (most specific first). */
export function probeState(v: ProbeValues, now = Date.now()): { state: ProbeState; reason?: FailureReason } {
  if (v.success === undefined) return { state: "unknown" };
  if (v.success === 1) return { state: v.slowSeconds !== undefined && (v.p95 ?? 0) > v.slowSeconds ? "slow" : "up" };
  return { state: "down", reason: failureReason(v, now) };
}

function failureReason(v: ProbeValues, now: number): FailureReason {
  if (v.ipProtocol === 0) return { code: "dns" };
  if (v.certExpiry !== undefined && v.certExpiry * 1000 < now) return { code: "certificate_expired" };
  if (v.failedDueToRegex === 1) return { code: "keyword" };
  if (v.failedDueToCel === 1) return { code: "json" };
  if (v.type === "http" && v.httpStatus !== undefined && v.httpStatus > 0)
    return { code: "status", status: v.httpStatus };
  if (v.type === "dns" && v.dnsQuerySucceeded === 1) return { code: "dns_answer" };
  if (v.timeoutSeconds !== undefined && v.duration !== undefined && v.duration >= v.timeoutSeconds * 0.95)
    return { code: "timeout" };
  if (v.type === "http" || v.type === "tcp" || v.type === "tls") return { code: "connect" };
  return { code: "failed" };
}
