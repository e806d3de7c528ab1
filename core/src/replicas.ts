// A service with replicas (the two servers of a Prometheus pair, Alertmanager's peers): a request
// goes to the replica that answered last, and on to the next when that one does not answer — a
// refused or dropped connection, a timeout, or a 5xx. A 4xx is an answer (the request's fault),
// not a reason to ask another. Every replica holds the same data (a pair scrapes the same
// targets; peers gossip silences), so whichever answers is right.

/** Which replica of each list answered last: asked first next time. */
const lastAnswered = new Map<string, string>();

export class NoReplicaAnswered extends Error {
  constructor(
    readonly base: string,
    readonly code: string,
  ) {
    super(`${new URL(base).host}: ${code}`);
  }
}

/** GETs (or POSTs, with `init.body`) `path` from the first of `bases` that answers. */
export async function fetchFromReplicas(
  bases: readonly string[],
  path: string,
  init: Omit<RequestInit, "signal"> & { timeoutMs: number },
): Promise<Response> {
  const key = bases.join(" ");
  const first = lastAnswered.get(key);
  const order = first && bases.includes(first) ? [first, ...bases.filter((b) => b !== first)] : [...bases];
  const { timeoutMs, ...request } = init;
  let failure: NoReplicaAnswered | undefined;
  for (const [i, base] of order.entries()) {
    try {
      // A signal of its own per replica: one that timed out must not cut the next one short.
      const res = await fetch(new URL(path, base), { ...request, signal: AbortSignal.timeout(timeoutMs) });
      if (res.status >= 500 && i < order.length - 1) {
        failure = new NoReplicaAnswered(base, `HTTP ${res.status}`);
        continue;
      }
      lastAnswered.set(key, base);
      return res;
    } catch (err) {
      const e = err as Error & { cause?: { code?: string } };
      failure = new NoReplicaAnswered(base, e.cause?.code ?? e.name);
    }
  }
  throw failure ?? new Error("no replica listed");
}
