// Sessions ended by signing out, kept until they would have expired anyway: in memory for every
// request, and on disk (one JSON line each, fsynced before the sign-out answers) so a restart
// does not bring a copied cookie back to life. With several portals (portal.shared_redis) each
// sign-out also goes to Redis before the answer, and every portal follows the others' there —
// a cookie signed out on one stops working on all within the stream's delay (milliseconds).
// One store per process, shared through globalThis: Next's proxy, its route handlers and the
// portal's own server are separate module graphs.
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { followStream, newestId, PORTAL_KEYS, sharedRedis, withSharedRedis } from "../cluster/shared.ts";

export interface Revocations {
  has(sessionId: string): boolean;
  /** Resolves once the sign-out is on disk, and in the shared Redis when there is one. */
  add(sessionId: string, expiresAt: number): Promise<void>;
}

const STORES = Symbol.for("opsdeck.portal.revocations");
type Global = typeof globalThis & { [STORES]?: Map<string, Revocations> };

function open(dir: string, now = Date.now()): Revocations {
  mkdirSync(/*turbopackIgnore: true*/ dir, { recursive: true });
  const file = join(dir, "revoked-sessions.jsonl");
  const revoked = new Map<string, number>();
  try {
    for (const line of readFileSync(/*turbopackIgnore: true*/ file, "utf8").split("\n")) {
      if (!line) continue;
      const { sid, exp } = JSON.parse(line) as { sid: string; exp: number };
      if (exp > now) revoked.set(sid, exp);
    }
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  // Compacted at open: expired sessions need no revocation.
  writeFileSync(
    /*turbopackIgnore: true*/ file,
    [...revoked].map(([sid, exp]) => JSON.stringify({ sid, exp }) + "\n").join(""),
  );
  void shareRevocations(revoked).catch((err: Error) => console.error(`shared sign-outs: ${err.message}`));
  return {
    has(sessionId) {
      const exp = revoked.get(sessionId);
      if (exp !== undefined && exp <= Date.now()) revoked.delete(sessionId);
      return exp !== undefined && exp > Date.now();
    },
    async add(sessionId, expiresAt) {
      revoked.set(sessionId, expiresAt);
      appendFileSync(/*turbopackIgnore: true*/ file, JSON.stringify({ sid: sessionId, exp: expiresAt }) + "\n");
      const fd = openSync(/*turbopackIgnore: true*/ file, "r");
      fsyncSync(fd);
      closeSync(fd);
      await withSharedRedis(async (redis) => {
        if (!redis) return;
        await redis
          .multi()
          .zAdd(PORTAL_KEYS.revoked, { score: expiresAt, value: sessionId })
          .zRemRangeByScore(PORTAL_KEYS.revoked, "-inf", Date.now())
          .xAdd(
            PORTAL_KEYS.revocations,
            "*",
            { sid: sessionId, exp: String(expiresAt) },
            {
              TRIM: { strategy: "MAXLEN", strategyModifier: "~", threshold: 10_000 },
            },
          )
          .exec();
      });
    },
  };
}

/** The other portals' sign-outs: those still unexpired at start, then each as it is made. */
async function shareRevocations(revoked: Map<string, number>) {
  const redis = await sharedRedis();
  if (!redis) return;
  const from = await newestId(redis, PORTAL_KEYS.revocations);
  for (const { value, score } of await redis.zRangeByScoreWithScores(PORTAL_KEYS.revoked, Date.now(), "+inf"))
    revoked.set(value, score);
  void followStream(PORTAL_KEYS.revocations, from, (entries) => {
    for (const { message } of entries) revoked.set(message.sid, Number(message.exp));
  });
}

export function revocations(dir: string): Revocations {
  const global = globalThis as Global;
  const stores = (global[STORES] ??= new Map());
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = open(dir)));
  return store;
}
