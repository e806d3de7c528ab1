// Sign-in throttling. Failures count per client address and per user name; past max_failures in
// the window each further failure doubles a back-off (1 s, 2 s, 4 s …), up to the window for an
// address and up to user_backoff_max_seconds for a name. While a key backs off, sign-in is
// refused without checking the password — so a correct password waits at most the back-off, and
// an attacker guessing one name from many addresses cannot lock its owner out for long. Both
// maps are bounded (least recently used first out): attacker-chosen keys cannot grow them.
import { randomUUID } from "node:crypto";
import { REDIS_NOW_MS } from "@opsdeck/core/redis";
import { PORTAL_KEYS, withSharedRedis } from "../cluster/shared.ts";

const MAX_KEYS = 10_000;

interface Entry {
  failures: number[];
  blockedUntil: number;
}

export interface ThrottleLimits {
  maxFailures: number;
  windowMs: number;
  maxBackoffMs: number;
}

export function createThrottle(limits: () => ThrottleLimits) {
  const entries = new Map<string, Entry>();
  const touch = (key: string) => {
    const entry = entries.get(key) ?? { failures: [], blockedUntil: 0 };
    entries.delete(key); // re-inserted last: a Map iterates oldest first
    entries.set(key, entry);
    if (entries.size > MAX_KEYS) entries.delete(entries.keys().next().value!);
    return entry;
  };
  return {
    /** How long this key must still wait (0: it may try now). */
    waitMs(key: string, now = Date.now()): number {
      return Math.max(0, (entries.get(key)?.blockedUntil ?? 0) - now);
    },
    failed(key: string, now = Date.now()) {
      const { maxFailures, windowMs, maxBackoffMs } = limits();
      const entry = touch(key);
      entry.failures = entry.failures.filter((t) => t > now - windowMs);
      entry.failures.push(now);
      const excess = entry.failures.length - maxFailures;
      if (excess >= 0) entry.blockedUntil = now + Math.min(maxBackoffMs, 1000 * 2 ** Math.min(excess, 30));
    },
    succeeded: (key: string) => void entries.delete(key),
  };
}

/**
 * The same throttle, shared by every portal through Redis when there are several
 * (portal.shared_redis): an attacker spreading guesses over the portals meets one count. Redis'
 * clock decides, so the portals' clocks need not agree. Local when the portal is alone.
 */
export function portalThrottle(scope: string, limits: () => ThrottleLimits) {
  const local = createThrottle(limits);
  const keys = (key: string) => [
    PORTAL_KEYS.throttle(scope, `${key}:failures`),
    PORTAL_KEYS.throttle(scope, `${key}:until`),
  ];
  return {
    waitMs: (key: string, now = Date.now()): Promise<number> =>
      withSharedRedis(async (redis) =>
        redis ? Number(await redis.eval(WAIT_MS, { keys: keys(key) })) : local.waitMs(key, now),
      ),
    failed: (key: string, now = Date.now()): Promise<void> =>
      withSharedRedis(async (redis) => {
        if (!redis) return local.failed(key, now);
        const { maxFailures, windowMs, maxBackoffMs } = limits();
        await redis.eval(FAILED, {
          keys: keys(key),
          arguments: [String(maxFailures), String(windowMs), String(maxBackoffMs), randomUUID()],
        });
      }),
    succeeded: (key: string): Promise<void> =>
      withSharedRedis(async (redis) => {
        if (!redis) return local.succeeded(key);
        await redis.del(keys(key));
      }),
  };
}

// KEYS[1]: the failures (a sorted set by time), KEYS[2]: when the back-off ends.
const WAIT_MS = `${REDIS_NOW_MS}
local blocked_until = tonumber(redis.call('GET', KEYS[2]) or '0')
return math.max(0, blocked_until - now)`;
const FAILED = `${REDIS_NOW_MS}
local maxFailures, window, maxBackoff = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
local excess = redis.call('ZCARD', KEYS[1]) - maxFailures
if excess >= 0 then
  local backoff = math.min(maxBackoff, 1000 * 2 ^ math.min(excess, 30))
  redis.call('SET', KEYS[2], math.floor(now + backoff), 'PX', math.max(1, math.floor(backoff)))
end
return 0`;
