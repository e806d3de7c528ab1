import { describe, expect, it } from "vitest";
import { documentWriter, pm2LogApp } from "./import.ts";
import { parseLine, type Parsed } from "./parse.ts";

const write = documentWriter({ id: "imp-1", name: 'night "shift"', file: "logs/shop-out.log" });
const parsed = (line: string) => parseLine(line) as Parsed;

describe("an imported event's document", () => {
  it("is one JSON object with the line's fields and the import's", () => {
    const doc = JSON.parse(
      write(parsed('203.0.113.9 - bob [22/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 503 12 "-" "curl/8"'), 7),
    );
    expect(doc).toEqual({
      "@timestamp": "2026-11-22T10:00:00.000Z",
      message: '203.0.113.9 - bob [22/Nov/2026:10:00:00 +0000] "GET /a HTTP/1.1" 503 12 "-" "curl/8"',
      "log.level": "error",
      "event.dataset": "import.nginx-access",
      "log.file.path": "logs/shop-out.log",
      "opsdeck.import.id": "imp-1",
      "opsdeck.import.name": 'night "shift"',
      "opsdeck.import.line": 7,
      "opsdeck.error_pattern": '<n>.<n> - bob [<n>/Nov/<n>:<n>:<n>:<n> +<n>] "<v>" <n> <n> "<v>" "<v>"',
      "source.ip": "203.0.113.9",
      "user.name": "bob",
      "http.request.method": "GET",
      "url.original": "/a",
      "http.response.status_code": 503,
      "http.response.body.bytes": 12,
      "http.request.referrer": "-",
      "user_agent.original": "curl/8",
      "service.name": "nginx",
    });
  });

  it("has no fields object to splice when the line has none", () => {
    const doc = JSON.parse(write(parsed('2026-11-22T10:00:00Z WARN slow \\ query\t"x"'), 1));
    expect(doc.message).toBe('WARN slow \\ query\t"x"');
    // (shop-out.log is PM2's name for shop's output: the line gets its service from the file.)
    expect(Object.keys(doc)).toHaveLength(9);
    expect(doc["service.name"]).toBe("shop");
  });

  it("keeps the import's own fields when a JSON line has fields of the same names (no duplicate keys)", () => {
    const text = write(
      parsed(
        '{"@timestamp":"2026-11-22T10:00:00Z","msg":"hi","log.file.path":"/evil","opsdeck.import.id":"x","user":1}',
      ),
      3,
    );
    const keys = [...text.matchAll(/"([^"]+)":/g)].map((m) => m[1]);
    expect(new Set(keys).size).toBe(keys.length);
    expect(JSON.parse(text)).toMatchObject({
      "log.file.path": "logs/shop-out.log",
      "opsdeck.import.id": "imp-1",
      user: 1,
    });
  });
});

describe("a PM2 log file's app, from PM2's naming", () => {
  it("reads the app and the cluster instance, rotated or gzipped", () => {
    expect(pm2LogApp("shop-out.log.gz")).toEqual({ name: "shop", instance: undefined });
    expect(pm2LogApp("/root/.pm2/logs/order-api-error-3.log")).toEqual({ name: "order-api", instance: "3" });
    expect(pm2LogApp("logs/shop-out__2026-11-22_00-00-00.log")).toEqual({ name: "shop", instance: undefined });
    expect(pm2LogApp("C:\\pm2\\worker-err.log")).toEqual({ name: "worker", instance: undefined });
  });
  it("gives nothing for a name PM2 does not write", () => {
    expect(pm2LogApp("access.log")).toBeUndefined();
    expect(pm2LogApp("upload.log")).toBeUndefined();
    expect(pm2LogApp("-out.log")).toBeUndefined();
  });
  it("names the service of a line that names none, and not of one that does", () => {
    const pm2 = documentWriter({ id: "i", name: "n", file: "worker-error-1.log.gz" });
    const plain = JSON.parse(pm2(parsed("2026-11-22T10:00:00Z ERROR boom"), 1));
    expect([plain["service.name"], plain["service.instance.id"]]).toEqual(["worker", "1"]);
    const nginx = JSON.parse(
      pm2(parsed('203.0.113.9 - - [22/Nov/2026:10:00:00 +0000] "GET / HTTP/1.1" 200 1 "-" "x"'), 2),
    );
    expect(nginx["service.name"]).toBe("nginx");
  });
});
