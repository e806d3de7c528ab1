// The portal's log APIs against the real Elasticsearch: documents shaped as each Filebeat input
// emits them are found with every filter, highlighted, counted in the histogram and the field
// summaries, paged, put in context; live tail sees lines indexed after it started, in order,
// none twice, none missing; export streams the whole result; bad queries are 400s.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { stringify } from "yaml";
import { hashPassword, parseConfig } from "@opsdeck/core";
import { esClient, indexName, initElasticsearch } from "@opsdeck/core/elastic";
import { readSse } from "@opsdeck/core/sse";
import { freePort, launchPortal, type Proc } from "@opsdeck/stack";
import { filebeatDoc, type Input } from "@opsdeck/stack/filebeat-docs";
import { eventually, tempDir } from "@opsdeck/stack/testkit";
import type {} from "@opsdeck/stack/test-elasticsearch";
import { cookieHeader, signIn } from "./signin.ts";

const PREFIX = "t-logs";
const esUrl = inject("elasticsearchUrl");
const OPS_HASH = await hashPassword("ops-password-1");
const cfgText = (port: number, imports: Record<string, unknown> = {}) =>
  stringify({
    log: { level: "warn" },
    portal: {
      port,
      session_secret: "logs-test-session-secret-0123456789",
      users: [
        { name: "ops", password_hash: OPS_HASH, role: "viewer" },
        { name: "importer", password_hash: OPS_HASH, role: "operator" },
      ],
    },
    elasticsearch: { url: esUrl, index_prefix: PREFIX, imports: { max_upload_mib: 1, concurrent: 1, ...imports } },
  });
const es = esClient(parseConfig(cfgText(1), "test"));
let portal: Proc;
let configFile: string;
let rewriteImports: (imports: Record<string, unknown>) => Promise<void>;
let base: string;
let cookie: string;
const T0 = Date.now() - 30 * 60_000;

const api = async (path: string, headers: Record<string, string> = {}) => {
  const res = await fetch(base + path, { headers: { cookie, ...headers } });
  return { status: res.status, body: await res.json() };
};

/** Indexes docs the way Filebeat's bulk requests do, into today's logs or events index. */
async function index(docs: Record<string, unknown>[]) {
  const operations = docs.flatMap((d) => {
    const events = (d.event as { dataset: string }).dataset.startsWith("opsdeck.");
    return [{ create: { _index: events ? indexName.events(PREFIX) : indexName.logs(PREFIX) } }, d];
  });
  const r = await es.bulk({ operations, refresh: true });
  expect(r.errors).toBe(false);
}

beforeAll(async () => {
  await initElasticsearch(es, parseConfig(cfgText(1), "test").elasticsearch);
  const docs: Record<string, unknown>[] = [];
  const inputs: Input[] = ["pm2", "pm2-time", "pm2-json", "nginx-access", "nginx-error", "opsdeck"];
  for (let n = 0; n < 120; n++) {
    const input = inputs[n % inputs.length];
    docs.push(
      filebeatDoc(input, new Date(T0 + n * 10_000), n, {
        host: n % 2 ? "web-1" : "web-2",
        service: n % 4 < 2 ? "shop" : "worker",
        level: n % 10 === 0 ? "error" : undefined,
      }),
    );
  }
  docs.push(
    filebeatDoc("pm2", new Date(T0 + 1), 999, {
      message: "Error: connection reset by peer <script>\n    at Socket.onread (node:net:1:1)",
      level: "error",
      stderr: true,
    }),
  );
  await index(docs);
  const dir = tempDir("logs");
  const port = await freePort();
  configFile = join(dir, "opsdeck.yml");
  rewriteImports = async (imports) => {
    await new Promise((r) => setTimeout(r, 50));
    writeFileSync(configFile, cfgText(port, imports));
    await new Promise((r) => setTimeout(r, 1300)); // the portal re-reads it within a second
  };
  writeFileSync(configFile, cfgText(port));
  base = `http://127.0.0.1:${port}`;
  portal = await launchPortal({ configFile: join(dir, "opsdeck.yml"), url: base });
  cookie = cookieHeader(await signIn(base, "ops", "ops-password-1"));
});
afterAll(() => portal?.stop());

const q = (p: Record<string, string>) => `/api/logs/search?${new URLSearchParams({ from: "now-2h", ...p })}`;

describe("log search API", () => {
  it("needs a session", async () => {
    expect((await fetch(base + q({}))).status).toBe(401);
  });

  it("finds words and phrases, newest first, with matches highlighted and escaped", async () => {
    const r = await api(q({ q: '"connection reset"' }));
    expect(r.status).toBe(200);
    expect(r.body.total.value).toBe(1);
    expect(r.body.lines[0].highlight).toContain("<mark>connection reset</mark> by peer &lt;script&gt;");
    expect((await api(q({ q: "reset" }))).body.lines[0].highlight).toContain("connection <mark>reset</mark>");
    const all = await api(q({ size: "500" }));
    const ts = all.body.lines.map((l: { ts: string }) => Date.parse(l.ts));
    expect(ts).toEqual([...ts].sort((a, b) => b - a));
    expect(all.body.total.value).toBe(121);
  });

  it("filters by service, level and host, and by field:value in the query", async () => {
    const count = async (p: Record<string, string>) => (await api(q(p))).body.total.value as number;
    const nginx = await count({ service: "nginx" });
    expect(nginx).toBe(40);
    expect(await count({ q: "service.name:nginx" })).toBe(nginx);
    expect(await count({ q: "NOT service.name:nginx" })).toBe(121 - nginx);
    expect(await count({ level: "error" })).toBe(await count({ q: "log.level:error" }));
    expect(await count({ host: "web-1", service: "nginx" })).toBe(20);
    expect(await count({ q: "http.response.status_code:>=500" })).toBe(
      await count({ q: "http.response.status_code:502" }),
    );
    expect(await count({ q: "event.dataset:opsdeck.deploy" })).toBe(20);
  });

  it("counts hits over time by level, and summarises fields", async () => {
    const r = (await api(q({}))).body;
    const sum = r.histogram.reduce((a: number, b: { count: number }) => a + b.count, 0);
    expect(sum).toBe(121);
    const levels = r.histogram.reduce((acc: Record<string, number>, b: { levels: Record<string, number> }) => {
      for (const [k, v] of Object.entries(b.levels)) acc[k] = (acc[k] ?? 0) + v;
      return acc;
    }, {});
    expect(levels.error).toBe(r.fields["log.level"].find((f: { value: string }) => f.value === "error").count);
    expect(r.fields["host.name"].map((f: { value: string }) => f.value).sort()).toEqual(["web-1", "web-2"]);
  });

  it("pages deeply with a cursor, without repeating a line", async () => {
    const seen = new Set<string>();
    let cursor: string | undefined;
    let pages = 0;
    do {
      const r = (await api(q({ size: "25", ...(cursor ? { cursor } : {}) }))).body;
      for (const l of r.lines) {
        expect(seen.has(l.id)).toBe(false);
        seen.add(l.id);
      }
      cursor = r.cursor;
      pages++;
    } while (cursor);
    expect(seen.size).toBe(121);
    expect(pages).toBe(5);
  });

  it("shows a line in context: the lines before and after from the same file", async () => {
    const hit = (await api(q({ q: "service.name:nginx AND log.file.path:/var/log/nginx/error.log", size: "500" }))).body
      .lines[5];
    const r = await api(`/api/logs/context?index=${hit.index}&id=${hit.id}&n=3`);
    expect(r.status).toBe(200);
    expect(r.body.before).toHaveLength(3);
    expect(r.body.after).toHaveLength(3);
    for (const l of [...r.body.before, ...r.body.after])
      expect(l.source.log.file.path).toBe("/var/log/nginx/error.log");
    const times = [...r.body.before, r.body.line, ...r.body.after].map((l: { ts: string }) => Date.parse(l.ts));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect((await api(`/api/logs/context?index=.security&id=x`)).status).toBe(400);
  });

  it("answers a query it cannot parse with 400, the position and the reason", async () => {
    const r = await api(q({ q: "service.name:shop AND (level:error" }));
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ position: 35, reason: "expected )" });
    expect((await api(q({ from: "yesterday" }))).status).toBe(400);
  });

  it("tails new lines in order, none twice, none missing", async () => {
    const ac = new AbortController();
    const res = await fetch(base + `/api/logs/tail?service=tailed`, { headers: { cookie }, signal: ac.signal });
    expect(res.status).toBe(200);
    const got: string[] = [];
    const reading = (async () => {
      try {
        for await (const e of readSse(res.body!)) if (e.event === "line") got.push(JSON.parse(e.data).message);
      } catch {
        /* aborted at the end of the test */
      }
    })();
    await new Promise((r) => setTimeout(r, 1500));
    // Three batches while it runs; the second one late-stamped (2 s in the past), the third
    // with two lines at the same instant.
    const now = Date.now();
    const mk = (n: number, at: number) =>
      filebeatDoc("pm2", new Date(at), n, { service: "tailed", message: `tail ${n}` });
    await index([mk(1, now), mk(2, now + 1)]);
    await new Promise((r) => setTimeout(r, 1500));
    await index([mk(3, Date.now() - 2000)]);
    await new Promise((r) => setTimeout(r, 1200));
    const t = Date.now();
    await index([mk(4, t), mk(5, t)]);
    await eventually(
      async () => got.length,
      (n) => n >= 5,
      15_000,
    );
    await new Promise((r) => setTimeout(r, 2500)); // a few more polls: nothing may come twice
    ac.abort();
    await reading;
    expect(got.sort()).toEqual(["tail 1", "tail 2", "tail 3", "tail 4", "tail 5"]);
  });

  it("exports the whole result as NDJSON and CSV, streamed", async () => {
    const nd = await fetch(base + `/api/logs/export?${new URLSearchParams({ from: "now-2h", service: "nginx" })}`, {
      headers: { cookie },
    });
    expect(nd.headers.get("content-type")).toBe("application/x-ndjson");
    const lines = (await nd.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(lines).toHaveLength(40);
    expect(lines[0]).toMatchObject({ service: { name: "nginx" } });
    const csv = await fetch(
      base + `/api/logs/export?${new URLSearchParams({ from: "now-2h", q: '"connection reset"', format: "csv" })}`,
      { headers: { cookie } },
    );
    const rows = (await csv.text()).trim().split("\r\n");
    expect(rows[0]).toBe("@timestamp,log.level,service.name,host.name,message");
    expect(rows).toHaveLength(2);
    expect(rows[1]).toContain('"error","shop","web-1","Error: connection reset by peer');
  });
});

describe("log APIs under careless clients", () => {
  const stillServing = async () => {
    expect((await fetch(`${base}/api/health`)).status).toBe(200);
    expect((await api(`/api/logs/search?${new URLSearchParams({ from: "now-2h", q: "connection" })}`)).status).toBe(
      200,
    );
  };

  it("answers a cursor it never gave out with 400 and no Elasticsearch internals", async () => {
    const res = await api(`/api/logs/search?${new URLSearchParams({ from: "now-2h", cursor: "zzz" })}`);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatch(/^cursor: /);
    expect(JSON.stringify(res.body)).not.toMatch(/Unexpected|JSON|exception/i);
  });

  it("keeps serving after 200 clients leave in the middle of a live tail and of an export", async () => {
    // Each leaves at its own moment: many while a tail's poll is in flight, many mid-export.
    const leaveAfter = async (path: string, ms: number) => {
      const ac = new AbortController();
      setTimeout(() => ac.abort(), ms);
      try {
        const res = await fetch(base + path, { headers: { cookie }, signal: ac.signal });
        const reader = res.body!.getReader();
        for (;;) if ((await reader.read()).done) break;
      } catch {
        /* aborted: what a closing tab does */
      }
    };
    const tail = `/api/logs/tail?${new URLSearchParams({ from: "now-1h" })}`;
    const exported = `/api/logs/export?${new URLSearchParams({ from: "now-2h" })}`;
    await Promise.all(
      Array.from({ length: 200 }, (_, i) => leaveAfter(i % 2 ? tail : exported, 20 + ((i * 37) % 3000))),
    );
    await new Promise((r) => setTimeout(r, 2500)); // the tails' next polls run after their clients left
    await stillServing();
    // And no error escaped a request (a write after the client left, say) to the process.
    expect(portal.tail(500)).not.toMatch(/Invalid state|unhandled|uncaught/i);
  });

  it("ends an export whose Elasticsearch fails midway (its reader stalled), and keeps serving", async () => {
    const index = `${PREFIX}-import-stall`;
    const filler = "x".repeat(1500);
    const now = Date.now();
    // 30 MB, far more than the socket buffers and streams between the portal and a stalled
    // reader hold (9 MB once fitted in them on a slow machine, and the export completed).
    const documents = 20_000;
    const operations = Array.from({ length: documents }, (_, n) => [
      { create: { _index: index } },
      {
        "@timestamp": new Date(now - n * 100).toISOString(),
        message: `stalled ${n} ${filler}`,
        log: { level: "info" },
      },
    ]).flat();
    expect((await es.bulk({ operations, refresh: true })).errors).toBe(false);
    const res = await fetch(
      base + `/api/logs/export?${new URLSearchParams({ from: "now-2h", source: "import:stall" })}`,
      {
        headers: { cookie },
      },
    );
    const reader = res.body!.getReader();
    let received = (await reader.read()).value?.length ?? 0;
    // The reader stalls; meanwhile what the export reads from goes away (as an expired point in time would).
    await new Promise((r) => setTimeout(r, 1000));
    await es.indices.delete({ index });
    let ended: "complete" | "cut" = "complete";
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        received += value.length;
      }
    } catch {
      ended = "cut";
    }
    expect(ended).toBe("cut");
    expect(received).toBeLessThan(documents * 1500);
    await stillServing();
  });

  /** Uploads as an operator would from the Logs page. */
  const upload = async (name: string, body: string | Uint8Array<ArrayBuffer>) => {
    const cookies = await signIn(base, "importer", "ops-password-1");
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    return fetch(`${base}/api/logs/imports?name=${name}`, {
      method: "POST",
      headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf },
      body,
    });
  };

  it("refuses an upload over the limit with 413 and says why, reading no more of it", async () => {
    const res = await upload("big", new Uint8Array(2 * 2 ** 20).fill(97));
    expect(res.status).toBe(413);
    expect((await res.json()).error).toBe("the file is larger than 1 MiB, the upload limit");
    await stillServing();
  });

  it("refuses an upload while the allowed number of imports run, with 429 and why", async () => {
    // ~1 MiB of gzip that unpacks to ~15 MB of varied lines: it runs for a few seconds.
    const lines = Array.from(
      { length: 200_000 },
      (_, i) => `2026-11-22T10:${String(i % 60).padStart(2, "0")}:00Z INFO order ${i * 7919} paid by ${i * 31}`,
    ).join("\n");
    const gz = new Uint8Array(gzipSync(lines).subarray(0, 1_000_000));
    const first = await upload("slow", gz);
    expect(first.status).toBe(202);
    const second = await upload("second", "2026-11-22T10:00:00Z one line\n");
    expect(second.status).toBe(429);
    expect((await second.json()).error).toBe("1 imports are running (at most 1 at once): wait for one to end");
    const { id } = await first.json();
    const cookies = await signIn(base, "importer", "ops-password-1");
    const csrf = cookies.find((c) => c.name === "opsdeck_csrf")!.value;
    const removed = await fetch(`${base}/api/logs/imports/${id}`, {
      method: "DELETE",
      headers: { cookie: cookieHeader(cookies), "x-opsdeck-csrf": csrf },
    });
    expect(removed.status).toBe(204);
  });

  it("refuses an upload the disk cannot take with 507 and says why", async () => {
    await rewriteImports({ min_free_disk_mib: 2 ** 40 }); // no disk has this much free
    const res = await upload("small", "2026-11-22T10:00:00Z one line\n");
    expect(res.status).toBe(507);
    expect((await res.json()).error).toMatch(/^not enough disk space for the upload: the portal keeps \d+ MiB free$/);
    await rewriteImports({});
  });
});
