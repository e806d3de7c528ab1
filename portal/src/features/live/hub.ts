// One Server-Sent Events stream per browser tab, multiplexing the deploy exporter's and the
// notifier's streams: the portal holds one upstream connection to each (core's followSse:
// reconnecting with backoff, resuming from the last upstream event id so a blip loses nothing)
// and fans events out through core's hub (an id per event, heartbeats, replay from Last-Event-ID).
//
// Served by the portal's own HTTP server (server.ts), on plain node:http responses rather than
// a Next route handler: a route handler's Web stream cost ~100 KB and several promise hops per
// connection, which at 10,000 tabs meant 1.3 GB and 1.8 s to reach them all (docs/benchmarks.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createSseHub, followSse } from "@opsdeck/core/sse";

export interface HubSources {
  deploy_url: string;
  notifier_url: string;
}

const hub = createSseHub();
let started = false;

function ensureUpstreams(sources: HubSources) {
  if (started) return;
  started = true;
  const follow = (source: string, base: string) =>
    void followSse(new URL("/api/v1/stream", base).href, (e) => hub.publishRaw(`${source}.${e.event}`, e.data));
  follow("deploy", sources.deploy_url);
  follow("notifier", sources.notifier_url);
}

/** Serves one tab's stream (the caller has checked the session). */
export function serveStream(req: IncomingMessage, res: ServerResponse, sources: HubSources) {
  ensureUpstreams(sources);
  hub.serve(req, res);
}
