// Redis as the notifier's shared queue (notifier.queue, docs/scaling.md), from Debian's
// redis-server 7.0: every write fsynced before its reply (appendfsync always, as the local
// journal fsyncs before the webhook's 2xx), a password, optionally a replica of another, and
// Sentinels that watch a primary and promote its replica when it dies. Loopback only.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort, spawnProc, waitUntil, type Proc } from "./procs.ts";
import { listening } from "./databases.ts";

export const QUEUE_REDIS_PASSWORD = "queue-redis-password-0123456789";
export const SENTINEL_MASTER = "opsdeck";

export interface QueueRedis {
  proc: Proc;
  port: number;
  /** notifier.queue for a notifier talking to this server alone. */
  url: string;
}

export async function startQueueRedis(opts: { dir: string; replicaOf?: number }): Promise<QueueRedis> {
  const port = await freePort();
  mkdirSync(opts.dir, { recursive: true });
  const conf = join(opts.dir, "redis.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${opts.dir}`,
      `requirepass ${QUEUE_REDIS_PASSWORD}`,
      `masterauth ${QUEUE_REDIS_PASSWORD}`,
      "appendonly yes",
      "appendfsync always",
      'save ""',
      // A queue must refuse writes when full, never evict what it holds.
      "maxmemory-policy noeviction",
      ...(opts.replicaOf ? [`replicaof 127.0.0.1 ${opts.replicaOf}`] : []),
    ].join("\n") + "\n",
    { mode: 0o600 },
  );
  const proc = spawnProc("redis", "/usr/bin/redis-server", [conf], { logFile: join(opts.dir, "redis.log") });
  await waitUntil("redis", () => listening(port), { proc, timeoutMs: 30_000 });
  return { proc, port, url: `redis://:${QUEUE_REDIS_PASSWORD}@127.0.0.1:${port}` };
}

/**
 * A Sentinel watching the primary on `primaryPort` (quorum 2 of 3): a primary silent for
 * `downAfterMs` is failed over to its replica. Its config file must be writable: Sentinel
 * records what it learns there.
 */
export async function startSentinel(opts: { dir: string; primaryPort: number; downAfterMs?: number }) {
  const port = await freePort();
  mkdirSync(opts.dir, { recursive: true });
  const conf = join(opts.dir, "sentinel.conf");
  writeFileSync(
    conf,
    [
      `port ${port}`,
      "bind 127.0.0.1",
      `dir ${opts.dir}`,
      `requirepass ${QUEUE_REDIS_PASSWORD}`,
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${opts.primaryPort} 2`,
      `sentinel auth-pass ${SENTINEL_MASTER} ${QUEUE_REDIS_PASSWORD}`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
    ].join("\n") + "\n",
    { mode: 0o600 },
  );
  const proc = spawnProc("sentinel", "/usr/bin/redis-server", [conf, "--sentinel"], {
    logFile: join(opts.dir, "sentinel.log"),
  });
  await waitUntil("sentinel", () => listening(port), { proc, timeoutMs: 30_000 });
  return { proc, port };
}

/** notifier.queue through Sentinels. */
export const sentinelQueueUrl = (sentinelPorts: number[]) =>
  `redis-sentinel://:${QUEUE_REDIS_PASSWORD}@${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(",")}/${SENTINEL_MASTER}`;
