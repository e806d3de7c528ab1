// Log imports from the portal, served by the portal's own server (server.ts) because an upload
// may be gigabytes and must stream to disk untouched by Next's request handling:
//   POST   /api/logs/imports?name=   the file as the body → on disk → 202 {id}; import starts
//   GET    /api/logs/imports         every import (running ones with live progress)
//   GET    /api/logs/imports/<id>/progress   Server-Sent Events until it ends
//   DELETE /api/logs/imports/<id>    cancel if running; delete its documents and record
import { randomUUID } from "node:crypto";
import { createWriteStream } from "node:fs";
import { open, rm } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import type { Client } from "@elastic/elasticsearch";
import { createLogger, type Config } from "@opsdeck/core";
import { SSE_HEADERS, sseFrame } from "@opsdeck/core/sse";
import {
  checkElasticsearchDisk,
  deleteImport,
  freeDiskBytes,
  ImportRefused,
  listImports,
  newImportId,
  runImport,
  type ImportRecord,
} from "@opsdeck/core/logs-import/import";
import { config } from "../../lib/config.ts";
import { checkChange, cookieValue, CSRF_COOKIE, CSRF_HEADER, Denied, type Session } from "../auth/session.ts";

const running = new Map<string, { record: ImportRecord; ac: AbortController }>();
const json = (res: ServerResponse, status: number, body: unknown) =>
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));

export function importRoutes(cfg: Config, client: Client) {
  const prefix = cfg.elasticsearch.index_prefix;
  const audit = createLogger({ service: "portal", dataset: "opsdeck.audit", level: cfg.log.level });

  async function upload(req: IncomingMessage, res: ServerResponse, session: Session, url: URL) {
    const name = (url.searchParams.get("name") ?? "").trim().slice(0, 200) || "upload";
    const limits = config().elasticsearch.imports; // as opsdeck.yml says now (it is re-read on change)
    // A refused upload is not read on (it may be gigabytes): answered, then the connection closed.
    const refuse = (status: number, error: string) => {
      res.setHeader("connection", "close");
      res.once("finish", () => req.destroy());
      json(res, status, { error });
    };
    const active = [...running.values()].filter((e) => e.record.status === "running").length;
    if (active >= limits.concurrent)
      return refuse(429, `${active} imports are running (at most ${limits.concurrent} at once): wait for one to end`);
    const maxBytes = limits.max_upload_mib * 2 ** 20;
    const declared = Number(req.headers["content-length"] ?? NaN);
    if (declared > maxBytes)
      return refuse(413, `the file is larger than ${limits.max_upload_mib} MiB, the upload limit`);
    const keep = limits.min_free_disk_mib * 2 ** 20;
    if (freeDiskBytes(tmpdir()) - (Number.isFinite(declared) ? declared : 0) < keep)
      return refuse(507, `not enough disk space for the upload: the portal keeps ${limits.min_free_disk_mib} MiB free`);
    try {
      await checkElasticsearchDisk(client, limits);
    } catch (err) {
      if (err instanceof ImportRefused) return refuse(507, err.message);
      throw err;
    }
    const id = newImportId();
    const file = join(tmpdir(), `opsdeck-import-${randomUUID()}`);
    // Counted as it streams: a missing or false Content-Length does not get past the limit.
    let received = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        received += chunk.length;
        if (received > maxBytes)
          done(new ImportRefused(`the file is larger than ${limits.max_upload_mib} MiB, the upload limit`));
        else if (received % (64 * 2 ** 20) < chunk.length && freeDiskBytes(tmpdir()) < keep)
          done(new ImportRefused(`the disk is filling up: the portal keeps ${limits.min_free_disk_mib} MiB free`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(req, cap, createWriteStream(file));
      const h = await open(file, "r+");
      await h.sync(); // 202 means it is on disk
      await h.close();
    } catch (err) {
      await rm(file, { force: true });
      if (err instanceof ImportRefused) return refuse(/larger/.test(err.message) ? 413 : 507, err.message);
      return json(res, 400, { error: `upload failed: ${(err as Error).message}` });
    }
    const ac = new AbortController();
    const entry = { record: { id, name, status: "running" } as ImportRecord, ac };
    running.set(id, entry);
    audit.info(`${session.user} log-import-started`, {
      "user.name": session.user,
      "event.action": "log-import-started",
      "opsdeck.import.id": id,
      "opsdeck.import.name": name,
    });
    json(res, 202, { id });
    void runImport({
      client,
      prefix,
      id,
      name,
      file,
      fileName: name,
      signal: ac.signal,
      onProgress: (r) => (entry.record = r),
      limits,
    })
      .then((r) => (entry.record = r))
      .catch((err: Error) => (entry.record = { ...entry.record, status: "failed", error: err.message }))
      .finally(() => {
        void rm(file, { force: true });
        // Kept a minute so a progress stream sees the end; the record is in Elasticsearch.
        setTimeout(() => running.delete(id), 60_000).unref();
      });
  }

  function progress(res: ServerResponse, id: string) {
    res.writeHead(200, SSE_HEADERS);
    const tick = () => {
      const entry = running.get(id);
      if (!entry) {
        res.end(sseFrame({ event: "gone", data: "{}" }));
        return;
      }
      res.write(sseFrame({ event: "progress", data: JSON.stringify(entry.record) }));
      if (entry.record.status !== "running") return void res.end();
      timer = setTimeout(tick, 500);
    };
    let timer = setTimeout(tick, 0);
    res.on("close", () => clearTimeout(timer));
  }

  /** Handles the request if it is one of ours; false otherwise. */
  return async function handle(
    req: IncomingMessage,
    res: ServerResponse,
    session: Session | undefined,
  ): Promise<boolean> {
    const url = new URL(req.url ?? "/", "http://portal");
    const m = /^\/api\/logs\/imports(?:\/([a-z0-9-]{1,64})(\/progress)?)?$/.exec(url.pathname);
    if (!m) return false;
    const [, id, isProgress] = m;
    try {
      if (!session) throw new Denied(401, "sign in first");
      const change = () =>
        checkChange(session, "operator", {
          csrfCookie: cookieValue(req.headers.cookie, CSRF_COOKIE),
          csrfHeader: req.headers[CSRF_HEADER] as string | undefined,
          origin: req.headers.origin,
          host: req.headers.host,
        });
      if (req.method === "POST" && !id) await upload(req, res, change(), url);
      else if (req.method === "GET" && !id) {
        const stored = await listImports(client, prefix).catch(() => [] as ImportRecord[]);
        const live = [...running.values()].map((e) => e.record);
        json(res, 200, { imports: [...live, ...stored.filter((s) => !running.has(s.id))] });
      } else if (req.method === "GET" && id && isProgress) progress(res, id);
      else if (req.method === "DELETE" && id && !isProgress) {
        const who = change();
        running.get(id)?.ac.abort();
        await deleteImport(client, prefix, id);
        running.delete(id);
        audit.info(`${who.user} log-import-deleted`, {
          "user.name": who.user,
          "event.action": "log-import-deleted",
          "opsdeck.import.id": id,
        });
        res.writeHead(204).end();
      } else json(res, 405, { error: "method not allowed" });
    } catch (err) {
      if (err instanceof Denied) json(res, err.status, { error: err.message });
      else if (!res.headersSent) json(res, 502, { error: `Elasticsearch: ${(err as Error).message}` });
    }
    return true;
  };
}
