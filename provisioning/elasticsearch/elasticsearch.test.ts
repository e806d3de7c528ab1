// The index templates and the init step against the real Elasticsearch (the integ-test
// distribution: no ILM, so retention falls back to deleting indices by the date in their names).
import { describe, expect, inject, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { esClient, indexName, initElasticsearch, pruneIndices } from "@opsdeck/core/elastic";

const url = inject("elasticsearchUrl");
const cfg = parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: t-init\n`, "test");
const es = cfg.elasticsearch;
const client = esClient(cfg);
const DAY = 86_400_000;

describe("Elasticsearch init", () => {
  it("applies templates idempotently, and says it falls back where ILM is missing", async () => {
    const first = await initElasticsearch(client, es);
    const second = await initElasticsearch(client, es);
    expect(second).toEqual(first);
    expect(first).toContain("retention: this Elasticsearch has no ILM; deleting indices past their retention instead");
    const t = await client.indices.getIndexTemplate({ name: "t-init-logs" });
    expect(t.index_templates[0].index_template).toMatchObject({
      index_patterns: ["t-init-logs-*"],
      composed_of: ["t-init-ecs"],
    });
  });

  it("keeps every index it creates green on one node (no replica a single node cannot place)", async () => {
    const green = parseConfig(`elasticsearch:\n  url: ${url}\n  index_prefix: t-green\n`, "test");
    await initElasticsearch(client, green.elasticsearch);
    const indices = [
      indexName.logs("t-green"),
      indexName.events("t-green"),
      indexName.import("t-green", "one"),
      "t-green-imports", // the imports' registry
    ];
    for (const index of indices) await client.index({ index, document: { "@timestamp": new Date().toISOString() } });
    const health = await client.cluster.health({
      index: indices.join(","),
      level: "indices",
      timeout: "10s",
      wait_for_status: "green",
    });
    expect(
      Object.entries(health.indices!)
        .map(([name, h]) => [name, h.status])
        .sort(),
    ).toEqual(indices.map((name) => [name, "green"]).sort());
  });

  it("maps documents shaped as Filebeat sends them with ECS types", async () => {
    const index = indexName.logs("t-init");
    await client.index({
      index,
      refresh: true,
      document: {
        "@timestamp": new Date().toISOString(),
        message: "GET /api/orders 200",
        log: { level: "info", file: { path: "/var/log/nginx/access.log" }, offset: 1024 },
        input: { type: "filestream" },
        host: { name: "web-1" },
        service: { name: "nginx" },
        event: { dataset: "nginx.access" },
        source: { ip: "203.0.113.9" },
        http: { request: { method: "GET" }, response: { status_code: 200, body: { bytes: 512 } } },
        custom: { thing: "anything else is a keyword" },
      },
    });
    const m = (await client.indices.getMapping({ index }))[index].mappings.properties!;
    const type = (path: string) =>
      path.split(".").reduce<Record<string, unknown> | undefined>(
        (node, key, i, all) => {
          const p = (node as { properties?: Record<string, Record<string, unknown>> })?.properties?.[key];
          return i === all.length - 1 ? (p as Record<string, unknown>) : p;
        },
        { properties: m },
      )?.type;
    expect(type("message")).toBe("text");
    expect(type("log.level")).toBe("keyword");
    expect(type("source.ip")).toBe("ip");
    expect(type("http.response.status_code")).toBe("long");
    expect(type("custom.thing")).toBe("keyword");
    const hits = await client.search({ index, query: { match: { message: "orders" } } });
    expect(hits.hits.hits).toHaveLength(1);
  });

  it("deletes daily indices past their kind's retention, and imports past theirs", async () => {
    const now = new Date();
    const old = new Date(now.getTime() - 40 * DAY);
    const made = [
      indexName.logs("t-init", old),
      indexName.logs("t-init", now),
      indexName.events("t-init", old),
      indexName.import("t-init", "abc123"),
    ];
    for (const index of made) await client.indices.create({ index }).catch(() => undefined);
    // logs are kept 30 days, events 365: only the old logs index goes.
    expect(await pruneIndices(client, es, now)).toEqual([made[0]]);
    // 100 days on, the import (90 days) goes too, and so do both logs indices.
    const later = await pruneIndices(client, es, new Date(now.getTime() + 100 * DAY));
    expect(later.sort()).toEqual([made[1], made[3]].sort());
    const left = await client.cat.indices({ index: "t-init-*", format: "json", h: "index" });
    expect(left.map((r) => r.index)).toContain(made[2]);
  });
});
