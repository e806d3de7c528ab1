// A Redis connection from notifier.queue: redis://[:password@]host:port[/db] straight to one
// server, or redis-sentinel://[:password@]h1:p1,h2:p2,…/master through Sentinel, which follows the
// primary across a failover (the same password for the sentinels and the servers).
import { createClient, createSentinel } from "redis";

export type RedisConnection = ReturnType<typeof createClient>;

const SENTINEL = /^redis-sentinel:\/\/(?:([^:@/]*):([^@/]*)@)?([^/]+)\/([^/]+)$/;

/** Where a queue URL points, with the password left out: for logs and errors. */
export function describeQueue(url: string): string {
  return url.replace(/\/\/[^@/]*@/, "//");
}

export function connectRedis(url: string): RedisConnection {
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
