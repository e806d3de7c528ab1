import { describe, expect, it } from "vitest";
import { documentWriter } from "./import.ts";
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
    expect(Object.keys(doc)).toHaveLength(8);
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
