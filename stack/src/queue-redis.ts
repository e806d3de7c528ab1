// Redis for what several OpsDeck instances share (notifier.queue, portal.shared_redis;
// docs/scaling.md), from Debian's redis-server 7.0: every write fsynced before its reply
// (appendfsync always, as the local journal fsyncs before the webhook's 2xx), a password,
// optionally a replica of another, and Sentinels that watch a primary and promote its replica
// when it dies. Loopback only.
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

/** Writes `lines` as the server's config in `dir` and starts redis-server on it (a Sentinel with `--sentinel`). */
async function startRedisServer(name: string, dir: string, lines: string[], flags: string[] = []) {
  const port = await freePort();
  mkdirSync(dir, { recursive: true });
  const conf = join(dir, `${name}.conf`);
  writeFileSync(
    conf,
    [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, `requirepass ${QUEUE_REDIS_PASSWORD}`, ...lines].join("\n") + "\n",
    {
      mode: 0o600,
    },
  );
  const proc = spawnProc(name, "/usr/bin/redis-server", [conf, ...flags], { logFile: join(dir, `${name}.log`) });
  await waitUntil(name, () => listening(port), { proc, timeoutMs: 30_000 });
  return { proc, port };
}

export async function startQueueRedis(opts: { dir: string; replicaOf?: number }): Promise<QueueRedis> {
  const { proc, port } = await startRedisServer("redis", opts.dir, [
    `masterauth ${QUEUE_REDIS_PASSWORD}`,
    "appendonly yes",
    "appendfsync always",
    'save ""',
    // A queue must refuse writes when full, never evict what it holds.
    "maxmemory-policy noeviction",
    ...(opts.replicaOf ? [`replicaof 127.0.0.1 ${opts.replicaOf}`] : []),
  ]);
  return { proc, port, url: `redis://:${QUEUE_REDIS_PASSWORD}@127.0.0.1:${port}` };
}

/**
 * A Sentinel watching the primary on `primaryPort` (quorum 2 of 3): a primary silent for
 * `downAfterMs` is failed over to its replica. Its config file must be writable: Sentinel
 * records what it learns there.
 */
export function startSentinel(opts: { dir: string; primaryPort: number; downAfterMs?: number }) {
  return startRedisServer(
    "sentinel",
    opts.dir,
    [
      `sentinel monitor ${SENTINEL_MASTER} 127.0.0.1 ${opts.primaryPort} 2`,
      `sentinel auth-pass ${SENTINEL_MASTER} ${QUEUE_REDIS_PASSWORD}`,
      `sentinel down-after-milliseconds ${SENTINEL_MASTER} ${opts.downAfterMs ?? 1000}`,
      `sentinel failover-timeout ${SENTINEL_MASTER} 10000`,
      `sentinel parallel-syncs ${SENTINEL_MASTER} 1`,
    ],
    ["--sentinel"],
  );
}

/** notifier.queue through Sentinels. */
export const sentinelQueueUrl = (sentinelPorts: number[]) =>
  `redis-sentinel://:${QUEUE_REDIS_PASSWORD}@${sentinelPorts.map((port) => `127.0.0.1:${port}`).join(",")}/${SENTINEL_MASTER}`;
