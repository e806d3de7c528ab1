// Error novelty on the real Elasticsearch, with documents as Filebeat ships them: the patterns a
// deploy's services logged after it and not in the week before — per service, per host.
import { beforeAll, describe, expect, inject, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { filebeatDoc } from "@opsdeck/stack/filebeat-docs";
import type {} from "@opsdeck/stack/test-elasticsearch";
import { newErrors } from "../src/changes/novelty.ts";
import { esClient, indexName, initElasticsearch } from "../src/elastic.ts";

const PREFIX = "t-novelty";
const cfg = parseConfig(`elasticsearch:\n  url: ${inject("elasticsearchUrl")}\n  index_prefix: ${PREFIX}\n`, "test");
const client = esClient(cfg);
const es = { client, prefix: PREFIX };

const deployAt = Date.parse("2026-12-01T10:00:00Z");
const min = 60_000;

beforeAll(async () => {
  await initElasticsearch(client, cfg.elasticsearch);
  const line = (at: number, message: string, o: { service?: string; host?: string; level?: string } = {}) =>
    filebeatDoc("pm2", new Date(at), 1, { service: "demo-shop", level: "error", message, ...o });
  const docs = [
    // Known before the deploy (two days earlier), seen again after: not new.
    line(deployAt - 2 * 1440 * min, "PaymentError: payment 17 declined"),
    line(deployAt + 5 * min, "PaymentError: payment 942 declined"),
    // New after the deploy: three times one pattern, once another.
    line(deployAt + 3 * min, 'Error: cannot read "sku" of order 3f2b8c1e-9d4a-4b7e-8f00-123456789abc'),
    line(deployAt + 4 * min, 'Error: cannot read "price" of order 9a2b8c1e-9d4a-4b7e-8f00-123456789abc'),
    line(deployAt + 6 * min, 'Error: cannot read "qty" of order 1a2b8c1e-9d4a-4b7e-8f00-123456789abc'),
    line(deployAt + 7 * min, "RangeError: cart 12 over limit 10"),
    // Known only longer ago than the baseline: new again.
    line(deployAt - 9 * 1440 * min, "TimeoutError: gateway 3 after 5000 ms"),
    line(deployAt + 8 * min, "TimeoutError: gateway 4 after 5000 ms"),
    // Another service's new error, and a warning: not this deploy's.
    line(deployAt + 3 * min, "Error: worker queue 7 stuck", { service: "worker" }),
    line(deployAt + 3 * min, "Warn: slow 5", { level: "warn" }),
    // The same new error on another host.
    line(deployAt + 9 * min, "SyntaxError: bad json at 3", { host: "web-2" }),
  ];
  await client.bulk({
    refresh: true,
    operations: docs.flatMap((d) => [{ create: { _index: indexName.logs(PREFIX, new Date(d["@timestamp"])) } }, d]),
  });
});

describe("error novelty", () => {
  it("names the patterns a deploy's services logged after it and not in the week before", async () => {
    const found = await newErrors(es, { project: "shop", since: deployAt, until: deployAt + 60 * min }, 5_000);
    expect(found.map((e) => [e.pattern, e.service, e.count])).toEqual([
      ['Error: cannot read "<v>" of order <id>', "demo-shop", 3],
      ["RangeError: cart <n> over limit <n>", "demo-shop", 1],
      ["TimeoutError: gateway <n> after <n> ms", "demo-shop", 1],
      ["SyntaxError: bad json at <n>", "demo-shop", 1],
    ]);
    expect(found[0].first_seen).toBe(deployAt + 3 * min);
  });

  it("keeps to the alert's host, and to the errors logged up to the alert", async () => {
    const onWeb2 = await newErrors(
      es,
      { project: "shop", since: deployAt, until: deployAt + 60 * min, host: "web-2" },
      5_000,
    );
    expect(onWeb2.map((e) => e.pattern)).toEqual(["SyntaxError: bad json at <n>"]);
    const early = await newErrors(es, { project: "shop", since: deployAt, until: deployAt + 5 * min }, 5_000);
    expect(early.map((e) => e.count)).toEqual([2]);
  });

  it("finds nothing for a project whose services logged no errors", async () => {
    expect(await newErrors(es, { project: "billing", since: deployAt, until: deployAt + 60 * min }, 5_000)).toEqual([]);
  });
});
