// Three Elasticsearch nodes (the test distribution as a cluster on loopback; OpsDeck's templates
// give every index one replica there) under Filebeat's ingest — with filebeat/filebeat.yml, every
// node its host — and OpsDeck's client searching all along. The node holding the logs' primary
// is killed with SIGKILL mid-ingest: the searches keep answering, every line Filebeat had
// acknowledged is there, health goes yellow then green with the shard copied again, and the
// Elasticsearch exporter reports one node less (ElasticsearchNodeLeft; promtool tests the rule).
import { appendFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { esClient, initElasticsearch } from "@opsdeck/core/elastic";
import {
  freePort,
  startElasticsearchExporter,
  startElasticsearchFront,
  startFilebeat,
  stopAll,
  type ElasticsearchFront,
  type Proc,
} from "@opsdeck/stack";
import { clusterClient, startElasticsearchCluster } from "@opsdeck/stack/elasticsearch-cluster";
import { eventually, scrape, tempDir } from "@opsdeck/stack/testkit";

const dir = tempDir("es-cluster");
const PREFIX = "t-cluster";
const LINES = 3000;
const procs: Proc[] = [];
const fronts: ElasticsearchFront[] = [];
const nodes: { name: string; url: string; proc: Proc }[] = [];
const pm2Logs = join(dir, "pm2", "logs");
let client: ReturnType<typeof esClient>;
let filebeatStats = "";

const health = async (url: string) =>
  (await (await fetch(`${url}/_cluster/health`)).json()) as { status: string; number_of_nodes: number };

beforeAll(async () => {
  nodes.push(...(await startElasticsearchCluster({ dir })));
  procs.push(...nodes.map((n) => n.proc));
  // OpsDeck's client as the portal and the init step have it with elasticsearch.nodes.
  const cfg = parseConfig(
    `elasticsearch:\n  url: ${nodes[0].url}\n  nodes: [${nodes
      .slice(1)
      .map((n) => n.url)
      .join(", ")}]\n  index_prefix: ${PREFIX}\n`,
    "test",
  );
  client = esClient(cfg);
  await initElasticsearch(client, cfg.elasticsearch);
  // Filebeat 7.17 asks GET / first, which this distribution lacks: a front per node.
  for (const n of nodes) fronts.push(await startElasticsearchFront({ upstream: n.url, port: await freePort() }));
  mkdirSync(pm2Logs, { recursive: true });
  appendFileSync(join(pm2Logs, "shop-out-0.log"), "INFO cluster line 000000\n");
  const filebeat = await startFilebeat({
    dataDir: join(dir, "filebeat"),
    httpPort: await freePort(),
    logFile: join(dir, "filebeat.log"),
    paths: {
      pm2Home: join(dir, "pm2"),
      nginxLogDir: join(dir, "nginx"),
      opsdeckLogDir: join(dir, "opsdeck"),
      elasticsearchUrl: fronts[0].url,
      indexPrefix: PREFIX,
    },
    // Every node: Filebeat spreads its bulk requests and moves off one that fails.
    settings: { "output.elasticsearch.hosts": JSON.stringify(fronts.map((f) => f.url)) },
  });
  procs.push(filebeat.proc);
  filebeatStats = filebeat.statsUrl;
}, 300_000);

afterAll(async () => {
  await stopAll(procs);
  await Promise.all(fronts.map((f) => f.close()));
});

const acked = async () =>
  ((await (await fetch(`${filebeatStats}/stats`)).json()) as { libbeat: { output: { events: { acked: number } } } })
    .libbeat.output.events.acked;

describe("an Elasticsearch cluster of three losing a node", () => {
  it("keeps answering searches and loses no acknowledged line; yellow, then green again", async () => {
    const index = `${PREFIX}-logs-*`;
    // The first line's index, with every replica re-allocated at once when a node leaves (the
    // default waits a minute for the node to come back).
    await eventually(
      async () => (await client.count({ index })).count,
      (n) => n >= 1,
      60_000,
    );
    await client.indices.putSettings({ index, settings: { "index.unassigned.node_left.delayed_timeout": "0" } });
    const shards = (await client.cat.shards({ index, format: "json" })) as { prirep: string; node: string }[];
    const victim = nodes.find((n) => n.name === shards.find((s) => s.prirep === "p")!.node)!;
    const survivor = nodes.find((n) => n !== victim)!;
    const exporter = await startElasticsearchExporter({
      url: fronts[nodes.indexOf(survivor)].url,
      port: await freePort(),
      logFile: join(dir, "exporter.log"),
    });
    procs.push(exporter.proc);
    await eventually(
      async () => (await scrape(exporter.url)).get('elasticsearch_cluster_health_number_of_nodes{cluster="opsdeck"}'),
      (n) => n === 3,
      30_000,
    );

    // Searches all along, as the portal's log search makes them — its first node the one to die.
    const portal = clusterClient(victim, nodes);
    let searching = true;
    const searches = { answered: 0, failed: [] as string[] };
    const searcher = (async () => {
      while (searching) {
        await portal
          .search({ index, size: 1, query: { match: { message: "cluster" } } })
          .then(() => searches.answered++)
          .catch((err: Error) => searches.failed.push(err.message));
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    // Health as the survivors see it, from just before the kill.
    const statuses: string[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching) {
        const h = await health(survivor.url).catch(() => undefined);
        if (h && statuses.at(-1) !== h.status) statuses.push(h.status);
        await new Promise((r) => setTimeout(r, 25));
      }
    })();
    // Lines written while a node dies under Filebeat's bulk requests.
    for (let i = 1; i < LINES; i++) {
      appendFileSync(join(pm2Logs, "shop-out-0.log"), `INFO cluster line ${String(i).padStart(6, "0")}\n`);
      if (i === LINES / 3) process.kill(victim.proc.child.pid!, "SIGKILL");
      if (i % 100 === 0) await new Promise((r) => setTimeout(r, 100));
    }
    // Every line acknowledged (Filebeat retries what the dead node had not answered)…
    await eventually(acked, (n) => n >= LINES, 120_000);
    await eventually(
      () => health(survivor.url),
      (h) => h.status === "green" && h.number_of_nodes === 2,
      120_000,
    );
    searching = false;
    watching = false;
    await Promise.all([searcher, watcher]);
    // …is there, each at least once (at-least-once: a bulk retried after the kill may repeat one).
    await client.indices.refresh({ index });
    const found = await client.search<{ message: string }>({
      index,
      size: 10_000,
      _source: ["message"],
      query: { match_all: {} },
    });
    const lines = new Set(found.hits.hits.map((h) => /line (\d{6})/.exec(h._source!.message)?.[1]));
    expect(lines.size).toBe(LINES);
    expect(searches.failed).toEqual([]);
    expect(searches.answered).toBeGreaterThan(10);
    expect(statuses).toEqual(expect.arrayContaining(["yellow"]));
    expect(statuses.at(-1)).toBe("green");
    // The shard copied again: both copies on the survivors, none on the dead node.
    const after = (await client.cat.shards({ index, format: "json" })) as { node: string; state: string }[];
    expect(after.map((s) => s.state)).toEqual(["STARTED", "STARTED"]);
    expect(after.map((s) => s.node)).not.toContain(victim.name);
    // What the stack's alerts read: one node less.
    await eventually(
      async () => (await scrape(exporter.url)).get('elasticsearch_cluster_health_number_of_nodes{cluster="opsdeck"}'),
      (n) => n === 2,
      30_000,
    );
    console.log(
      `es-cluster: killed ${victim.name}; ${searches.answered} searches answered, none failed; health ${statuses.join(" → ")}; ${found.hits.hits.length} documents for ${LINES} lines`,
    );
  });
});
