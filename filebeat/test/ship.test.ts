// The real Filebeat (7.17, built from its Go module) with filebeat/filebeat.yml, unchanged, on
// the lines PM2, nginx and OpsDeck really write: what lands in Elasticsearch is what the portal
// reads (service, level, stream, time, one event per stack trace, no query-string tokens).
import { describe, expect, inject, it } from "vitest";
import { createLogger, parseConfig } from "@opsdeck/core";
import { errorPattern } from "@opsdeck/core/changes/error-pattern";
import { esClient, initElasticsearch } from "@opsdeck/core/elastic";
import { shipLogs } from "@opsdeck/stack/filebeat";
import { kindOf, normalizeShipped, SAMPLE_FILES } from "@opsdeck/stack/filebeat-docs";
import { tempDir } from "@opsdeck/stack/testkit";

const url = inject("elasticsearchUrl");
const PREFIX = "t-ship";
const cfg = parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: ${PREFIX}\n`, "test");
const client = esClient(cfg);

// PM2's --time prefix and nginx's error log are in the server's zone, without an offset; this
// server says it is in Shanghai (UTC+8, no daylight saving time).
const local = (stamp: string) => new Date(`${stamp}+08:00`).toISOString();

const ecs: string[] = [];
createLogger({ service: "deploy-exporter", sink: (l) => ecs.push(l) }).info("listening", { "url.full": "http://x" });
createLogger({ service: "deploy-exporter", dataset: "opsdeck.deploy", sink: (l) => ecs.push(l) }).info(
  "deploy shop/production succeeded",
  { "event.action": "deploy-finished", "event.outcome": "success" },
);
createLogger({ service: "notifier", sink: (l) => ecs.push(l) }).error("dingtalk refused", {
  error: new Error("460101 message too long"),
});
let ecsInContainer = "";
createLogger({ service: "portal", dataset: "opsdeck.audit", sink: (l) => (ecsInContainer = l) }).info("sign-in", {
  "user.name": "ops",
  "event.action": "sign-in",
});

type Doc = Record<string, any>;
let docs: Doc[] = [];
const find = (text: string) => {
  const hit = docs.find((d) => String(d.message).includes(text));
  if (!hit) throw new Error(`no event with "${text}" among: ${docs.map((d) => d.message).join(" | ")}`);
  return hit;
};

describe("filebeat.yml under the real Filebeat", () => {
  it("starts, and ships every line of every input", async () => {
    await initElasticsearch(client, cfg.elasticsearch);
    const { events: shipped } = await shipLogs({
      elasticsearchUrl: url,
      indexPrefix: PREFIX,
      dir: tempDir("ship"),
      logTimezone: "Asia/Shanghai",
      expectEvents: 22,
      files: {
        pm2: {
          // Cluster mode, plain lines (no --time): instance 0 of "shop".
          "shop-out-0.log": [
            "INFO order 1 paid via alipay (web)",
            "[WARN] stock low for sku 42",
            'level=debug msg="cache warm"',
            // OpsDeck's preload: a console line during a request, and pino's JSON line.
            "INFO order 2 paid trace.id=4bf92f3577b34da6a3ce929d0e0e4736",
            '{"level":40,"time":1795000000000,"msg":"stock low for sku 7","trace.id":"0af7651916cd43dd8448eb211c80319c","span.id":"b7ad6b7169203331","trace.flags":"01"}',
          ],
          "shop-error-0.log": [
            "PaymentError: payment 1 declined",
            "    at charge (/srv/shop/pay.js:10:5)",
            "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
            "Caused by: Error: ECONNRESET",
            "    ... 4 more",
            "plain stderr line",
            'Error: order 3f2b8c1e-9d4a-4b7e-8f00-123456789abc for "alice" failed at 0xdeadbeef after 12.5 ms',
          ],
          // Fork mode with --time: every line of a write carries PM2's local-time prefix.
          "api-out.log": [
            "2026-11-22T10:20:30: GET /api/orders 200",
            "2026-11-22T10:20:31: Error: boom",
            "2026-11-22T10:20:31:     at main (/app/a.js:1:1)",
          ],
          // Cluster mode with --time: only a write's first line carries it.
          "web-error-1.log": ["2026-11-22T10:20:32: TypeError: x is undefined", "    at render (/app/web.js:7:3)"],
          // log_type: json.
          "worker-out.log": [
            JSON.stringify({
              message: "WARN queue slow\n",
              timestamp: "2026-11-22T10:20:33.123Z",
              type: "out",
              process_id: 4,
              app_name: "worker",
            }),
            JSON.stringify({
              message: "Error: job 7 failed\n    at run (/app/w.js:3:9)\n",
              timestamp: "2026-11-22T10:20:34.000Z",
              type: "err",
              process_id: 4,
              app_name: "worker",
            }),
          ],
          // Rotated by pm2-logrotate: not read again.
          "shop-out-0__2026-11-21_00-00-00.log": ["old rotated line"],
        },
        nginxAccess: [
          '{"time":"2026-11-22T10:20:35+08:00","remote_addr":"203.0.113.5","method":"POST","uri":"/api/v1/webhooks/axi","protocol":"HTTP/1.1","status":202,"bytes":12,"referer":"https://ci.example/job?session=abc","user_agent":"curl/8.5","request_time":0.004,"host":"ops.example.com"}',
          '{"time":"2026-11-22T10:20:36+08:00","remote_addr":"203.0.113.6","method":"GET","uri":"/api/orders","protocol":"HTTP/2.0","status":502,"bytes":150,"referer":"","user_agent":"Mozilla/5.0","request_time":1.503,"host":"shop.example.com"}',
        ],
        nginxError: [
          "2026/11/22 10:20:37 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream",
          "2026/11/22 10:20:38 [crit] 1234#0: *6 SSL_do_handshake() failed",
        ],
        opsdeck: { "deploy-exporter.log": ecs.slice(0, 2), "notifier.log": [ecs[2], "Next.js banner, not JSON"] },
        // The compose stack: an OpsDeck container's ECS line, and Elasticsearch's own ECS JSON and
        // a plain line from other containers (not OpsDeck's: dropped).
        containers: {
          abc123: [ecsInContainer],
          def456: [
            JSON.stringify({
              "@timestamp": "2026-11-22T10:21:00.000Z",
              "log.level": "INFO",
              message: "started",
              "event.dataset": "elasticsearch.server",
            }),
            "not json from some container",
          ],
        },
      },
    });
    const res = await client.search<Doc>({ index: `${PREFIX}-*`, size: 100, sort: ["@timestamp"] });
    docs = res.hits.hits.map((h) => ({ ...h._source!, _index: h._index }));
    expect(docs.length).toBe(shipped);
    // 5 + 3 + 2 + 1 + 2 PM2 events, 2 access, 2 error, 4 OpsDeck lines; the rotated file is skipped.
    expect(shipped).toBe(22); // the other containers' two lines are dropped, not shipped
    expect(docs.some((d) => d.message === "old rotated line")).toBe(false);
  });

  it("turns PM2's plain lines into service, instance, stream and level", () => {
    expect(find("order 1 paid")).toMatchObject({
      service: { name: "shop", instance: { id: "0" } },
      opsdeck: { stream: "stdout", source: "pm2" },
      log: { level: "info" },
      event: { dataset: "pm2.log" },
    });
    expect(find("stock low").log.level).toBe("warn");
    expect(find("cache warm").log.level).toBe("debug");
    expect(find("plain stderr line")).toMatchObject({ log: { level: "error" }, opsdeck: { stream: "stderr" } });
  });

  it("takes the request's trace id from the line, as OpsDeck's preload writes it (console and pino)", () => {
    expect(find("order 2 paid")).toMatchObject({ trace: { id: "4bf92f3577b34da6a3ce929d0e0e4736" } });
    expect(find("stock low for sku 7")).toMatchObject({
      trace: { id: "0af7651916cd43dd8448eb211c80319c" },
      log: { level: "warn" },
    });
    expect(find("order 1 paid").trace).toBeUndefined();
  });

  it("joins a stack trace, its causes and '... N more' into one event", () => {
    expect(find("PaymentError").message).toBe(
      [
        "PaymentError: payment 1 declined",
        "    at charge (/srv/shop/pay.js:10:5)",
        "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
        "Caused by: Error: ECONNRESET",
        "    ... 4 more",
      ].join("\n"),
    );
  });

  it("gives every error line its pattern, as core's errorPattern computes it", () => {
    const errors = docs.filter((d) => d.log.level === "error" || d.log.level === "fatal");
    expect(errors.length).toBeGreaterThanOrEqual(8);
    for (const d of errors) expect([d.message, d.opsdeck?.error_pattern]).toEqual([d.message, errorPattern(d.message)]);
    expect(find('for "alice"').opsdeck.error_pattern).toBe('Error: order <id> for "<v>" failed at <hex> after <n> ms');
    expect(find("PaymentError").opsdeck.error_pattern).toBe("PaymentError: payment <n> declined");
    expect(docs.filter((d) => d.log.level === "info").every((d) => d.opsdeck?.error_pattern === undefined)).toBe(true);
  });

  it("reads PM2's --time prefix in the server's time zone, in fork and cluster mode", () => {
    const get = find("GET /api/orders 200");
    expect([get.message, get["@timestamp"], get.service.name]).toEqual([
      "GET /api/orders 200",
      local("2026-11-22T10:20:30"),
      "api",
    ]);
    expect(get.service.instance).toBeUndefined(); // fork mode: no -<n> in the file name
    // Fork mode prefixes every line of the trace; the event keeps none of them.
    expect(find("Error: boom").message).toBe("Error: boom\n    at main (/app/a.js:1:1)");
    expect(find("TypeError")).toMatchObject({
      message: "TypeError: x is undefined\n    at render (/app/web.js:7:3)",
      "@timestamp": local("2026-11-22T10:20:32"),
      service: { name: "web", instance: { id: "1" } },
      log: { level: "error" },
    });
  });

  it("reads PM2's JSON lines: message, app, instance, stream and time from the JSON", () => {
    expect(find("queue slow")).toMatchObject({
      message: "WARN queue slow",
      "@timestamp": "2026-11-22T10:20:33.123Z",
      service: { name: "worker", instance: { id: "4" } },
      log: { level: "warn" },
    });
    expect(find("job 7 failed")).toMatchObject({
      message: "Error: job 7 failed\n    at run (/app/w.js:3:9)",
      opsdeck: { stream: "stderr" },
      log: { level: "error" },
    });
    expect(docs.some((d) => d.pm2 !== undefined)).toBe(false);
  });

  it("maps nginx's JSON access log to ECS, without query strings", () => {
    const webhook = find("POST /api/v1/webhooks/axi");
    expect(webhook).toMatchObject({
      "@timestamp": "2026-11-22T02:20:35.000Z",
      source: { ip: "203.0.113.5" },
      http: { request: { method: "POST", referrer: "https://ci.example/job" }, response: { status_code: 202 } },
      url: { original: "/api/v1/webhooks/axi" },
      service: { name: "nginx" },
      event: { dataset: "nginx.access" },
      log: { level: "info" },
    });
    expect(JSON.stringify(webhook)).not.toContain("session=");
    expect(find("GET /api/orders 502")).toMatchObject({ log: { level: "error" }, nginx: { request_time: 1.503 } });
  });

  it("parses nginx's error log: time, level, pid", () => {
    expect(find("connect() failed")).toMatchObject({
      log: { level: "error" },
      process: { pid: 1234 },
      event: { dataset: "nginx.error" },
      "@timestamp": local("2026-11-22T10:20:37"), // in the server's zone
    });
    expect(find("SSL_do_handshake").log.level).toBe("fatal");
  });

  it("ships OpsDeck's ECS lines as they are, events to the events index", () => {
    const deploy = find("deploy shop/production succeeded");
    expect(deploy._index).toMatch(new RegExp(`^${PREFIX}-events-`));
    expect(deploy).toMatchObject({ event: { dataset: "opsdeck.deploy", action: "deploy-finished" } });
    expect(find("listening")._index).toMatch(new RegExp(`^${PREFIX}-logs-`));
    expect(find("dingtalk refused")).toMatchObject({
      log: { level: "error" },
      error: { message: "460101 message too long", type: "Error" },
    });
    expect(find("Next.js banner")).toMatchObject({ log: { level: "info" }, event: { dataset: "opsdeck.other" } });
  });

  it("ships OpsDeck's containers' lines from Docker's log files, and no other container's", () => {
    const signIn = find("sign-in");
    expect(signIn).toMatchObject({
      service: { name: "portal" },
      event: { dataset: "opsdeck.audit", action: "sign-in" },
      user: { name: "ops" },
      opsdeck: { source: "opsdeck" },
    });
    expect(signIn._index).toMatch(new RegExp(`^${PREFIX}-events-`)); // audit lines are events
    expect(docs.some((d) => d.message === "started" || d.message === "not json from some container")).toBe(false);
  });

  it("reads every one of 100 PM2 files it finds at once (with a tagged script processor, some crashed every run)", async () => {
    const prefix = "t-many";
    await initElasticsearch(
      client,
      parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: ${prefix}\n`, "test").elasticsearch,
    );
    const apps = Array.from({ length: 100 }, (_, i) => `app${i + 1}`);
    const { events } = await shipLogs({
      elasticsearchUrl: url,
      indexPrefix: prefix,
      dir: tempDir("many"),
      files: { pm2: Object.fromEntries(apps.map((app) => [`${app}-out-0.log`, [`INFO ${app} started`]])) },
      expectEvents: apps.length,
    });
    expect(events).toBe(apps.length);
    const res = await client.search<Doc>({ index: `${prefix}-*`, size: 100 });
    expect(res.hits.hits.map((h) => h._source!.service.name).sort()).toEqual([...apps].sort());
  });

  it("ships what stack/fixtures/filebeat-shipped.json holds (the documents tests and benchmarks index)", async () => {
    const prefix = "t-fixture";
    await initElasticsearch(
      client,
      parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: ${prefix}\n`, "test").elasticsearch,
    );
    const dir = tempDir("fixture");
    // UTC: the fixture's times are the lines' own.
    await shipLogs({
      elasticsearchUrl: url,
      indexPrefix: prefix,
      dir,
      files: SAMPLE_FILES,
      logTimezone: "UTC",
      expectEvents: 7,
    });
    const res = await client.search<Doc>({ index: `${prefix}-*`, size: 20 });
    const byKind = Object.fromEntries(
      res.hits.hits
        .map((h) => [kindOf(h._source!), normalizeShipped(h._source!, dir)] as const)
        .sort(([a], [b]) => a.localeCompare(b)),
    );
    expect(Object.keys(byKind)).toHaveLength(7);
    // Out of date after a change to filebeat.yml: run `npx vitest run filebeat/test -u` and commit.
    await expect(JSON.stringify(byKind, null, 2) + "\n").toMatchFileSnapshot(
      "../../stack/fixtures/filebeat-shipped.json",
    );
  });
});
