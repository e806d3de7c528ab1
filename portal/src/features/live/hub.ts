// One Server-Sent Events stream per browser tab, multiplexing the deploy exporter's and the
// notifier's streams: the portal holds one upstream connection to each (core's followSse:
// reconnecting with backoff, resuming from the last upstream event id so a blip loses nothing)
// and fans events out through core's hub (an id per event, heartbeats, replay from Last-Event-ID).
//
// Several portals (portal.shared_redis): the one holding the lease follows the upstreams and
// appends each event to a Redis stream; every portal follows that stream and gives each event
// the stream's id. So an event reaches the tabs on every portal, and a tab that reconnects to
// another portal (its own died) sends a Last-Event-ID that portal knows: it misses nothing.
//
// Served by the portal's own HTTP server (server.ts), on plain node:http responses rather than
// a Next route handler: a route handler's Web stream cost ~100 KB and several promise hops per
// connection, which at 10,000 tabs meant 1.3 GB and 1.8 s to reach them all (docs/benchmarks.md).
import type { IncomingMessage, ServerResponse } from "node:http";
import { createSseHub, followSse } from "@opsdeck/core/sse";
import { followStream, leads, PORTAL_KEYS, sharedRedis, type StreamEntry } from "../cluster/shared.ts";

export interface HubSources {
  deploy_url: string;
  notifier_url: string;
}

const hub = createSseHub();
let started: Promise<void> | undefined;
const SOURCES = ["deploy", "notifier"] as const;
/** Events the shared stream keeps: the hub's own replay buffer holds as many. */
const KEEP = 1000;

const upstreamUrl = (sources: HubSources, source: (typeof SOURCES)[number]) =>
  new URL("/api/v1/stream", source === "deploy" ? sources.deploy_url : sources.notifier_url).href;

/** Starts following once; resolves when the hub can replay (with several portals: the stream's recent events loaded). */
function ensureUpstreams(sources: HubSources): Promise<void> {
  return (started ??= sharedRedis().then((redis) => {
    if (redis) return shareThroughRedis(sources);
    for (const source of SOURCES)
      void followSse(upstreamUrl(sources, source), (e) => hub.publishRaw(`${source}.${e.event}`, e.data));
  }));
}

/** A stream id ("ms-seq") as the number an SSE id carries here (increasing, like the stream's). */
const eventNumber = (id: string) => {
  const [ms, seq] = id.split("-").map(Number);
  return ms * 1000 + Math.min(seq, 999);
};
const publish = (entries: StreamEntry[]) => {
  for (const { id, message } of entries) hub.publishRaw(message.event, message.data, eventNumber(id));
};

async function shareThroughRedis(sources: HubSources) {
  const redis = (await sharedRedis())!;
  // What happened lately, for tabs that come here from another portal with a Last-Event-ID.
  const recent = ((await redis.xRevRange(PORTAL_KEYS.events, "+", "-", { COUNT: KEEP })) ?? []).reverse();
  publish(recent);
  void followStream(PORTAL_KEYS.events, recent.at(-1)?.id ?? "0-0", publish);

  // The lease holder relays; on losing it (or Redis failing a write) it stops, and whoever holds
  // it next resumes each upstream after the last event relayed.
  let relaying: AbortController | undefined;
  const relay = async () => {
    const controller = (relaying = new AbortController());
    const stop = () => controller.abort();
    for (const source of SOURCES) {
      const after = (await redis.hGet(PORTAL_KEYS.upstream, source)) ?? undefined;
      void followSse(
        upstreamUrl(sources, source),
        (e) => {
          if (!leads()) return stop();
          redis
            .multi()
            .xAdd(
              PORTAL_KEYS.events,
              "*",
              { event: `${source}.${e.event}`, data: e.data },
              { TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: KEEP } },
            )
            .hSet(PORTAL_KEYS.upstream, source, e.id ?? "")
            .exec()
            .catch(stop);
        },
        controller.signal,
        after,
      );
    }
  };
  setInterval(() => {
    if (relaying?.signal.aborted) relaying = undefined;
    if (!relaying && leads()) void relay().catch(() => (relaying = undefined));
    else if (relaying && !leads()) relaying.abort();
  }, 1000).unref();
}

/**
 * With several portals, follows from the start, tab or no tab: the lease holder must relay for
 * the others' tabs, and each portal must hold the recent events for tabs that come to it.
 */
export function startLiveStream(sources: HubSources) {
  ensureUpstreams(sources).catch((err: Error) => {
    started = undefined;
    console.error(`live stream: ${err.message}; starting again with the next tab`);
  });
}

/** Serves one tab's stream (the caller has checked the session). */
export function serveStream(req: IncomingMessage, res: ServerResponse, sources: HubSources) {
  const serve = () => {
    if (!res.destroyed) hub.serve(req, res);
  };
  // Redis unreachable: the tab still gets its stream; events come once it is back.
  ensureUpstreams(sources).then(serve, (err: Error) => {
    started = undefined;
    console.error(`live stream: ${err.message}`);
    serve();
  });
}
