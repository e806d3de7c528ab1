// One Server-Sent Events stream per browser tab, multiplexing the deploy exporter's and the
// notifier's streams: the portal holds one upstream connection to each (reconnecting with
// backoff, resuming from the last upstream event id so a blip loses nothing) and fans events
// out, with an id per event, heartbeats, and replay from Last-Event-ID.
import { portalSources } from "@opsdeck/core";
import { config } from "./config.ts";

type Client = ReadableStreamDefaultController<Uint8Array>;
const enc = new TextEncoder();
const clients = new Set<Client>();
const recent: { id: number; text: string }[] = [];
let nextId = Date.now();
let started = false;

function broadcast(event: string, data: string) {
  const id = ++nextId;
  const text = `id: ${id}\nevent: ${event}\ndata: ${data}\n\n`;
  recent.push({ id, text });
  if (recent.length > 1000) recent.shift();
  const bytes = enc.encode(text);
  for (const c of clients) {
    try {
      c.enqueue(bytes);
    } catch {
      clients.delete(c);
    }
  }
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

function ensureUpstreams() {
  if (started) return;
  started = true;
  const s = portalSources(config());
  void follow("deploy", new URL("/api/v1/stream", s.deploy_url).href);
  void follow("notifier", new URL("/api/v1/stream", s.notifier_url).href);
  setInterval(() => {
    const beat = enc.encode(": heartbeat\n\n");
    for (const c of clients) {
      try {
        c.enqueue(beat);
      } catch {
        clients.delete(c);
      }
    }
  }, 15_000).unref();
}

export function subscribe(lastEventId: number | undefined): ReadableStream<Uint8Array> {
  ensureUpstreams();
  let self: Client;
  return new ReadableStream<Uint8Array>({
    start(controller) {
      self = controller;
      controller.enqueue(enc.encode("retry: 2000\n\n"));
      if (lastEventId !== undefined)
        for (const e of recent) if (e.id > lastEventId) controller.enqueue(enc.encode(e.text));
      clients.add(controller);
    },
    cancel() {
      clients.delete(self);
    },
  });
}
