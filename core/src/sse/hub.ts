// A hub that fans events out to every open stream, with heartbeats and resume: Last-Event-ID
// (header, or `last_event_id` in the query for clients that cannot set headers) replays what a
// reconnecting client missed, from a bounded buffer. Plain node:http, so the exporters' and the
// notifier's express apps and the portal's own server serve streams the same way.
import type { IncomingMessage, ServerResponse } from "node:http";
import { comment, RETRY_FRAME, SSE_HEADERS, sseFrame } from "./frame.ts";

export interface SseHub {
  /** Sends `data` (serialised as JSON) to every client. */
  publish(event: string, data: unknown): void;
  /**
   * Sends an already serialised JSON payload (what an upstream stream delivered) to every client,
   * with the next id or the one given (increasing: the same event's id on every portal).
   */
  publishRaw(event: string, data: string, id?: number): void;
  serve(req: IncomingMessage, res: ServerResponse): void;
  readonly clients: number;
  close(): void;
}

export function createSseHub(options: { heartbeatMs?: number; replay?: number } = {}): SseHub {
  const heartbeatMs = options.heartbeatMs ?? 15_000;
  const keep = options.replay ?? 1000;
  const clients = new Set<ServerResponse>();
  const recent: { id: number; frame: string }[] = [];
  let nextId = Date.now(); // ids stay increasing across restarts, so a stale Last-Event-ID never matches a new event

  const timer = setInterval(() => {
    for (const res of clients) res.write(comment("heartbeat"));
  }, heartbeatMs);
  timer.unref();

  function publishRaw(event: string, data: string, given?: number) {
    const id = given ?? ++nextId;
    nextId = Math.max(nextId, id);
    const frame = sseFrame({ id, event, data });
    recent.push({ id, frame });
    // Trimmed in batches: shifting one element per event would copy the whole buffer each time.
    if (recent.length > keep * 2) recent.splice(0, recent.length - keep);
    for (const res of clients) res.write(frame);
  }

  return {
    get clients() {
      return clients.size;
    },
    publishRaw,
    publish: (event, data) => publishRaw(event, JSON.stringify(data)),
    serve(req, res) {
      res.writeHead(200, SSE_HEADERS);
      res.write(RETRY_FRAME);
      const query = new URL(req.url ?? "/", "http://stream").searchParams.get("last_event_id");
      const last = Number(req.headers["last-event-id"] ?? query ?? NaN);
      if (Number.isFinite(last)) for (const e of recent.slice(-keep)) if (e.id > last) res.write(e.frame);
      clients.add(res);
      const drop = () => clients.delete(res);
      res.on("close", drop);
      res.on("error", drop);
    },
    close() {
      clearInterval(timer);
      for (const res of clients) res.end();
      clients.clear();
    },
  };
}
