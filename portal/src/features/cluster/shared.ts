// Several portals behind the front door (portal.shared_redis, docs/scaling.md): one Redis
// connection per process, a lease that picks the one portal running the background work, and a
// follower for the streams every portal reads (sign-outs, the live stream). Kept on globalThis:
// Next's proxy, its route handlers and the portal's own server are separate module graphs.
import { hostname } from "node:os";
import {
  connectRedis,
  createLease,
  describeRedis,
  followRedisStream,
  type RedisConnection,
  type StreamEntry,
} from "@opsdeck/core/redis";
import { createLogger } from "@opsdeck/core";
import { config } from "@/lib/config.ts";

export const PORTAL_KEYS = {
  leader: "opsdeck:portal:leader",
  revoked: "opsdeck:portal:revoked",
  revocations: "opsdeck:portal:revocations",
  throttle: (scope: string, key: string) => `opsdeck:portal:throttle:${scope}:${key}`,
  events: "opsdeck:portal:events",
  upstream: "opsdeck:portal:upstream",
  /** A push host's action request (a hash), the host's list of request ids, the answers' stream. */
  actionRequest: (id: string) => `opsdeck:portal:action:${id}`,
  actionQueue: (host: string) => `opsdeck:portal:actions:${host}`,
  actionAnswers: "opsdeck:portal:action-answers",
};

interface Shared {
  /** Resolves once connected. */
  ready: Promise<RedisConnection>;
  /** Set once connected. */
  lease?: ReturnType<typeof createLease>;
  instance: string;
}

const SHARED = Symbol.for("opsdeck.portal.shared");
type Global = typeof globalThis & { [SHARED]?: Shared };
const log = () => createLogger({ service: "portal", dataset: "opsdeck.portal", level: config().log.level });

function open(url: string): Shared {
  const portal = config().portal;
  const shared: Shared = { instance: portal.instance ?? `${hostname()}:${portal.port}`, ready: connect() };
  async function connect() {
    const redis = await connectRedis(url);
    let said = "";
    redis.on("error", (err: Error) => {
      if (err.message !== said) log().warn(`shared redis: ${err.message}`);
      said = err.message;
    });
    await redis.connect();
    log().info("portal shares its state through redis", {
      "opsdeck.redis": describeRedis(url),
      "opsdeck.instance": shared.instance,
    });
    const lease = (shared.lease = createLease(redis, PORTAL_KEYS.leader, shared.instance));
    const renew = () => void lease.renew().catch(() => undefined);
    renew();
    setInterval(renew, 5_000).unref();
    return redis;
  }
  return shared;
}

/** The shared Redis, connected; undefined when this portal is alone (no portal.shared_redis). */
export async function sharedRedis(): Promise<RedisConnection | undefined> {
  const url = config().portal.shared_redis;
  if (!url) return undefined;
  const global = globalThis as Global;
  return (global[SHARED] ??= open(url)).ready;
}

/** How long a request waits for the shared Redis: then it answers at once rather than hang. */
const SHARED_WAIT_MS = 2_000;

export class SharedRedisUnavailable extends Error {}

/**
 * Runs `use` with the shared Redis (undefined when this portal is alone). While Redis is down
 * the client keeps commands until it is back: after 2 s this throws SharedRedisUnavailable, so a
 * request answers then instead of waiting out the front door's timeout. The command itself still
 * runs once Redis is back.
 */
export async function withSharedRedis<T>(use: (redis: RedisConnection | undefined) => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new SharedRedisUnavailable("the portals' shared Redis does not answer")),
      SHARED_WAIT_MS,
    );
  });
  try {
    return await Promise.race([sharedRedis().then(use), late]);
  } finally {
    clearTimeout(timer);
  }
}

/** Whether this portal runs the work only one may run: always when alone, else while it holds the lease. */
export function leads(): boolean {
  if (!config().portal.shared_redis) return true;
  const shared = (globalThis as Global)[SHARED];
  if (!shared) void sharedRedis().catch(() => undefined);
  return shared?.lease?.holds() ?? false;
}

export type { StreamEntry } from "@opsdeck/core/redis";

/**
 * Reads a stream from after `fromId` for as long as the process lives, on a connection of its
 * own (a blocking read holds it), calling `onEntries` in order; a Redis outage is retried.
 */
export async function followStream(key: string, fromId: string, onEntries: (entries: StreamEntry[]) => void) {
  const redis = await sharedRedis();
  if (!redis) return;
  const reader = redis.duplicate();
  reader.on("error", () => undefined); // said by the main connection
  await reader.connect();
  await followRedisStream(reader, key, fromId, onEntries);
}

/** The id of a stream's newest entry ("0-0" when empty): where to follow it from. */
export async function newestId(redis: RedisConnection, key: string): Promise<string> {
  const [newest] = (await redis.xRevRange(key, "+", "-", { COUNT: 1 })) ?? [];
  return newest?.id ?? "0-0";
}
