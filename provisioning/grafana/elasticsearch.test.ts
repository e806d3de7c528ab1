// The Logs dashboard's queries against the real Elasticsearch: documents as Filebeat ships them
// into an index OpsDeck's templates map, the datasource's index pattern and time field, the
// variables resolved by their terms queries, and every panel's search returning what it charts.
import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { DATASOURCE_UIDS } from "@opsdeck/contracts/dashboards";
import { parseConfig } from "@opsdeck/core";
import { esClient, indexName, initElasticsearch } from "@opsdeck/core/elastic";
import { filebeatDoc } from "@opsdeck/stack/filebeat-docs";
import { committedDashboards } from "./src/dashboards.ts";
import {
  elasticsearchQueries,
  elasticsearchRequest,
  elasticsearchVariableRequest,
  expand,
  queryVariables,
} from "./src/queries.ts";

const PREFIX = "t-grafana";
const cfg = parseConfig(`elasticsearch:\n  url: ${inject("elasticsearchUrl")}\n  index_prefix: ${PREFIX}\n`, "test");
const client = esClient(cfg);
const datasources = (
  parseYaml(readFileSync(new URL("datasources/opsdeck.yml", import.meta.url), "utf8")) as {
    datasources: { uid: string; type: string; jsonData: { index?: string; timeField?: string } }[];
  }
).datasources;
const logsSource = datasources.find((d) => d.uid === DATASOURCE_UIDS.logs)!;
const index = logsSource.jsonData.index!.replace("${OPSDECK_INDEX_PREFIX}", PREFIX);
const dashboard = committedDashboards().find((d) => d.uid === "opsdeck-logs")!.json;
const now = Date.now();
const range = { from: now - 3_600_000, to: now + 60_000 };

beforeAll(async () => {
  await initElasticsearch(client, cfg.elasticsearch);
  const at = (minutesAgo: number) => new Date(now - minutesAgo * 60_000);
  const docs = [
    filebeatDoc("pm2", at(30), 1, { service: "shop" }),
    filebeatDoc("pm2", at(20), 2, { service: "shop", stderr: true, level: "error" }),
    filebeatDoc("pm2-json", at(15), 3, { service: "worker", level: "warn" }),
    filebeatDoc("pm2-time", at(10), 4, { service: "api" }),
    filebeatDoc("nginx-access", at(8), 5, { level: "error" }), // a 502
    filebeatDoc("nginx-access", at(7), 6),
    filebeatDoc("nginx-error", at(5), 7),
    filebeatDoc("opsdeck", at(3), 8),
  ];
  const operations = docs.flatMap((document) => [
    { create: { _index: indexName.logs(PREFIX, new Date(now)) } },
    document,
  ]);
  const bulk = await client.bulk({ operations, refresh: "wait_for" });
  expect(bulk.errors).toBe(false);
});

describe("Grafana's Logs dashboard on Elasticsearch", () => {
  it("reads an index pattern the logs indices match, by a time field they map as a date", async () => {
    expect(indexName.logs(PREFIX)).toMatch(new RegExp(`^${index.replace(/[.]/g, "\\.").replace("*", ".*")}$`));
    const mapping = await client.indices.getFieldMapping({
      index,
      fields: [logsSource.jsonData.timeField!, "message", "log.level"],
    });
    const fields = Object.values(mapping)[0].mappings;
    expect(fields["@timestamp"].mapping).toMatchObject({ "@timestamp": { type: "date" } });
    expect(fields.message.mapping).toMatchObject({ message: { type: "text" } });
    expect(fields["log.level"].mapping).toMatchObject({ level: { type: "keyword" } });
  });

  it("answers every variable and every panel query with data", async () => {
    const values: Record<string, string[]> = { logs: [DATASOURCE_UIDS.logs], query: ["*"] };
    for (const v of queryVariables(dashboard)) {
      const res = await client.search({ index, ...elasticsearchVariableRequest(v.query, "@timestamp", range) });
      const buckets = (res.aggregations?.values as { buckets: { key: string }[] }).buckets.map((b) => b.key);
      expect([v.name, buckets.length > 0]).toEqual([v.name, true]);
      values[v.name] = v.includeAll && v.allValue ? [v.allValue] : buckets;
    }
    expect(values.service).toEqual(["*"]); // All, as the dashboard opens
    const queries = elasticsearchQueries(dashboard);
    expect(queries.map((q) => q.id)).toEqual([
      "opsdeck-logs / Errors by service / A",
      "opsdeck-logs / Warnings by service / A",
      "opsdeck-logs / Volume by level / A",
      "opsdeck-logs / nginx 5xx by path / A",
      "opsdeck-logs / Log lines / A",
    ]);
    const found: Record<string, unknown> = {};
    for (const q of queries) {
      const lucene = expand(q.query, values, { interval: 60, rateInterval: 60, range: 3600 }, "raw");
      const res = await client.search({ index, ...elasticsearchRequest(q, lucene, range) });
      const terms = (res.aggregations?.["2"] as { buckets: { key: string; doc_count: number }[] } | undefined)?.buckets;
      found[q.id] = terms ? Object.fromEntries(terms.map((b) => [b.key, b.doc_count])) : res.hits.hits.length;
    }
    expect(found).toEqual({
      "opsdeck-logs / Errors by service / A": { shop: 1, nginx: 2 },
      "opsdeck-logs / Warnings by service / A": { worker: 1 },
      "opsdeck-logs / Volume by level / A": { info: 4, error: 3, warn: 1 },
      "opsdeck-logs / nginx 5xx by path / A": { "/api/orders/5": 1 },
      "opsdeck-logs / Log lines / A": 8,
    });
  });

  it("narrows to the services and levels picked, as Grafana formats them for Lucene", async () => {
    const q = elasticsearchQueries(dashboard).find((t) => t.id.endsWith("Log lines / A"))!;
    const lucene = expand(
      q.query,
      { service: ["shop", "worker"], level: ["error"], query: "*".split(",") },
      {
        interval: 60,
        rateInterval: 60,
        range: 3600,
      },
      "raw",
    );
    expect(lucene).toBe('service.name:("shop" OR "worker") AND log.level:("error") AND *');
    const res = await client.search({ index, ...elasticsearchRequest(q, lucene, range) });
    expect(res.hits.hits.map((h) => (h._source as { message: string }).message)).toEqual([
      "PaymentError: payment 2 declined\n    at charge (/srv/shop/pay.js:10:5)",
    ]);
  });
});
