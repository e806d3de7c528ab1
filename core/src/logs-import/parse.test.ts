import { describe, expect, it } from "vitest";
import { parseLine } from "./parse.ts";

describe("imported log lines", () => {
  it("reads PM2 JSON, --time and plain timestamped lines", () => {
    expect(
      parseLine(
        '{"message":"WARN cache cold\\n","timestamp":"2026-11-22T10:20:30.123Z","type":"out","process_id":1,"app_name":"api"}',
      ),
    ).toEqual({
      format: "pm2-json",
      ts: Date.parse("2026-11-22T10:20:30.123Z"),
      level: "warn",
      message: "WARN cache cold",
      fields: { "service.name": "api", "service.instance.id": "1" },
    });
    expect(parseLine("2026-11-22T10:20:30: Error: boom")).toMatchObject({
      format: "pm2-time",
      ts: Date.parse("2026-11-22T10:20:30Z"),
      message: "Error: boom",
    });
    expect(parseLine("2026-11-22 10:20:30,250 [ERROR] payment failed")).toMatchObject({
      format: "timestamped",
      ts: Date.parse("2026-11-22T10:20:30.250Z"),
      level: "error",
      message: "[ERROR] payment failed",
    });
    expect(parseLine("2026-11-22T10:20:30+08:00 INFO up")).toMatchObject({
      ts: Date.parse("2026-11-22T02:20:30Z"),
      level: "info",
    });
  });

  it("reads nginx access (combined) and error lines", () => {
    const a = parseLine(
      '203.0.113.9 - - [22/Nov/2026:10:20:30 +0800] "GET /api/orders?id=1 HTTP/1.1" 502 157 "-" "curl/8.0"',
    );
    expect(a).toMatchObject({
      format: "nginx-access",
      ts: Date.parse("2026-11-22T02:20:30Z"),
      level: "error",
      fields: { "source.ip": "203.0.113.9", "http.response.status_code": 502, "url.original": "/api/orders?id=1" },
    });
    expect(parseLine("2026/11/22 10:20:30 [crit] 1234#0: *5 connect() failed")).toMatchObject({
      format: "nginx-error",
      level: "fatal",
      message: "*5 connect() failed",
      fields: { "process.pid": 1234 },
    });
  });

  it("reads other JSON logs (ECS, pino), keeping their fields", () => {
    expect(
      parseLine('{"@timestamp":"2026-11-22T10:20:30Z","log.level":"warn","message":"slow","trace.id":"t1"}'),
    ).toMatchObject({
      format: "json",
      level: "warn",
      message: "slow",
      fields: { "trace.id": "t1" },
    });
    expect(parseLine('{"level":50,"time":1795000000000,"msg":"db down","pid":7}')).toMatchObject({
      level: "error",
      ts: 1795000000000,
      message: "db down",
    });
  });

  it("continues the event before on a line without a timestamp; calls broken ones bad", () => {
    expect(parseLine("    at main (/app/a.js:1:1)")).toEqual({ continuation: "    at main (/app/a.js:1:1)" });
    expect(parseLine('{"message": "cut off')).toEqual({ bad: "invalid JSON" });
    expect(parseLine('{"msg":"no time"}')).toEqual({
      bad: "JSON line without a timestamp (@timestamp, timestamp, time or ts)",
    });
  });
});
