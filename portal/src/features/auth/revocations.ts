// Sessions ended by signing out, kept until they would have expired anyway: in memory for every
// request, and on disk (one JSON line each, fsynced before the sign-out answers) so a restart
// does not bring a copied cookie back to life. One store per process, shared through globalThis:
// Next's proxy, its route handlers and the portal's own server are separate module graphs.
import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface Revocations {
  has(sessionId: string): boolean;
  add(sessionId: string, expiresAt: number): void;
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
  return {
    has(sessionId) {
      const exp = revoked.get(sessionId);
      if (exp !== undefined && exp <= Date.now()) revoked.delete(sessionId);
      return exp !== undefined && exp > Date.now();
    },
    add(sessionId, expiresAt) {
      revoked.set(sessionId, expiresAt);
      appendFileSync(/*turbopackIgnore: true*/ file, JSON.stringify({ sid: sessionId, exp: expiresAt }) + "\n");
      const fd = openSync(/*turbopackIgnore: true*/ file, "r");
      fsyncSync(fd);
      closeSync(fd);
    },
  };
}

export function revocations(dir: string): Revocations {
  const global = globalThis as Global;
  const stores = (global[STORES] ??= new Map());
  let store = stores.get(dir);
  if (!store) stores.set(dir, (store = open(dir)));
  return store;
}
