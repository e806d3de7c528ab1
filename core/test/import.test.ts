// Importing log files into the real Elasticsearch: plain, .gz, .tar.gz and .zip; every format
// recognised; multi-line events joined; bad lines counted and sampled, not fatal; progress
// reported while it runs; cancel; delete. One generated file is large: ~250 MB of log text
// (~40 MB gzipped, as real logs compress).
import { execFileSync } from "node:child_process";
import { createWriteStream, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { once } from "node:events";
import { createGzip } from "node:zlib";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { esClient, initElasticsearch } from "../src/elastic.ts";
import { deleteImport, listImports, newImportId, runImport, type ImportRecord } from "../src/logs-import/import.ts";
import { tempDir } from "@opsdeck/stack/testkit";
import type {} from "@opsdeck/stack/test-elasticsearch";

const PREFIX = "t-import";
const cfg = parseConfig(`elasticsearch:\n  url: ${inject("elasticsearchUrl")}\n  index_prefix: ${PREFIX}\n`, "test");
const client = esClient(cfg);
beforeAll(() => initElasticsearch(client, cfg.elasticsearch));
const dir = tempDir("import");

/** 10 lines → 7 events (a 3-line stack trace is one), 1 bad line. */
const SAMPLE = [
  '{"message":"order 1 paid","timestamp":"2026-11-22T10:00:00.000Z","type":"out","process_id":0,"app_name":"shop"}',
  '203.0.113.9 - - [22/Nov/2026:10:00:01 +0000] "GET /api/orders HTTP/1.1" 200 512 "-" "curl/8"',
  "2026/11/22 10:00:02 [error] 77#0: *1 upstream timed out",
  "2026-11-22T10:00:03: Error: boom",
  "    at main (/app/a.js:1:1)",
  "    at run (/app/b.js:2:2)",
  '{"@timestamp":"2026-11-22T10:00:04Z","log.level":"warn","message":"slow query","trace.id":"t1"}',
  "2026-11-22 10:00:05,100 [INFO] worker started",
  '{"broken": ',
  "2026-11-22 10:00:06 DEBUG tick",
].join("\n");

const count = async (id: string) => (await client.count({ index: `${PREFIX}-import-${id}` })).count;

async function importFile(file: string, name = "sample", limits = cfg.elasticsearch.imports) {
  const id = newImportId();
  const progress: ImportRecord[] = [];
  const r = await runImport({
    client,
    prefix: PREFIX,
    id,
    name,
    file,
    onProgress: (p) => progress.push(p),
    progressMs: 100,
    limits,
  });
  return { id, r, progress };
}

describe("log import", () => {
  it("stops a gzip bomb: one newline-free line that unpacks 1,000 times its size", async () => {
    const file = join(dir, "bomb.log.gz");
    const gz = createGzip({ level: 9 });
    const out = gz.pipe(createWriteStream(file));
    const block = Buffer.alloc(1 << 20, "x");
    for (let i = 0; i < 256; i++) if (!gz.write(block)) await once(gz, "drain");
    gz.end();
    await once(out, "finish");
    const { id, r } = await importFile(file, "bomb");
    expect(r.status).toBe("failed");
    expect(r.error).toMatch(/grows more than 200 times the bytes read/);
    await deleteImport(client, PREFIX, id);
  });

  it("stops once it has unpacked more text than the limit, and says so", async () => {
    const file = join(dir, "much.log");
    writeFileSync(file, "2026-11-22T10:00:00Z a line of ordinary text\n".repeat(50_000)); // ~2.2 MiB
    const { id, r } = await importFile(file, "much", { ...cfg.elasticsearch.imports, max_unpacked_mib: 1 });
    expect(r.status).toBe("failed");
    expect(r.error).toBe("more than 1 MiB of text unpacked: stopped");
    await deleteImport(client, PREFIX, id);
  });

  it("imports a file of a few bytes, and an empty one, without waiting for more", async () => {
    for (const [name, text, lines] of [
      ["tiny.log", "2026-11-22T10:00:00Z hi\n", 1],
      ["abc.log", "abc", 1],
      ["empty.log", "", 0],
    ] as const) {
      const file = join(dir, name);
      writeFileSync(file, text);
      const { id, r } = await importFile(file, name);
      expect([name, r.status, r.lines]).toEqual([name, "done", lines]);
      await deleteImport(client, PREFIX, id);
    }
  });

  it("counts garbage planted in an nginx access log as bad lines, not part of a request", async () => {
    const file = join(dir, "access.log");
    const request = (n: number) =>
      `203.0.113.7 - - [01/Nov/2026:10:00:0${n} +0000] "GET /orders/${n} HTTP/1.1" 200 512 "-" "curl/8"`;
    writeFileSync(file, [request(1), "garbage one", request(2), "  garbage two", request(3)].join("\n") + "\n");
    const { id, r } = await importFile(file, "nginx access");
    expect(r).toMatchObject({ status: "done", lines: 5, docs: 3, bad_lines: 2 });
    expect(r.bad_samples.map((b) => [b.line, b.reason])).toEqual([
      [2, "not a nginx-access line (that format has one event per line)"],
      [4, "not a nginx-access line (that format has one event per line)"],
    ]);
    const hits = await client.search({
      index: `${PREFIX}-import-${id}`,
      query: { match_phrase: { message: "garbage" } },
    });
    expect(hits.hits.hits).toEqual([]);
    await deleteImport(client, PREFIX, id);
  });

  it("recognises every format, joins a stack trace, counts the bad line", async () => {
    const file = join(dir, "app.log");
    writeFileSync(file, SAMPLE + "\n");
    const { id, r } = await importFile(file);
    expect(r).toMatchObject({ status: "done", files: 1, lines: 10, docs: 7, bad_lines: 1, failed_docs: 0 });
    expect(r.bad_samples[0]).toMatchObject({ file: "app.log", line: 9, reason: "invalid JSON" });
    expect(await count(id)).toBe(7);
    const trace = await client.search({
      index: `${PREFIX}-import-${id}`,
      query: { match_phrase: { message: "Error: boom" } },
    });
    const doc = trace.hits.hits[0]._source as Record<string, unknown>;
    expect(doc.message).toBe("Error: boom\n    at main (/app/a.js:1:1)\n    at run (/app/b.js:2:2)");
    expect(doc).toMatchObject({
      "opsdeck.import.id": id,
      "opsdeck.import.name": "sample",
      "event.dataset": "import.pm2-time",
    });
    const datasets = await client.search({
      index: `${PREFIX}-import-${id}`,
      size: 0,
      aggs: { d: { terms: { field: "event.dataset" } } },
    });
    const keys = (datasets.aggregations!.d as { buckets: { key: string }[] }).buckets.map((b) => b.key).sort();
    expect(keys).toEqual(
      [
        "import.json",
        "import.nginx-access",
        "import.nginx-error",
        "import.pm2-json",
        "import.pm2-time",
        "import.timestamped",
      ].sort(),
    );
  });

  it("imports what Elasticsearch takes and counts, with the first reason, what it refuses", async () => {
    const file = join(dir, "refused.log");
    const line = (status: string) =>
      `{"@timestamp":"2026-11-22T10:00:00Z","message":"GET /","http.response.status_code":${status}}`;
    writeFileSync(file, [line("200"), line('"not a number"'), line("503"), line('"nor this"')].join("\n"));
    const { id, r } = await importFile(file);
    expect(r).toMatchObject({ status: "done", lines: 4, docs: 2, failed_docs: 2 });
    expect(r.error).toMatch(/^Elasticsearch refused 2 documents; the first: document_parsing_exception: .*status_code/);
    expect(await count(id)).toBe(2);
  });

  it("reads .tar.gz and .zip archives member by member", async () => {
    const src = join(dir, "archive");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "a.log"), SAMPLE + "\n");
    writeFileSync(join(src, "b.log"), SAMPLE + "\n");
    execFileSync("tar", ["czf", join(dir, "logs.tar.gz"), "-C", src, "a.log", "b.log"]);
    execFileSync("python3", ["-m", "zipfile", "-c", join(dir, "logs.zip"), join(src, "a.log"), join(src, "b.log")]);
    for (const f of ["logs.tar.gz", "logs.zip"]) {
      const { id, r } = await importFile(join(dir, f), f);
      expect(r, f).toMatchObject({ status: "done", files: 2, lines: 20, docs: 14, bad_lines: 2 });
      expect(await count(id)).toBe(14);
    }
  });

  it("imports a large gzip streamed, reporting progress, with exact counts", async () => {
    const file = join(dir, "big.log.gz");
    const gz = createGzip({ level: 1 });
    const out = gz.pipe(createWriteStream(file));
    const EVENTS = 1_800_000;
    let text = 0;
    const t0 = Date.parse("2026-11-01T00:00:00Z");
    for (let i = 0; i < EVENTS; i++) {
      const line =
        i % 3 === 0
          ? `${new Date(t0 + i * 1000).toISOString()} INFO request ${i} served in ${i % 97} ms by worker-${i % 8} for customer ${i * 7919} with a payload of some size\n`
          : i % 3 === 1
            ? `203.0.113.${i % 250} - - [01/Nov/2026:00:00:00 +0000] "GET /api/orders/${i} HTTP/1.1" 200 ${i % 5000} "https://shop.example.com/" "Mozilla/5.0 (X11; Linux x86_64)"\n`
            : `{"message":"order ${i} paid by customer ${i * 31}","timestamp":"2026-11-01T00:00:00.000Z","type":"out","process_id":${i % 4},"app_name":"shop"}\n`;
      text += line.length;
      if (!gz.write(line)) await once(gz, "drain");
    }
    gz.end();
    await once(out, "finish");
    expect(text).toBeGreaterThan(200 * 2 ** 20);
    const { id, r, progress } = await importFile(file, "big");
    expect(r).toMatchObject({ status: "done", lines: EVENTS, docs: EVENTS, bad_lines: 0, failed_docs: 0 });
    expect(await count(id)).toBe(EVENTS);
    // Progress moved: several reports, bytes and lines growing.
    expect(progress.length).toBeGreaterThan(5);
    const mid = progress[Math.floor(progress.length / 2)];
    expect(mid.bytes_read).toBeGreaterThan(0);
    expect(mid.bytes_read).toBeLessThan(r.bytes_total);
    expect(mid.lines).toBeLessThan(EVENTS);
    await deleteImport(client, PREFIX, id);
  }, 600_000);

  it("cancels an import under way, and deletes an import with its documents", async () => {
    const file = join(dir, "big.log.gz"); // the previous test's: large enough to be stopped midway
    const ac = new AbortController();
    const id = newImportId();
    let linesAtCancel = 0;
    const r = await runImport({
      client,
      prefix: PREFIX,
      id,
      name: "cancelled",
      file,
      signal: ac.signal,
      limits: cfg.elasticsearch.imports,
      progressMs: 100,
      onProgress: (p) => {
        if (p.lines > 0 && !ac.signal.aborted) {
          linesAtCancel = p.lines;
          ac.abort();
        }
      },
    });
    expect(linesAtCancel).toBeGreaterThan(0);
    expect(r.status).toBe("cancelled");
    expect(r.lines).toBeLessThan(1_800_000); // stopped, not run to the end
    expect((await listImports(client, PREFIX)).find((i) => i.id === id)?.status).toBe("cancelled");
    await deleteImport(client, PREFIX, id);
    expect((await listImports(client, PREFIX)).some((i) => i.id === id)).toBe(false);
    expect(await client.indices.exists({ index: `${PREFIX}-import-${id}` })).toBe(false);
  });
});
