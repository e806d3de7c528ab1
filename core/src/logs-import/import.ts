// Importing a log file for analysis: .log / .txt, .gz, .zip, .tar / .tar.gz, of any size —
// streamed (never the whole file in memory), each line recognised (parse.ts), multi-line events
// joined, bulk-indexed into <prefix>-import-<id> with the import's id and name on every
// document. Progress (bytes, lines, rate, bad lines with samples) is reported as it goes; an
// AbortSignal cancels. The import's record lives in <prefix>-imports, so the CLI and the portal
// both list it.
import { createReadStream, statfsSync, statSync } from "node:fs";
import { open as openFile } from "node:fs/promises";
import { basename } from "node:path";
import { Transform, type Readable } from "node:stream";
import { createGunzip } from "node:zlib";
import type { Client } from "@elastic/elasticsearch";
import tar from "tar-stream";
import yauzl from "yauzl";
import type { ElasticsearchConfig } from "../config/elasticsearch.ts";
import { ERROR_LEVELS, errorPattern } from "../changes/error-pattern.ts";
import { indexName } from "../elastic.ts";
import { bulkCreate } from "./bulk.ts";
import { parseLine, type Format, type Parsed } from "./parse.ts";

export interface ImportRecord {
  id: string;
  name: string;
  status: "running" | "done" | "failed" | "cancelled";
  started_at: string;
  finished_at?: string;
  bytes_total: number;
  bytes_read: number;
  files: number;
  lines: number;
  docs: number;
  bad_lines: number;
  /** The first bad lines, with where and why. */
  bad_samples: { file: string; line: number; reason: string; text: string }[];
  /** Documents Elasticsearch refused. */
  failed_docs: number;
  lines_per_second: number;
  /** The span of the imported events' own times (not when they were imported), for searching them. */
  first_event_at?: string;
  last_event_at?: string;
  error?: string;
}

export const importsIndex = (prefix: string) => `${prefix}-imports`;
export const newImportId = () => `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;

/** Counts bytes as they pass. */
const counter = (onBytes: (n: number) => void) =>
  new Transform({
    transform(chunk: Buffer, _enc, done) {
      onBytes(chunk.length);
      done(null, chunk);
    },
  });

async function magic(file: string): Promise<Buffer> {
  const h = await openFile(file, "r");
  try {
    const buf = Buffer.alloc(512);
    const { bytesRead } = await h.read(buf, 0, 512, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await h.close();
  }
}
const isGzip = (b: Buffer) => b[0] === 0x1f && b[1] === 0x8b;
const isZip = (b: Buffer) => b.length >= 4 && b.readUInt32LE(0) === 0x04034b50;
const isTar = (b: Buffer) => b.length >= 262 && b.toString("latin1", 257, 262) === "ustar";

/**
 * The first bytes of a gzip file's content, from a stream of its own (then dropped): peeking at
 * the stream that is then read would have to put bytes back, and a file shorter than the peek
 * ends that stream before they are back (a small file hung the import that way).
 */
async function gunzippedHead(file: string, n = 512): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const stream = createReadStream(file).pipe(createGunzip());
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= n) break;
    }
  } catch {
    /* a broken gzip: what came out is all there is; the real read reports the error */
  } finally {
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, n);
}

type Entry = { name: string; stream: Readable };

/** The text streams inside the file: itself, its gunzipped content, or the members of a tar or zip. */
async function* entries(file: string, name: string, onBytes: (n: number) => void): AsyncGenerator<Entry> {
  const head = await magic(file);
  if (isZip(head)) {
    yield* zipEntries(file, onBytes);
    return;
  }
  const gzipped = isGzip(head);
  const content = gzipped ? await gunzippedHead(file) : head;
  // 64 KiB reads: each chunk's lines and documents are alive together until sent on, and with
  // 1 MiB chunks (~12,000 documents) they outlived the young generation — the garbage
  // collector then took more CPU than making the documents.
  let raw: Readable = createReadStream(file, { highWaterMark: 1 << 16 }).pipe(counter(onBytes));
  if (gzipped) raw = raw.pipe(createGunzip());
  if (isTar(content)) yield* tarEntries(raw);
  else yield { name, stream: raw };
}

async function* tarEntries(stream: Readable): AsyncGenerator<Entry> {
  const extract = tar.extract();
  stream.pipe(extract);
  for await (const entry of extract) {
    if (entry.header.type !== "file") {
      entry.resume();
      continue;
    }
    const member = entry as unknown as Readable;
    const s = /\.gz$/i.test(entry.header.name) ? member.pipe(createGunzip()) : member;
    yield { name: entry.header.name, stream: s };
    // The tar stream moves on only once this entry is drained (the caller reads it all).
  }
}

async function* zipEntries(file: string, onBytes: (n: number) => void): AsyncGenerator<Entry> {
  const zip = await new Promise<yauzl.ZipFile>((resolve, reject) =>
    yauzl.open(file, { lazyEntries: true, autoClose: true }, (err, z) => (err ? reject(err) : resolve(z))),
  );
  try {
    for (;;) {
      const entry = await new Promise<yauzl.Entry | undefined>((resolve, reject) => {
        zip.once("entry", resolve);
        zip.once("end", () => resolve(undefined));
        zip.once("error", reject);
        zip.readEntry();
      });
      if (!entry) return;
      if (entry.fileName.endsWith("/")) continue;
      const s = await new Promise<Readable>((resolve, reject) =>
        zip.openReadStream(entry, (err, r) => (err ? reject(err) : resolve(r))),
      );
      // Progress in the file's (compressed) bytes: each entry's bytes scaled by its ratio.
      const ratio = entry.compressedSize / Math.max(1, entry.uncompressedSize);
      const counted = s.pipe(counter((n) => onBytes(Math.round(n * ratio))));
      yield { name: entry.fileName, stream: /\.gz$/i.test(entry.fileName) ? counted.pipe(createGunzip()) : counted };
    }
  } finally {
    zip.close();
  }
}

const MAX_MESSAGE = 32 * 1024;

/** The fields every imported document gets from the import; a line's own field of the same name gives way. */
const IMPORT_KEYS = [
  "@timestamp",
  "message",
  "log.level",
  "log.file.path",
  "event.dataset",
  "opsdeck.import.id",
  "opsdeck.import.name",
  "opsdeck.import.line",
  "opsdeck.error_pattern",
];

/**
 * What makes an entry's imported events into documents, serialised: each event's fields, the
 * import's id and name, where it was. Written as JSON text around JSON.stringify's pieces: merging
 * objects first (a spread, or keyed stores) sends V8 down its slow dictionary-mode path for every
 * document — measured at 5× the cost of serialising it, and once the importer's largest CPU cost.
 */
export function documentWriter(at: { id: string; name: string; file: string }): (p: Parsed, line: number) => string {
  const same = `,"log.file.path":${JSON.stringify(at.file)},"opsdeck.import.id":${JSON.stringify(at.id)},"opsdeck.import.name":${JSON.stringify(at.name)}`;
  // A PM2 log names its app: shop-out.log is shop's. Given to lines that do not name a service.
  const app = pm2LogApp(at.file);
  const fromFile = app
    ? `,"service.name":${JSON.stringify(app.name)}${app.instance ? `,"service.instance.id":${JSON.stringify(app.instance)}` : ""}`
    : "";
  return (p, line) => {
    const message = p.message.length > MAX_MESSAGE ? p.message.slice(0, MAX_MESSAGE) : p.message;
    const level = p.level ?? "info";
    // Errors get their pattern, as Filebeat gives shipped ones (error novelty counts both).
    const pattern = (ERROR_LEVELS as readonly string[]).includes(level)
      ? `,"opsdeck.error_pattern":${JSON.stringify(errorPattern(message))}`
      : "";
    const own = `{"@timestamp":"${new Date(p.ts).toISOString()}","message":${JSON.stringify(message)},"log.level":${JSON.stringify(level)},"event.dataset":"import.${p.format}"${same},"opsdeck.import.line":${line}${pattern}`;
    let fields = p.fields;
    // Only a JSON line's fields are the line's own, and may be named like the import's.
    if (p.format === "json" && IMPORT_KEYS.some((k) => k in fields))
      fields = Object.fromEntries(Object.entries(fields).filter(([k]) => !IMPORT_KEYS.includes(k)));
    const rest = JSON.stringify(fields);
    const file = fromFile && !("service.name" in fields) ? fromFile : "";
    return rest === "{}" ? `${own}${file}}` : `${own}${file},${rest.slice(1)}`;
  };
}

/**
 * The app (and instance) a PM2 log file belongs to, from PM2's naming: `<app>-out.log`,
 * `<app>-error-<id>.log` (cluster mode), pm2-logrotate's `<app>-out__2026-11-22_00-00-00.log`,
 * any of them gzipped. Other names give nothing.
 */
export function pm2LogApp(path: string): { name: string; instance?: string } | undefined {
  const base = path.split(/[\\/]/).pop() ?? "";
  const stem = base
    .replace(/\.gz$/i, "")
    .replace(/\.log$/i, "")
    .replace(/__\d{4}-\d{2}-\d{2}_\d{2}-\d{2}-\d{2}$/, "");
  const m = /^(.+?)-(?:out|error|err)(?:-(\d+))?$/.exec(stem);
  return m ? { name: m[1], instance: m[2] } : undefined;
}
const SAMPLES = 20;

export type ImportLimits = ElasticsearchConfig["imports"];

/** What an import refuses to do, said the same way in the portal and the CLI. */
export class ImportRefused extends Error {}

export interface Line {
  text: string;
  /** The line was longer than the cap: `text` is its start. */
  cut: boolean;
}

/**
 * The lines of a stream, each cut at `maxBytes`, in batches (a chunk's worth: one await per
 * chunk, not per line). A line longer than that yields its first `maxBytes` and the rest is
 * dropped as it streams by, so a newline-free gigabyte costs `maxBytes` of memory, not a
 * gigabyte (readline would buffer the whole line first).
 */
export async function* splitLines(
  stream: AsyncIterable<Buffer>,
  maxBytes: number,
  onBytes: (n: number) => void,
): AsyncGenerator<Line[]> {
  let held: Buffer[] = [];
  let heldBytes = 0;
  let dropping = false;
  const take = (cut: boolean): Line => {
    const line = Buffer.concat(held, heldBytes);
    held = [];
    heldBytes = 0;
    return { text: line.toString("utf8").replace(/\r$/, ""), cut };
  };
  for await (const chunk of stream) {
    onBytes(chunk.length);
    const lines: Line[] = [];
    let start = 0;
    for (;;) {
      const end = chunk.indexOf(0x0a, start);
      // The common case, a whole line inside one chunk: decoded straight from it, no copies.
      if (end >= 0 && heldBytes === 0 && !dropping && end - start <= maxBytes) {
        lines.push({
          text: chunk.toString("utf8", start, end > start && chunk[end - 1] === 0x0d ? end - 1 : end),
          cut: false,
        });
        start = end + 1;
        continue;
      }
      const piece = chunk.subarray(start, end < 0 ? chunk.length : end);
      if (!dropping) {
        const room = maxBytes - heldBytes;
        held.push(piece.length > room ? piece.subarray(0, room) : piece);
        heldBytes += Math.min(piece.length, room);
        if (piece.length > room) {
          dropping = true; // the line is over the cap: yield what fits once it ends, drop the rest
        }
      }
      if (end < 0) break;
      lines.push(take(dropping));
      dropping = false;
      start = end + 1;
    }
    if (lines.length > 0) yield lines;
  }
  if (heldBytes > 0 || dropping) yield [take(dropping)];
}

/** Free bytes on the disk holding `path`. */
export const freeDiskBytes = (path: string) => {
  const s = statfsSync(path);
  return s.bavail * s.bsize;
};

/** The least free space on any Elasticsearch data disk. */
async function elasticsearchFreeBytes(client: Client): Promise<number> {
  const stats = await client.nodes.stats({ metric: "fs" });
  return Math.min(...Object.values(stats.nodes).map((n) => n.fs?.total?.available_in_bytes ?? Infinity));
}

/** Refuses to go on when Elasticsearch's disk would fall below the free space to keep. */
export async function checkElasticsearchDisk(client: Client, limits: ImportLimits): Promise<void> {
  const free = await elasticsearchFreeBytes(client);
  if (free < limits.min_free_disk_mib * 2 ** 20)
    throw new ImportRefused(
      `Elasticsearch has ${Math.floor(free / 2 ** 20)} MiB of disk left; imports keep ${limits.min_free_disk_mib} MiB free`,
    );
}

/** Formats whose events may span lines: an application's plain log with its stack traces. */
const CONTINUED = new Set<Format>(["pm2-time", "timestamped"]);

/** Runs one import to its end; `onProgress` is called at most every `progressMs`. */
export async function runImport(opts: {
  client: Client;
  prefix: string;
  id: string;
  name: string;
  file: string;
  /** What to call a plain (not archived) file in log.file.path: the uploaded name, say. */
  fileName?: string;
  signal?: AbortSignal;
  onProgress?: (r: ImportRecord) => void;
  progressMs?: number;
  limits: ImportLimits;
}): Promise<ImportRecord> {
  const { client, prefix, id, name, file } = opts;
  const index = indexName.import(prefix, id);
  const started = Date.now();
  const r: ImportRecord = {
    id,
    name,
    status: "running",
    started_at: new Date(started).toISOString(),
    bytes_total: statSync(file).size,
    bytes_read: 0,
    files: 0,
    lines: 0,
    docs: 0,
    bad_lines: 0,
    bad_samples: [],
    failed_docs: 0,
    lines_per_second: 0,
  };
  const save = () =>
    client.index({ index: importsIndex(prefix), id, document: r, refresh: true }).catch(() => undefined);
  await client.indices.create({ index }).catch((e: { meta?: { body?: { error?: { type?: string } } } }) => {
    if (e.meta?.body?.error?.type !== "resource_already_exists_exception") throw e;
  });
  await save();
  let last = 0;
  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - last < (opts.progressMs ?? 500)) return;
    last = now;
    r.lines_per_second = Math.round(r.lines / Math.max(0.001, (now - started) / 1000));
    span();
    opts.onProgress?.({ ...r, bad_samples: [...r.bad_samples] });
  };

  /**
   * Events from every entry's lines. A line without a timestamp continues the event before it
   * (a stack trace) only in formats that have such events; in one-line-per-event formats (nginx,
   * JSON) it is a bad line, never glued to the request before it.
   */
  let first = Infinity;
  let lastEvent = -Infinity;
  /** Notes an event's time for the import's span. */
  const seen = (p: Parsed) => {
    if (p.ts < first) first = p.ts;
    if (p.ts > lastEvent) lastEvent = p.ts;
    return p;
  };
  const span = () => {
    if (Number.isFinite(first)) {
      r.first_event_at = new Date(first).toISOString();
      r.last_event_at = new Date(lastEvent).toISOString();
    }
  };

  async function* documents(): AsyncGenerator<string[]> {
    const { limits } = opts;
    let unpacked = 0;
    let checkedDiskAt = Date.now();
    for await (const entry of entries(file, opts.fileName ?? basename(file), (n) => ((r.bytes_read += n), report()))) {
      r.files++;
      let pending: Parsed | undefined;
      let pendingLine = 0;
      const document = documentWriter({ id, name, file: entry.name });
      let n = 0;
      const countUnpacked = (bytes: number) => {
        unpacked += bytes;
        if (unpacked > limits.max_unpacked_mib * 2 ** 20)
          throw new ImportRefused(`more than ${limits.max_unpacked_mib} MiB of text unpacked: stopped`);
        if (unpacked > 64 * 2 ** 20 && unpacked > limits.max_unpack_ratio * Math.max(1, r.bytes_read))
          throw new ImportRefused(
            `the text grows more than ${limits.max_unpack_ratio} times the bytes read (a zip bomb?): stopped`,
          );
      };
      for await (const lines of splitLines(entry.stream, limits.max_line_kib * 1024, countUnpacked)) {
        const docs: string[] = [];
        for (const { text: line, cut } of lines) {
          if (opts.signal?.aborted) {
            entry.stream.destroy();
            return;
          }
          n++;
          r.lines++;
          if (cut) bad(entry.name, n, `longer than ${limits.max_line_kib} KiB: cut there`, line);
          if (!line.trim()) continue;
          const p = parseLine(line);
          if ("continuation" in p) {
            if (!pending) bad(entry.name, n, "no timestamp, and no line before it to continue", line);
            else if (!CONTINUED.has(pending.format))
              bad(entry.name, n, `not a ${pending.format} line (that format has one event per line)`, line);
            else if (pending.message.length < MAX_MESSAGE) pending.message += `\n${p.continuation}`;
            continue;
          }
          if ("bad" in p) {
            bad(entry.name, n, p.bad, line);
            continue;
          }
          if (pending) docs.push(document(seen(pending), pendingLine));
          pending = p;
          pendingLine = n;
        }
        if (docs.length > 0) yield docs;
        if (Date.now() - checkedDiskAt > 10_000) {
          checkedDiskAt = Date.now();
          await checkElasticsearchDisk(client, limits);
        }
      }
      if (pending) yield [document(seen(pending), pendingLine)];
    }
  }
  function bad(f: string, line: number, reason: string, text: string) {
    r.bad_lines++;
    if (r.bad_samples.length < SAMPLES) r.bad_samples.push({ file: f, line, reason, text: text.slice(0, 300) });
  }

  try {
    await checkElasticsearchDisk(client, opts.limits);
    const counts = await bulkCreate({
      client,
      index,
      docs: documents(),
      signal: opts.signal,
      onProgress: (c) => {
        r.docs = c.created;
        r.failed_docs = c.failed;
      },
    });
    await client.indices.refresh({ index });
    if (counts.firstError)
      r.error = `Elasticsearch refused ${counts.failed} documents; the first: ${counts.firstError}`;
    r.status = opts.signal?.aborted ? "cancelled" : "done";
  } catch (err) {
    r.status = opts.signal?.aborted ? "cancelled" : "failed";
    if (r.status === "failed") r.error = (err as Error).message;
  }
  r.finished_at = new Date().toISOString();
  if (r.status === "done") r.bytes_read = r.bytes_total;
  span();
  report(true);
  await save();
  return r;
}

/** Every import's record, newest first. */
export async function listImports(client: Client, prefix: string): Promise<ImportRecord[]> {
  const res = await client.search<ImportRecord>({
    index: importsIndex(prefix),
    ignore_unavailable: true,
    size: 200,
    sort: [{ started_at: { order: "desc", unmapped_type: "date" } }],
  });
  return res.hits.hits.map((h) => h._source!);
}

/** Deletes an import's documents and its record. */
export async function deleteImport(client: Client, prefix: string, id: string): Promise<void> {
  await client.indices.delete({ index: indexName.import(prefix, id), ignore_unavailable: true });
  await client.delete({ index: importsIndex(prefix), id, refresh: true }).catch(() => undefined);
}
