// Server-Sent Events: a hub that fans events out to every open stream, with heartbeats and
// resume (Last-Event-ID replays what a reconnecting client missed, from a bounded buffer).
import type { Request, Response } from "express";

export interface SseEvent {
  id: number;
  event: string;
  data: string;
}

export interface SseHub {
  publish(event: string, data: unknown): void;
  handler(req: Request, res: Response): void;
  readonly clients: number;
  close(): void;
}

export function createSseHub(opts: { heartbeatMs?: number; replay?: number } = {}): SseHub {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  const keep = opts.replay ?? 1000;
  const clients = new Set<Response>();
  const recent: SseEvent[] = [];
  let nextId = Date.now(); // ids stay increasing across restarts, so a stale Last-Event-ID never matches a new event

  const format = (e: SseEvent) => `id: ${e.id}\nevent: ${e.event}\ndata: ${e.data}\n\n`;
  const timer = setInterval(() => {
    for (const res of clients) res.write(": heartbeat\n\n");
  }, heartbeatMs);
  timer.unref();

  return {
    get clients() {
      return clients.size;
    },
    publish(event, data) {
      const e = { id: ++nextId, event, data: JSON.stringify(data) };
      recent.push(e);
      if (recent.length > keep) recent.shift();
      const text = format(e);
      for (const res of clients) res.write(text);
    },
    handler(req, res) {
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-cache, no-transform",
        connection: "keep-alive",
        "x-accel-buffering": "no",
      });
      res.write("retry: 2000\n\n");
      const last = Number(req.headers["last-event-id"] ?? req.query.last_event_id);
      if (Number.isFinite(last)) for (const e of recent) if (e.id > last) res.write(format(e));
      clients.add(res);
      req.on("close", () => clients.delete(res));
    },
    close() {
      clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
