// Log search on a three-node Elasticsearch cluster while a node dies: OpsDeck's client (the
// portal's, with elasticsearch.nodes, its first node the one killed) searches 20,000 log lines
// one request after another; SIGKILL to the node holding the primary; the clock runs until the
// cluster is green again on two nodes (the replica promoted and copied anew, delayed_timeout 0),
// then on. Latency per phase, each row from the same run: before, during recovery, after.
import { join } from "node:path";
import { parseConfig } from "@opsdeck/core";
import { esClient } from "@opsdeck/core/elastic";
import { stopAll } from "@opsdeck/stack";
import { clusterClient, startElasticsearchCluster } from "@opsdeck/stack/elasticsearch-cluster";
import { summary, type Row } from "@opsdeck/stack/bench-stats";
import { tempDir } from "@opsdeck/stack/testkit";

const DOCS = 20_000;
const SEARCHES_PER_STEADY_PHASE = 400;
const INDEX = "bench-logs";

const health = async (url: string) =>
  (await (await fetch(`${url}/_cluster/health`)).json()) as { status: string; number_of_nodes: number };

export async function benchElasticsearchCluster(): Promise<{ search: Row[]; recovery: Row[] }> {
  const dir = tempDir("bench-es-cluster");
  const nodes = await startElasticsearchCluster({ dir: join(dir, "nodes") });
  try {
    const setup = esClient(parseConfig(`elasticsearch:\n  url: ${nodes[0].url}\n`, "bench"));
    await setup.indices.create({
      index: INDEX,
      settings: {
        number_of_shards: 1,
        number_of_replicas: 1,
        "index.unassigned.node_left.delayed_timeout": "0",
      },
    });
    const words = ["checkout", "payment", "timeout", "inventory", "login", "refund", "cart", "search"];
    for (let from = 0; from < DOCS; from += 5_000) {
      const operations = Array.from({ length: 5_000 }, (_, k) => {
        const i = from + k;
        return [
          { index: { _index: INDEX } },
          {
            "@timestamp": new Date(Date.now() - (DOCS - i) * 1000).toISOString(),
            message: `INFO ${words[i % words.length]} request ${i} took ${i % 997} ms`,
            "service.name": `app-${i % 5}`,
          },
        ];
      }).flat();
      await setup.bulk({ operations, refresh: from + 5_000 >= DOCS });
    }
    await setup.cluster.health({ wait_for_status: "green", timeout: "60s" });
    const shards = (await setup.cat.shards({ index: INDEX, format: "json" })) as { prirep: string; node: string }[];
    const victim = nodes.find((n) => n.name === shards.find((s) => s.prirep === "p")!.node)!;
    const survivor = nodes.find((n) => n !== victim)!;
    // The portal's client, its first node the victim: the worst place for it to be.
    const portal = clusterClient(victim, nodes);
    let k = 0;
    /** One search as the Logs page makes it: a term, newest first, a page of 50. */
    const search = async (ms: number[], failed: string[]) => {
      const started = performance.now();
      try {
        await portal.search({
          index: INDEX,
          size: 50,
          sort: [{ "@timestamp": "desc" }],
          query: { match: { message: words[k++ % words.length] } },
        });
        ms.push(performance.now() - started);
      } catch (err) {
        failed.push((err as Error).message);
      }
    };
    const phase = async (name: string, until: () => Promise<boolean> | boolean) => {
      const ms: number[] = [];
      const failed: string[] = [];
      const started = performance.now();
      while (!(await until())) await search(ms, failed);
      return {
        row: { phase: name, failed: failed.length, ...summary(ms) } as Row,
        seconds: (performance.now() - started) / 1000,
      };
    };
    let count = 0;
    const before = await phase("3 nodes, green (comparison)", () => count++ >= SEARCHES_PER_STEADY_PHASE);
    process.kill(victim.proc.child.pid!, "SIGKILL");
    await victim.proc.exited;
    const statuses: string[] = [];
    let checkedAt = 0;
    const during = await phase("node killed → green again on 2", async () => {
      // Health every 250 ms, as a watcher would, not between every two searches.
      if (performance.now() - checkedAt < 250) return false;
      checkedAt = performance.now();
      const h = await health(survivor.url).catch(() => undefined);
      if (h && statuses.at(-1) !== h.status) statuses.push(h.status);
      return h?.status === "green" && h.number_of_nodes === 2;
    });
    count = 0;
    const after = await phase("2 nodes, green", () => count++ >= SEARCHES_PER_STEADY_PHASE);
    return {
      search: [before.row, during.row, after.row],
      recovery: [
        {
          killed: `${victim.name} (held the primary; the client's first node)`,
          health: statuses.join(" → "),
          green_again_after_s: Math.round(during.seconds * 10) / 10,
        },
      ],
    };
  } finally {
    await stopAll(nodes.map((n) => n.proc));
  }
}
