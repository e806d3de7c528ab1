// Log search, live tail and import against a real Elasticsearch holding 1,000,000 documents
// shaped as Filebeat sends them:
// - search with filters (hits only) and histogram + first page, through the portal's API,
//   beside the same requests sent straight to Elasticsearch (the portal's overhead);
// - live-tail lag: a line indexed (as Filebeat does: no refresh) → received on the portal's
//   tail stream;
// - import throughput (the import pipeline: read, recognise, bulk) beside a raw `_bulk` loader
//   sending the very same documents, made beforehand and pre-serialised (the ceiling here), and
//   beside the real Filebeat shipping the same PM2 log.
import { createReadStream, createWriteStream, statSync, writeFileSync } from "node:fs";
import { createInterface } from "node:readline";
import http from "node:http";
import { once } from "node:events";
import { join } from "node:path";
import { stringify } from "yaml";
import { hashPassword, parseConfig } from "@opsdeck/core";
import { esClient, indexName, initElasticsearch } from "@opsdeck/core/elastic";
import { documentWriter, newImportId, runImport } from "@opsdeck/core/logs-import/import";
import { parseLine } from "@opsdeck/core/logs-import/parse";
import { freePort, startElasticsearch, launchPortal } from "@opsdeck/stack";
import { summary, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";
import { filebeatDoc, type Input } from "@opsdeck/stack/filebeat-docs";
import { shipLogs } from "@opsdeck/stack/filebeat";
import { cookieHeader, signIn } from "../test/signin.ts";

/** Documents loaded for the search and tail runs; OPSDECK_BENCH_LOG_DOCS=10000000 for the 10M run. */
export const DOCS = Number(process.env.OPSDECK_BENCH_LOG_DOCS ?? 1_000_000);
/** Up to this many, the bodies are made before the timing starts (a pure _bulk ceiling). */
const PREMADE_DOCS = 1_000_000;
const QUERIES = 60;
const PREFIX = "bench";
const WORDS = ["paid", "timeout", "connect", "orders", "upstream", "deploy", "failed", "refused"];
const SERVICES = ["shop", "worker", "api", "nginx"];

export async function benchLogs() {
  const dir = tempDir("bench-logs");
  const es = await startElasticsearch({ dir: join(dir, "es"), port: await freePort(), heapMb: 2048 });
  const port = await freePort();
  const file = join(dir, "opsdeck.yml");
  writeFileSync(
    file,
    stringify({
      log: { level: "warn" },
      portal: {
        port,
        session_secret: "bench-session-secret-0123456789abcdef",
        users: [{ name: "ops", password_hash: await hashPassword("bench-password-1"), role: "operator" }],
      },
      elasticsearch: { url: es.url, index_prefix: PREFIX },
    }),
  );
  const cfg = parseConfig(`elasticsearch:\n  url: ${es.url}\n  index_prefix: ${PREFIX}\n`, "bench");
  const client = esClient(cfg);
  await initElasticsearch(client, cfg.elasticsearch);
  try {
    const load = await loadDocs(client);
    const portal = await launchPortal({ configFile: file, url: `http://127.0.0.1:${port}` });
    try {
      const base = `http://127.0.0.1:${port}`;
      const cookie = cookieHeader(await signIn(base, "ops", "bench-password-1"));
      process.env.OPSDECK_CONFIG = file; // the portal's request builder reads it, for the direct runs
      const search = await searchLatency(base, cookie, es.url);
      const tail = await tailLag(base, cookie, client);
      const imp = await importThroughput(client, es.url, dir);
      return { load: [load], search, tail, import: imp };
    } finally {
      await portal.stop();
    }
  } finally {
    await es.proc.stop(30_000);
  }
}

/** DOCS documents over the last 24 h, as 5 MB `_bulk` bodies. */
export function* bodiesOf(docs: number): Generator<string> {
  const inputs: Input[] = ["pm2", "pm2-time", "pm2-json", "nginx-access", "nginx-error", "opsdeck"];
  const now = Date.now();
  const action = JSON.stringify({ create: { _index: indexName.logs(PREFIX) } });
  let body = "";
  for (let i = 0; i < docs; i++) {
    const doc = filebeatDoc(inputs[i % 6], new Date(now - Math.floor((i / docs) * 86_400_000)), i, {
      service: SERVICES[i % 4],
      host: `web-${i % 3}`,
      level: i % 50 === 0 ? "error" : i % 20 === 0 ? "warn" : undefined,
      message: `${WORDS[i % 8]} request ${i} for customer ${(i * 7919) % 100_000} took ${i % 997} ms`,
    });
    body += `${action}\n${JSON.stringify(doc)}\n`;
    if (body.length > 5_000_000) {
      yield body;
      body = "";
    }
  }
  if (body) yield body;
}

/**
 * Loads DOCS documents. Up to PREMADE_DOCS the bodies are made first, so the figure is the raw
 * `_bulk` ceiling; beyond (10M would not fit in memory) they are made while sending.
 */
async function loadDocs(client: ReturnType<typeof esClient>) {
  const index = indexName.logs(PREFIX);
  const premade = DOCS <= PREMADE_DOCS;
  const bodies = premade ? [...bodiesOf(DOCS)].values() : bodiesOf(DOCS);
  const { seconds: secs, bytes } = await bulkAll(client, bodies);
  await client.indices.refresh({ index });
  await client.indices.forcemerge({ index, max_num_segments: 1 }).catch(() => undefined);
  return {
    what: premade ? "raw _bulk load (2 × 5 MB bodies)" : "_bulk load, bodies made while sending (2 × 5 MB)",
    docs: DOCS,
    seconds: Math.round(secs),
    docs_per_s: Math.round(DOCS / secs),
    mb_per_min: Math.round((bytes / 2 ** 20 / secs) * 60),
  };
}

function get(url: string, headers: Record<string, string> = {}): Promise<[number, string]> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    http
      .get(url, { headers, agent: keepAlive }, (res) => {
        let body = "";
        res.setEncoding("utf8");
        res.on("data", (c: string) => (body += c));
        res.on("end", () =>
          res.statusCode === 200
            ? resolve([performance.now() - t, body])
            : reject(new Error(`${url}: ${res.statusCode} ${body}`)),
        );
      })
      .on("error", reject);
  });
}
const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 4 });

function post(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const t = performance.now();
    const data = JSON.stringify(body);
    const req = http.request(
      url,
      {
        method: "POST",
        agent: keepAlive,
        headers: { "content-type": "application/json", "content-length": Buffer.byteLength(data) },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          res.statusCode === 200 ? resolve(performance.now() - t) : reject(new Error(`${url}: ${res.statusCode}`)),
        );
      },
    );
    req.on("error", reject);
    req.end(data);
  });
}

/** Portal API vs the same requests straight to Elasticsearch (PIT opened, then the search). */
async function searchLatency(base: string, cookie: string, esUrl: string): Promise<Row[]> {
  const { searchRequest, indices, searchSchema } = await import("../src/features/logs/search.ts");
  const rows: Row[] = [];
  for (const [what, summaries] of [
    ["search with filters (hits only)", "0"],
    ["histogram + first page", "1"],
  ] as const) {
    const viaPortal: number[] = [];
    const direct: number[] = [];
    for (let i = 0; i < QUERIES + 5; i++) {
      const p = {
        q: WORDS[i % 8],
        service: SERVICES[i % 4],
        level: i % 2 ? "error" : "info",
        from: "now-24h",
        size: "100",
        summaries,
      };
      const [ms] = await get(`${base}/api/logs/search?${new URLSearchParams(p)}`, { cookie });
      const s = searchSchema.parse(p);
      const t = performance.now();
      const pitBody = await new Promise<string>((resolve, reject) => {
        const req = http.request(
          `${esUrl}/${indices("all")}/_pit?keep_alive=5m&ignore_unavailable=true`,
          { method: "POST", agent: keepAlive },
          (res) => {
            let b = "";
            res.on("data", (c) => (b += c));
            res.on("end", () => resolve(b));
          },
        );
        req.on("error", reject);
        req.end();
      });
      const { pit: _pit, ...rest } = searchRequest(s, JSON.parse(pitBody).id as string);
      await post(`${esUrl}/_search`, { ...rest, pit: { id: JSON.parse(pitBody).id, keep_alive: "5m" } });
      if (i < 5) continue; // warm-up
      viaPortal.push(ms);
      direct.push(performance.now() - t);
    }
    const a = summary(viaPortal);
    const b = summary(direct);
    rows.push({
      what,
      portal_p50_ms: a.p50_ms,
      portal_p95_ms: a.p95_ms,
      direct_p50_ms: b.p50_ms,
      direct_p95_ms: b.p95_ms,
      overhead_p50: `${Math.round(((a.p50_ms - b.p50_ms) / b.p50_ms) * 100)} %`,
    });
  }
  return rows;
}

/** Lines indexed as Filebeat indexes them (no refresh), timed to the tail stream. */
async function tailLag(base: string, cookie: string, client: ReturnType<typeof esClient>): Promise<Row[]> {
  const sent = new Map<string, number>();
  const lag: number[] = [];
  const req = http.get(`${base}/api/logs/tail?service=tail-bench`, { headers: { cookie } }, (res) => {
    let buf = "";
    res.setEncoding("utf8");
    res.on("data", (c: string) => {
      buf += c;
      let i;
      while ((i = buf.indexOf("\n\n")) >= 0) {
        const m = /"message":"(tail-\d+)"/.exec(buf.slice(0, i));
        buf = buf.slice(i + 2);
        if (m && sent.has(m[1])) lag.push(Date.now() - sent.get(m[1])!);
      }
    });
  });
  await new Promise((r) => setTimeout(r, 2000));
  for (let i = 0; i < 60; i++) {
    const message = `tail-${i}`;
    sent.set(message, Date.now());
    await client.index({
      index: indexName.logs(PREFIX),
      document: filebeatDoc("pm2", new Date(), i, { service: "tail-bench", message }),
    });
    await new Promise((r) => setTimeout(r, 250));
  }
  await new Promise((r) => setTimeout(r, 4000));
  req.destroy();
  const s = summary(lag);
  return [
    {
      what: "indexed (no refresh) → tail stream",
      lines: 60,
      received: lag.length,
      p50_ms: s.p50_ms,
      p95_ms: s.p95_ms,
      max_ms: s.max_ms,
    },
  ];
}

/** Writes `lines` lines made by `line(i)` to `file`; returns its size in bytes. */
async function writeLines(file: string, lines: number, line: (i: number) => string): Promise<number> {
  const out = createWriteStream(file);
  for (let i = 0; i < lines; i++) if (!out.write(`${line(i)}\n`)) await once(out, "drain");
  out.end();
  await once(out, "finish");
  return statSync(file).size;
}

const LINES = 1_000_000;
const minute = (i: number) => `${String(Math.floor(i / 60) % 60).padStart(2, "0")}:${String(i % 60).padStart(2, "0")}`;

/** The import pipeline, timed on a file already written. */
async function timedImport(client: ReturnType<typeof esClient>, file: string) {
  const t0 = performance.now();
  const r = await runImport({
    client,
    prefix: PREFIX,
    id: newImportId(),
    name: "bench",
    file,
    limits: parseConfig("{}", "defaults").elasticsearch.imports,
  });
  if (r.status !== "done" || r.failed_docs > 0) throw new Error(`import ${r.status}: ${r.error}`);
  return { docs: r.docs, seconds: (performance.now() - t0) / 1000 };
}

/**
 * The import pipeline on generated files: beside a raw loader sending the very same documents
 * (made beforehand by the same code, pre-serialised: the ceiling here), and beside the real
 * Filebeat shipping the same PM2 log with filebeat/filebeat.yml, to the same Elasticsearch.
 */
async function importThroughput(client: ReturnType<typeof esClient>, elasticsearchUrl: string, dir: string) {
  const row = (what: string, size: number, docs: number, s: number, extra: Record<string, string> = {}) => ({
    what,
    file_mb: Math.round(size / 2 ** 20),
    docs,
    seconds: Math.round(s * 10) / 10,
    mb_per_min: Math.round((size / 2 ** 20 / s) * 60),
    docs_per_s: Math.round(docs / s),
    ...extra,
  });
  // nginx combined and timestamped lines, half each.
  const mixed = join(dir, "import.log");
  const mixedSize = await writeLines(mixed, LINES, (i) =>
    i % 2
      ? `2026-11-22T10:${minute(i)}Z INFO request ${i} served in ${i % 97} ms by worker-${i % 8}`
      : `203.0.113.${i % 250} - - [22/Nov/2026:10:00:00 +0000] "GET /api/orders/${i} HTTP/1.1" 200 ${i % 5000} "-" "Mozilla/5.0"`,
  );
  const imported = await timedImport(client, mixed);
  const action = JSON.stringify({ create: { _index: indexName.import(PREFIX, "raw-ceiling") } });
  const document = documentWriter({ id: "raw", name: "raw", file: "import.log" });
  const bodies: string[] = [];
  let body = "";
  let n = 0;
  for await (const line of createInterface({ input: createReadStream(mixed), crlfDelay: Infinity })) {
    const p = parseLine(line);
    if (!("format" in p)) continue;
    body += `${action}\n${document(p, ++n)}\n`;
    if (body.length > 5_000_000) {
      bodies.push(body);
      body = "";
    }
  }
  bodies.push(body);
  const rawSecs = (await bulkAll(client, bodies.values())).seconds;

  // A PM2 app's log with --time (what Filebeat reads on a server), every 50th event an error
  // with a three-line stack trace.
  const pm2 = join(dir, "shop-out.log");
  const pm2Lines: string[] = [];
  for (let i = 0; i < LINES; i++)
    pm2Lines.push(
      i % 50 === 49
        ? `2026-11-22T11:${minute(i)}: Error: payment ${i} declined\n    at charge (/srv/shop/pay.js:10:5)\n    at order (/srv/shop/order.js:${i % 90}:3)`
        : `2026-11-22T11:${minute(i)}: INFO order ${i} paid via alipay in ${i % 97} ms`,
    );
  const pm2Size = await writeLines(pm2, LINES, (i) => pm2Lines[i]);
  const pm2Import = await timedImport(client, pm2);
  const shipped = await shipLogs({
    elasticsearchUrl,
    indexPrefix: PREFIX,
    dir: join(dir, "filebeat"),
    files: { pm2: { "shop-out.log": pm2Lines } },
    logTimezone: "UTC",
    timeoutMs: 600_000,
    expectEvents: LINES, // each write, trace included, is one event
  });
  return [
    row(
      "import pipeline (read, recognise, bulk), nginx + timestamped lines",
      mixedSize,
      imported.docs,
      imported.seconds,
      {
        compared: `${Math.round((rawSecs / imported.seconds) * 100)} % of the ceiling`,
      },
    ),
    row("raw _bulk of the same documents, pre-serialised (ceiling)", mixedSize, n, rawSecs, { compared: "100 %" }),
    row("import pipeline, a PM2 --time log with stack traces", pm2Size, pm2Import.docs, pm2Import.seconds, {
      compared: `${Math.round((shipped.seconds / pm2Import.seconds) * 100)} % of Filebeat's time`,
    }),
    row("Filebeat 7.17 shipping the same PM2 log (filebeat.yml)", pm2Size, shipped.events, shipped.seconds, {
      compared: "100 %",
    }),
  ];
}

/** Sends _bulk bodies two at a time, as the iterator gives them; returns the seconds and bytes sent. */
export async function bulkAll(
  client: ReturnType<typeof esClient>,
  bodies: Iterator<string>,
): Promise<{ seconds: number; bytes: number }> {
  const t0 = performance.now();
  let bytes = 0;
  await Promise.all(
    [0, 1].map(async () => {
      for (let next = bodies.next(); !next.done; next = bodies.next()) {
        bytes += next.value.length;
        const r = await client.bulk({ body: next.value } as never);
        if (r.errors) throw new Error("bulk: errors");
      }
    }),
  );
  return { seconds: (performance.now() - t0) / 1000, bytes };
}
