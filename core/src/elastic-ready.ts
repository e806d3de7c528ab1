// Waiting for Elasticsearch to be usable, not merely up: compose's healthcheck sees a 401 and
// calls it healthy, but until the .security index has a shard the `elastic` user itself is
// refused, and with the disk past a watermark that shard is never placed. Init waits here, and
// when it gives up says why in words an operator can act on.
import { errors, type Client } from "@elastic/elasticsearch";

/** What an Elasticsearch error said: its type and reason, not only the type the client puts in `message`. */
export function elasticReason(err: unknown): string {
  if (err instanceof errors.ResponseError) {
    const body = err.meta.body as { error?: { type?: string; reason?: string } } | undefined;
    const { type, reason } = body?.error ?? {};
    return [err.meta.statusCode, type, reason].filter(Boolean).join(" ");
  }
  return err instanceof Error ? err.message : String(err);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Resolves once the client's user is accepted and the cluster is at least yellow; rejects after
 * `timeoutMs` with the last answer and, for a red cluster, why a shard is unassigned.
 */
export async function waitUntilElasticsearchReady(client: Client, timeoutMs: number, pollMs = 2000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      await client.security.authenticate();
      break;
    } catch (err) {
      if (Date.now() > deadline) {
        const seconds = Math.round(timeoutMs / 1000);
        if (!(err instanceof errors.ResponseError))
          throw new Error(`Elasticsearch did not answer for ${seconds} s (${elasticReason(err)})`);
        throw new Error(
          `Elasticsearch did not accept the user for ${seconds} s (${elasticReason(err)}): ` +
            "either ELASTIC_PASSWORD is not the one its data volume was made with, or its .security index " +
            "has no shard — on a full disk (docker compose logs elasticsearch | grep -i watermark)",
        );
      }
      await sleep(pollMs);
    }
  }
  const left = Math.max(1000, deadline - Date.now());
  // A wait that times out answers 408 with the health in its body.
  const health = await client.cluster.health(
    { wait_for_status: "yellow", timeout: `${Math.ceil(left / 1000)}s` },
    { ignore: [408] },
  );
  if (health.status !== "red" && !health.timed_out) return health.status;
  const why = await client.cluster
    .allocationExplain()
    .then((e) => `${e.index}: ${e.allocate_explanation ?? e.unassigned_info?.reason ?? ""}`)
    .catch((err: unknown) => elasticReason(err));
  throw new Error(`Elasticsearch's cluster is ${health.status}: ${why}`);
}
