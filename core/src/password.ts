// Password hashes for opsdeck.yml: scrypt from Node's crypto, self-describing
// (scrypt$N$r$p$salt$hash), computed off the event loop and compared in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from "node:crypto";

/**
 * OWASP's scrypt settings are N=2^17, r=8, p=1, or the same cost as N=2^15, r=8, p=3 — which
 * needs 32 MiB per hash instead of 128 MiB, so a few sign-ins at once stay small. Hashes made
 * with older, weaker settings (N=2^14, p=1) stay valid: the settings are part of the hash.
 */
export const SCRYPT_SETTINGS = { N: 32768, r: 8, p: 3 };

const KEY_BYTES = 32;

function derive(password: string, salt: Buffer, keyBytes: number, options: ScryptOptions): Promise<Buffer> {
  const { N = 16384, r = 8 } = options;
  return new Promise((resolve, reject) =>
    scrypt(password, salt, keyBytes, { ...options, maxmem: 256 * N * r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const { N, r, p } = SCRYPT_SETTINGS;
  const salt = randomBytes(16);
  const hash = await derive(password, salt, KEY_BYTES, { N, r, p });
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64url")}$${hash.toString("base64url")}`;
}

/** Settings a hash in opsdeck.yml may ask for: anything larger would let the file exhaust memory. */
const plausible = (N: number, r: number, p: number) =>
  Number.isInteger(Math.log2(N)) && N >= 1024 && N <= 2 ** 20 && r >= 1 && r <= 32 && p >= 1 && p <= 16;

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split("$");
  const settings = { N: Number(n), r: Number(r), p: Number(p) };
  if (kind !== "scrypt" || !salt || !hash || !plausible(settings.N, settings.r, settings.p)) return false;
  const expected = Buffer.from(hash, "base64url");
  if (expected.length < 16) return false;
  const got = await derive(password, Buffer.from(salt, "base64url"), expected.length, settings);
  return timingSafeEqual(got, expected);
}

/** Whether a hash was made with weaker settings than today's (worth re-hashing). */
export function isWeakHash(stored: string): boolean {
  const [, n, r, p] = stored.split("$").map(Number);
  return n * r * p < SCRYPT_SETTINGS.N * SCRYPT_SETTINGS.r * SCRYPT_SETTINGS.p;
}
