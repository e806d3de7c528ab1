// Redis for what several instances of a service share (the notifier's queue, the portals'
// sessions and live stream): a URL redis://[:password@]host:port[/db] straight to one server, or
// redis-sentinel://[:password@]h1:p1,h2:p2,…/master through Sentinel, which follows the primary
// across a failover (the same password for the sentinels and the servers). And a lease, so one
// instance runs what must run once.
import type { createClient } from "redis";

export type RedisConnection = ReturnType<typeof createClient>;

/** Lua: `now`, Redis' own clock in ms — the same for every instance, whatever their clocks say. */
export const REDIS_NOW_MS =
  "local t = redis.call('TIME') local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)";

const SENTINEL = /^redis-sentinel:\/\/(?:([^:@/]*):([^@/]*)@)?([^/]+)\/([^/]+)$/;

/** Where a Redis URL points, with the password left out: for logs and errors. */
export function describeRedis(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

/**
 * A client for the URL, not connected yet. The library is loaded here, on first use: it costs
 * a process ~25 MB of RSS, which a notifier on its local journal need not pay.
 */
export async function connectRedis(url: string): Promise<RedisConnection> {
  const { createClient, createSentinel } = await import("redis");
  const sentinel = SENTINEL.exec(url);
  if (!sentinel)
    return createClient({ url, socket: { reconnectStrategy: (retries) => Math.min(100 * 2 ** retries, 2000) } });
  const [, username, password, hosts, name] = sentinel;
  const auth = { username: username || undefined, password: password ? decodeURIComponent(password) : undefined };
  const nodes = hosts.split(",").map((hostPort) => {
    const [host, port] = hostPort.split(":");
    return { host, port: Number(port || 26379) };
  });
  // A Sentinel connection answers the same commands as a client of the primary it points at.
  return createSentinel({
    name,
    sentinelRootNodes: nodes,
    nodeClientOptions: auth,
    sentinelClientOptions: auth,
  }) as unknown as RedisConnection;
}

/**
 * A lease in Redis held by one instance at a time: taken when free, kept by calling `renew` (every
 * 5 s, as both callers do), lost after `ttlMs` without renewal (the holder died or stalled).
 * `holds()` turns false 5 s before the lease can run out, so two instances never both believe
 * they hold it.
 */
export function createLease(redis: RedisConnection, key: string, holder: string, ttlMs = 15_000) {
  let until = 0;
  return {
    holds: () => until > Date.now(),
    /** Takes or renews the lease; returns whether this instance holds it. */
    async renew(): Promise<boolean> {
      const started = Date.now();
      const held = await redis.eval(RENEW, { keys: [key], arguments: [holder, String(ttlMs)] });
      until = held === 1 ? started + ttlMs - 5_000 : 0;
      return held === 1;
    },
    /** Gives it up, so another instance takes it at once. */
    async release() {
      if (until > Date.now()) await redis.eval(RELEASE, { keys: [key], arguments: [holder] });
      until = 0;
    },
  };
}

const RENEW = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('PEXPIRE', KEYS[1], ARGV[2]) return 1 end
return 0
`;
const RELEASE = "if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('DEL', KEYS[1]) end return 0";

export interface StreamEntry {
  id: string;
  message: Record<string, string>;
}

/**
 * Reads a stream from after `fromId` until `stopped()`, on `reader` — a connection of its own: a
 * blocking read holds it — handing each batch to `onEntries` in order. A failed read or batch is
 * reported and retried a second later, from after the last batch handed over.
 */
export async function followRedisStream(
  reader: RedisConnection,
  key: string,
  fromId: string,
  onEntries: (entries: StreamEntry[]) => void | Promise<void>,
  opts: { stopped?: () => boolean; onError?: (err: unknown) => void; blockMs?: number; count?: number } = {},
): Promise<void> {
  let lastId = fromId;
  while (!opts.stopped?.()) {
    try {
      const streams = (await reader.xRead(
        { key, id: lastId },
        { BLOCK: opts.blockMs ?? 5_000, COUNT: opts.count ?? 1_000 },
      )) as { messages: StreamEntry[] }[] | null;
      const entries = streams?.flatMap((stream) => stream.messages) ?? [];
      if (!entries.length) continue;
      lastId = entries.at(-1)!.id;
      await onEntries(entries);
    } catch (err) {
      if (opts.stopped?.()) break;
      opts.onError?.(err);
      await new Promise((resolve) => setTimeout(resolve, 1000));
    }
  }
}
