// What makes two webhook payloads copies of one notification, and what makes them news.
import { describe, expect, it } from "vitest";
import { amPayloadSchema } from "./model.ts";
import { copyKey } from "./peer-copies.ts";

const alert = (fingerprint: string, startsAt = "2026-12-06T10:00:00Z", status = "firing") => ({
  status,
  labels: { alertname: "DiskFull", host: fingerprint },
  startsAt,
  fingerprint,
});
const payload = (over: Record<string, unknown> = {}) =>
  amPayloadSchema.parse({
    version: "4",
    groupKey: '{}:{alertname="DiskFull"}',
    status: "firing",
    receiver: "default",
    externalURL: "http://am-1:9093",
    alerts: [alert("aaaa"), alert("bbbb")],
    ...over,
  });

describe("copies of one Alertmanager notification", () => {
  it("are the same group, status and alerts, whichever peer sent them and in whatever order", () => {
    expect(copyKey(payload({ externalURL: "http://am-2:9093", alerts: [alert("bbbb"), alert("aaaa")] }))).toBe(
      copyKey(payload()),
    );
  });

  it("are not a resolve, a re-firing, another alert in the group, another group or receiver", () => {
    const key = copyKey(payload());
    const news = [
      payload({
        status: "resolved",
        alerts: [alert("aaaa", undefined, "resolved"), alert("bbbb", undefined, "resolved")],
      }),
      payload({ alerts: [alert("aaaa", "2026-12-06T11:00:00Z"), alert("bbbb")] }),
      payload({ alerts: [alert("aaaa"), alert("bbbb"), alert("cccc")] }),
      payload({ groupKey: '{}:{alertname="DiskFull",host="x"}' }),
      payload({ receiver: "critical" }),
    ];
    for (const other of news) expect(copyKey(other)).not.toBe(key);
  });
});
