// Lua run inside Redis, where each script is atomic: what several notifiers must not race on.
import { REDIS_NOW_MS } from "@opsdeck/core/redis";

/**
 * A sliding-window rate limit (a fixed window lets twice the limit through across its edge): a
 * sorted set of send marks by time. KEYS[1] the channel's set; ARGV limit, window ms, a new mark.
 * Returns 0 and keeps the mark if a send may go now, else the ms until the oldest mark leaves the
 * window. Time is Redis' own, the same for every instance.
 */
export const RESERVE_SEND = `
${REDIS_NOW_MS}
local limit, window = tonumber(ARGV[1]), tonumber(ARGV[2])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) < limit then
  redis.call('ZADD', KEYS[1], now, ARGV[3])
  redis.call('PEXPIRE', KEYS[1], window * 2)
  return 0
end
local oldest = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return math.max(1, tonumber(oldest[2]) + window - now + 1)
`;

/** Moves a send's mark (ARGV[1]) to now, when the send ended: the window counts from arrival. */
export const SENT_AT = `
${REDIS_NOW_MS}
redis.call('ZADD', KEYS[1], 'XX', now, ARGV[1])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]) * 2)
return 0
`;

/**
 * Touches (resets the idle time of) the queue entries ARGV[3…] still pending for consumer
 * ARGV[2] in group ARGV[1]; returns those another consumer holds now. XCLAIM alone would take
 * an entry back from whoever claimed it.
 */
export const KEEP_IF_OWNER = `
local lost = {}
for i = 3, #ARGV do
  local entry = redis.call('XPENDING', KEYS[1], ARGV[1], ARGV[i], ARGV[i], 1)
  if entry[1] and entry[1][2] == ARGV[2] then
    redis.call('XCLAIM', KEYS[1], ARGV[1], ARGV[2], 0, ARGV[i], 'JUSTID')
  else
    table.insert(lost, ARGV[i])
  end
end
return lost
`;
