// Documents as Filebeat ships them, for tests and benchmarks that index many log lines without
// running Filebeat for each: every document is one Filebeat itself shipped (the real Filebeat with
// filebeat/filebeat.yml, on SAMPLE_FILES' lines; stack/fixtures/filebeat-shipped.json, which
// filebeat/test/ship.test.ts re-ships and compares on every run), with its time, host, service,
// level and message set as a test needs them.
import { readFileSync } from "node:fs";
import { ERROR_LEVELS, errorPattern } from "@opsdeck/core/changes/error-pattern";
import type { LogFiles } from "./filebeat.ts";

export type Input = "pm2" | "pm2-time" | "pm2-json" | "nginx-access" | "nginx-error" | "opsdeck";
/** The shipped kinds: each input, and PM2's stderr (a stack trace). */
export type Shipped = Input | "pm2-stderr";

/** One line (or one multi-line write) per kind, as PM2, nginx and OpsDeck write them. */
export const SAMPLE_FILES: LogFiles = {
  pm2: {
    "shop-out-0.log": ["INFO order 1 paid via alipay (web)"],
    "shop-error-0.log": ["PaymentError: payment 2 declined", "    at charge (/srv/shop/pay.js:10:5)"],
    "api-out.log": ["2026-11-22T10:20:30: GET /api/orders 200"],
    "worker-out.log": [
      JSON.stringify({
        message: "WARN queue slow\n",
        timestamp: "2026-11-22T10:20:33.123Z",
        type: "out",
        process_id: 4,
        app_name: "worker",
      }),
    ],
  },
  nginxAccess: [
    '{"time":"2026-11-22T10:20:35+00:00","remote_addr":"203.0.113.5","method":"GET","uri":"/api/orders/1","protocol":"HTTP/1.1","status":200,"bytes":512,"referer":"","user_agent":"Mozilla/5.0","request_time":0.012,"host":"shop.example.com"}',
  ],
  nginxError: [
    "2026/11/22 10:20:37 [error] 1234#0: *5 connect() failed (111: Connection refused) while connecting to upstream",
  ],
  opsdeck: {
    "deploy-exporter.log": [
      JSON.stringify({
        "@timestamp": "2026-11-22T10:20:38.000Z",
        "log.level": "info",
        message: "deploy shop/production succeeded",
        "service.name": "deploy-exporter",
        "event.dataset": "opsdeck.deploy",
        "event.action": "deploy-finished",
        "event.outcome": "success",
      }),
    ],
  },
};

/** Which kind a shipped document is (by its dataset, file and fields). */
export function kindOf(doc: Record<string, any>): Shipped {
  const dataset = doc.event?.dataset;
  if (dataset === "nginx.access") return "nginx-access";
  if (dataset === "nginx.error") return "nginx-error";
  if (dataset?.startsWith("opsdeck")) return "opsdeck";
  if (doc.opsdeck?.stream === "stderr") return "pm2-stderr";
  const file = String(doc.log?.file?.path ?? "");
  if (file.endsWith("worker-out.log")) return "pm2-json";
  if (file.endsWith("api-out.log")) return "pm2-time";
  return "pm2";
}

/**
 * What a fixture keeps of a shipped document: everything but what differs from run to run and
 * machine to machine (Filebeat's ids, this machine's host metadata, the temp directory).
 */
export function normalizeShipped(doc: Record<string, any>, dir: string): Record<string, any> {
  const out = structuredClone(doc);
  delete out._index;
  out.agent = { type: out.agent.type, version: out.agent.version, name: "web-1" };
  out.host = {
    name: "web-1",
    hostname: "web-1",
    architecture: out.host.architecture,
    os: { family: out.host.os?.family },
  };
  const path = String(out.log.file.path);
  out.log.file.path = path
    .replace(`${dir}/pm2/logs/`, "/root/.pm2/logs/")
    .replace(`${dir}/nginx/`, "/var/log/nginx/")
    .replace(`${dir}/opsdeck/`, "/var/log/opsdeck/");
  // A plain PM2 line carries no time: Filebeat stamps when it read it.
  if (kindOf(doc) === "pm2" || kindOf(doc) === "pm2-stderr") out["@timestamp"] = "2026-11-22T10:20:29.000Z";
  return sortKeys(out);
}

/** Filebeat does not keep its fields in one order: the fixture sorts them. */
function sortKeys(value: any): any {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((k) => [k, sortKeys(value[k])]),
  );
}

const FIXTURE = new URL("../fixtures/filebeat-shipped.json", import.meta.url);
let shipped: Record<Shipped, Record<string, any>> | undefined;

/** One event as Filebeat shipped it for `input`, at time `at`, line `n` of its file. */
export function filebeatDoc(
  input: Input,
  at: Date,
  n: number,
  o: { host?: string; service?: string; message?: string; level?: string; stderr?: boolean } = {},
): Record<string, any> {
  shipped ??= JSON.parse(readFileSync(FIXTURE, "utf8")) as Record<Shipped, Record<string, any>>;
  const kind: Shipped = o.stderr && input.startsWith("pm2") ? "pm2-stderr" : input;
  const doc = structuredClone(shipped[kind]);
  doc["@timestamp"] = at.toISOString();
  const host = o.host ?? "web-1";
  Object.assign(doc.host, { name: host, hostname: host });
  doc.agent.name = host;
  doc.log.offset = n * 64;
  if (kind.startsWith("pm2")) {
    const service = o.service ?? "shop";
    doc.service.name = service;
    doc.log.file.path = doc.log.file.path.replace(/\/(shop|api|worker)-/, `/${service}-`);
    doc.message =
      o.message ??
      (kind === "pm2-stderr"
        ? `PaymentError: payment ${n} declined\n    at charge (/srv/shop/pay.js:10:5)`
        : `order ${n} paid`);
  }
  if (kind === "nginx-access") {
    const status = o.level === "error" ? 502 : o.level === "warn" ? 404 : 200;
    doc.http.response.status_code = status;
    doc.http.response.body.bytes = 512 + n;
    doc.url.original = `/api/orders/${n}`;
    doc.source.ip = `203.0.113.${n % 250}`;
    doc.message = o.message ?? `GET /api/orders/${n} ${status}`;
  }
  if (kind === "nginx-error")
    doc.message = o.message ?? `*${n} connect() failed (111: Connection refused) while connecting to upstream`;
  if (kind === "opsdeck") {
    if (o.service) doc.service.name = o.service;
    if (o.message) doc.message = o.message;
  }
  if (o.level) doc.log.level = o.level;
  // The pattern Filebeat gives an error line, for this document's message and level.
  if (ERROR_LEVELS.includes(doc.log.level)) (doc.opsdeck ??= {}).error_pattern = errorPattern(doc.message);
  else delete doc.opsdeck?.error_pattern;
  return doc;
}
