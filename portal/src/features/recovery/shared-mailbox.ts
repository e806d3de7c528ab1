// Push hosts' mailbox in the portals' shared Redis (portal.shared_redis): an operator's request
// made on one portal is fetched by the host's poll on whichever portal it lands, and the answer,
// posted to any of them, reaches the portal that waits for it.
//
// A request is a hash (host, body, signature; `fetched`, `answered` once they happen) that expires
// with the request; the host's list holds the ids not fetched yet; the answers go to a stream
// every waiting portal follows. The scripts make each step happen once: a request is handed to
// one poll, withdrawn only while unfetched, answered once, and only by its own host.
import type { HostAnswer } from "./run.ts";
import { didNotAnswer, didNotFetch, FETCH_WITHIN_MS, POLL_MS, type Mailbox, type SignedRequest } from "./mailbox.ts";
import {
  followStream,
  newestId,
  PORTAL_KEYS,
  sharedRedis,
  withSharedRedis,
  type StreamEntry,
} from "../cluster/shared.ts";

/** How often a poll looks for requests while none waits (a short poll on Redis, not a connection held). */
const CHECK_MS = 500;

// KEYS[1]: the host's list of request ids. ARGV[1]: the request hashes' key prefix. Takes every
// id, hands over those still unfetched (marking them) as a flat list: id, body, signature, …
const TAKE = `
local ids = redis.call('LRANGE', KEYS[1], 0, -1)
redis.call('DEL', KEYS[1])
local out = {}
for _, id in ipairs(ids) do
  local key = ARGV[1] .. id
  if redis.call('EXISTS', key) == 1 and not redis.call('HGET', key, 'fetched') then
    redis.call('HSET', key, 'fetched', '1')
    local r = redis.call('HMGET', key, 'body', 'signature')
    table.insert(out, id) table.insert(out, r[1]) table.insert(out, r[2])
  end
end
return out`;

// KEYS[1]: the request's hash, KEYS[2]: the host's list. ARGV[1]: its id. Withdraws it unless a
// poll took it already; 1 if withdrawn.
const WITHDRAW = `
if redis.call('HGET', KEYS[1], 'fetched') then return 0 end
redis.call('DEL', KEYS[1])
redis.call('LREM', KEYS[2], 0, ARGV[1])
return 1`;

// KEYS[1]: the request's hash, KEYS[2]: the answers' stream. ARGV: host, id, the answer (JSON).
// Only its own host, only once fetched, only once.
const ANSWER = `
if redis.call('HGET', KEYS[1], 'host') ~= ARGV[1] or not redis.call('HGET', KEYS[1], 'fetched') then return 0 end
if redis.call('HSETNX', KEYS[1], 'answered', '1') == 0 then return 0 end
redis.call('XADD', KEYS[2], 'MAXLEN', '~', '1000', '*', 'id', ARGV[2], 'answer', ARGV[3])
return 1`;

const REQUEST_PREFIX = PORTAL_KEYS.actionRequest("");

// On globalThis, as the memory mailbox: route handlers and the automatic loop load this separately.
interface Local {
  /** This portal's requests waiting for an answer, by id. */
  waiting: Map<string, (answer: HostAnswer) => void>;
  following?: Promise<void>;
}
const global = globalThis as { opsdeckSharedMailbox?: Local };
const local: Local = (global.opsdeckSharedMailbox ??= { waiting: new Map() });

async function redis() {
  const connection = await sharedRedis();
  if (!connection) throw new Error("portal.shared_redis is not set");
  return connection;
}

/** Follows the answers' stream from now on (before the first request is left, so none is missed). */
function followAnswers(): Promise<void> {
  return (local.following ??= (async () => {
    const from = await newestId(await redis(), PORTAL_KEYS.actionAnswers);
    void followStream(PORTAL_KEYS.actionAnswers, from, (entries: StreamEntry[]) => {
      for (const { message } of entries) local.waiting.get(message.id)?.(JSON.parse(message.answer) as HostAnswer);
    });
  })());
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener("abort", () => (clearTimeout(timer), resolve()), { once: true });
  });

export const sharedMailbox: Mailbox = {
  async leave(host, signed, timeoutMs) {
    const key = PORTAL_KEYS.actionRequest(signed.id);
    let done!: (answer: HostAnswer) => void;
    const answered = new Promise<HostAnswer>((resolve) => {
      const unfetched = setTimeout(async () => {
        const withdrawn = await redis()
          .then((connection) =>
            connection.eval(WITHDRAW, { keys: [key, PORTAL_KEYS.actionQueue(host)], arguments: [signed.id] }),
          )
          .catch(() => 0);
        if (withdrawn === 1) done(didNotFetch(host));
      }, FETCH_WITHIN_MS);
      const unanswered = setTimeout(() => done(didNotAnswer(host, timeoutMs)), timeoutMs);
      done = (answer) => {
        if (!local.waiting.delete(signed.id)) return;
        clearTimeout(unfetched);
        clearTimeout(unanswered);
        resolve(answer);
      };
      local.waiting.set(signed.id, done);
    });
    try {
      // Two seconds at most: with Redis down the operator hears so at once, not after the timeout.
      await withSharedRedis(async (connection) => {
        await followAnswers();
        await connection!
          .multi()
          .hSet(key, { host, body: signed.body, signature: signed.signature })
          .pExpire(key, FETCH_WITHIN_MS + timeoutMs)
          .rPush(PORTAL_KEYS.actionQueue(host), signed.id)
          .pExpire(PORTAL_KEYS.actionQueue(host), FETCH_WITHIN_MS)
          .exec();
      });
    } catch (err) {
      // The client keeps the write for when Redis is back: the withdrawal queued behind it on the
      // same connection takes it back before a host's poll can see it.
      void redis()
        .then((connection) =>
          connection.eval(WITHDRAW, { keys: [key, PORTAL_KEYS.actionQueue(host)], arguments: [signed.id] }),
        )
        .catch(() => undefined);
      done({ status: 503, body: { error: `not sent to ${host}: ${(err as Error).message}` } });
    }
    return answered;
  },
  async take(host, signal) {
    const connection = await redis();
    const until = Date.now() + POLL_MS;
    while (!signal.aborted) {
      const flat = (await connection.eval(TAKE, {
        keys: [PORTAL_KEYS.actionQueue(host)],
        arguments: [REQUEST_PREFIX],
      })) as string[];
      const requests: SignedRequest[] = [];
      for (let i = 0; i < flat.length; i += 3)
        requests.push({ id: flat[i], body: flat[i + 1], signature: flat[i + 2] });
      if (requests.length || Date.now() + CHECK_MS > until) return requests;
      await sleep(CHECK_MS, signal);
    }
    return [];
  },
  async answer(host, id, answer) {
    const done = await (
      await redis()
    ).eval(ANSWER, {
      keys: [PORTAL_KEYS.actionRequest(id), PORTAL_KEYS.actionAnswers],
      arguments: [host, id, JSON.stringify(answer)],
    });
    return done === 1;
  },
};
