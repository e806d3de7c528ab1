// Sign-in throttling. Failures count per client address and per user name; past max_failures in
// the window each further failure doubles a back-off (1 s, 2 s, 4 s …), up to the window for an
// address and up to user_backoff_max_seconds for a name. While a key backs off, sign-in is
// refused without checking the password — so a correct password waits at most the back-off, and
// an attacker guessing one name from many addresses cannot lock its owner out for long. Both
// maps are bounded (least recently used first out): attacker-chosen keys cannot grow them.
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
