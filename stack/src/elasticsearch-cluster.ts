// Elasticsearch as a cluster on loopback, for the node-loss test and bench: the nodes, and
// OpsDeck's client over them. Its own module: the client library loads only where it is used.
import { join } from "node:path";
import { parseConfig } from "@opsdeck/core";
import { esClient } from "@opsdeck/core/elastic";
import { startElasticsearch } from "./elasticsearch.ts";
import { freePort, waitUntil, type Proc } from "./procs.ts";

/**
 * Nodes forming one cluster on loopback (three by default), started together — no node is ready
 * before two of them have elected a master — and returned once all have joined and it is green.
 */
export async function startElasticsearchCluster(opts: {
  dir: string;
  count?: number;
  heapMb?: number;
}): Promise<{ name: string; url: string; proc: Proc }[]> {
  const names = Array.from({ length: opts.count ?? 3 }, (_, i) => `es-${i}`);
  const ports = await Promise.all(
    names.map(async (name) => ({ name, http: await freePort(), transportPort: await freePort() })),
  );
  const started = await Promise.all(
    ports.map((p) =>
      startElasticsearch({
        dir: join(opts.dir, p.name),
        port: p.http,
        heapMb: opts.heapMb ?? 384,
        logFile: join(opts.dir, `${p.name}.log`),
        timeoutMs: 240_000,
        cluster: { name: p.name, transportPort: p.transportPort, nodes: ports },
      }),
    ),
  );
  const nodes = started.map((s, i) => ({ name: names[i], url: s.url, proc: s.proc }));
  await waitUntil(
    "elasticsearch cluster",
    async () => {
      const res = await fetch(`${nodes[0].url}/_cluster/health`).catch(() => undefined);
      const health = res?.ok ? ((await res.json()) as { status: string; number_of_nodes: number }) : undefined;
      return health?.status === "green" && health.number_of_nodes === nodes.length;
    },
    { proc: nodes[0].proc, timeoutMs: 60_000 },
  );
  return nodes;
}

/**
 * OpsDeck's client over a cluster as the portal has it (`elasticsearch.nodes` beside `url`), with
 * `first` the node it asks first: the one a test or bench is about to kill.
 */
export function clusterClient(first: { url: string }, nodes: { url: string }[]) {
  const others = nodes.filter((n) => n !== first).map((n) => n.url);
  return esClient(parseConfig(`elasticsearch:\n  url: ${first.url}\n  nodes: [${others.join(", ")}]\n`, "cluster"));
}
