// One Server-Sent Events stream per browser tab, multiplexing the deploy exporter's and the
// notifier's streams: the portal holds one upstream connection to each (reconnecting with
// backoff, resuming from the last upstream event id so a blip loses nothing) and fans events
// out, with an id per event, heartbeats, and replay from Last-Event-ID.
//
// Served by the portal's own HTTP server (server.ts), on plain node:http responses rather than
// a Next route handler: a route handler's Web stream cost ~100 KB and several promise hops per
// connection, which at 10,000 tabs meant 1.3 GB and 1.8 s to reach them all (docs/benchmarks.md).
import type { IncomingMessage, ServerResponse } from "node:http";

export interface HubSources {
  deploy_url: string;
  notifier_url: string;
}

const clients = new Set<ServerResponse>();
const recent: { id: number; text: string }[] = [];
const KEEP = 1000;
let nextId = Date.now(); // increasing across restarts, so a stale Last-Event-ID never matches a new event
let started = false;

function broadcast(event: string, data: string) {
  const id = ++nextId;
  const text = `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
  recent.push({ id, text });
  if (recent.length > KEEP * 2) recent.splice(0, recent.length - KEEP);
  for (const res of clients) res.write(text);
}

async function follow(source: string, url: string) {
  let backoff = 500;
  let lastId: string | undefined;
  for (;;) {
    try {
      const res = await fetch(url, {
        headers: { accept: "text/event-stream", ...(lastId ? { "last-event-id": lastId } : {}) },
      });
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      backoff = 500;
      const reader = res.body.getReader();
      const dec = new TextDecoder();
      let buf = "";
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let i;
        while ((i = buf.indexOf("\n\n")) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1];
          const data = /^data: (.*)$/m.exec(block)?.[1];
          lastId = /^id: (.*)$/m.exec(block)?.[1] ?? lastId;
          if (event && data) broadcast(`${source}.${event}`, data);
        }
      }
    } catch {
      /* upstream down: retry below */
    }
    await new Promise((r) => setTimeout(r, backoff));
    backoff = Math.min(backoff * 2, 10_000);
  }
}

function ensureUpstreams(s: HubSources) {
  if (started) return;
  started = true;
  void follow("deploy", new URL("/api/v1/stream", s.deploy_url).href);
  void follow("notifier", new URL("/api/v1/stream", s.notifier_url).href);
  setInterval(() => {
    for (const res of clients) res.write(": heartbeat\n\n");
  }, 15_000).unref();
}

/** Serves one tab's stream (the caller has checked the session). */
export function serveStream(req: IncomingMessage, res: ServerResponse, sources: HubSources) {
  ensureUpstreams(sources);
  res.writeHead(200, {
    "content-type": "text/event-stream; charset=utf-8",
    "cache-control": "no-cache, no-transform",
    "x-accel-buffering": "no",
    "x-content-type-options": "nosniff",
  });
  res.write("retry: 2000\n\n");
  const last = Number(req.headers["last-event-id"]);
  if (Number.isFinite(last)) for (const e of recent) if (e.id > last) res.write(e.text);
  clients.add(res);
  const drop = () => clients.delete(res);
  res.on("close", drop);
  res.on("error", drop);
}
