import { describe, expect, it } from "vitest";
import { parseConfig } from "@opsdeck/core";
import { createBusinessState } from "./state.ts";

const defs = parseConfig(
  `exporters:
  business:
    metrics:
      - { name: orders_total, type: counter, help: Orders., labels: [{ name: channel, values: [web, app] }] }
      - { name: queue_depth, type: gauge, help: Depth. }
      - { name: amount_yuan, type: histogram, help: Amount., unit: yuan, buckets: [10, 100] }
      - { name: sku_sales_total, type: counter, help: Sales., labels: [{ name: sku, max_values: 2 }] }`,
  "t",
).exporters.business.metrics;

describe("business events", () => {
  it("names the event index and field of each problem, and applies nothing then", () => {
    const s = createBusinessState(defs, { dedupIds: 1000 });
    const { records, problems } = s.validate([
      { metric: "orders_total", labels: { channel: "web" } },
      { metric: "orders_total", labels: { channel: "tv" } },
      { metric: "nope" },
      { metric: "queue_depth" },
      { metric: "orders_total", value: -1, labels: { channel: "web", extra: "x" } },
      "not an object",
    ]);
    expect(records).toEqual([]);
    expect(problems.map((p) => p.path)).toEqual([
      "events.1.labels.channel",
      "events.2.metric",
      "events.3.value",
      "events.4.value",
      "events.4.labels.extra",
      "events.5",
    ]);
    expect(problems[0].message).toBe('"tv" is not allowed; one of: web, app');
  });

  it("counts, sets, observes; drops repeated event ids", () => {
    const s = createBusinessState(defs, { dedupIds: 1000 });
    const { records } = s.validate([
      { metric: "orders_total", labels: { channel: "web" }, event_id: "a" },
      { metric: "orders_total", labels: { channel: "web" }, event_id: "a" },
      { metric: "orders_total", value: 2, labels: { channel: "app" } },
      { metric: "queue_depth", value: 5 },
      { metric: "amount_yuan", value: 50 },
    ]);
    expect(records.map((r) => s.apply(r))).toEqual([true, false, true, true, true]);
    const text = s.render();
    expect(text).toContain('orders_total{channel="web"} 1\n');
    expect(text).toContain('orders_total{channel="app"} 2\n');
    expect(text).toContain("queue_depth 5\n");
    expect(text).toContain('amount_yuan_bucket{le="100"} 1\n');
  });

  it('puts label values past max_values into "other"', () => {
    const s = createBusinessState(defs, { dedupIds: 1000 });
    for (const sku of ["a", "b", "c", "d", "a"])
      s.validate([{ metric: "sku_sales_total", labels: { sku } }]).records.forEach(s.apply);
    const text = s.render();
    expect(text).toContain('sku_sales_total{sku="a"} 2\n');
    expect(text).toContain('sku_sales_total{sku="other"} 2\n');
    expect(s.overflowed).toBe(2);
  });

  it("forgets the oldest event ids past dedup_ids", () => {
    const s = createBusinessState(defs, { dedupIds: 2 });
    const ev = (id: string) => s.validate([{ metric: "queue_depth", value: 1, event_id: id }]).records[0];
    expect(["a", "b", "c"].map((id) => s.apply(ev(id)))).toEqual([true, true, true]);
    expect(s.apply(ev("c"))).toBe(false);
    expect(s.apply(ev("a"))).toBe(true); // forgotten
  });

  it("restores from a dump exactly", () => {
    const s = createBusinessState(defs, { dedupIds: 1000 });
    s.validate([
      { metric: "amount_yuan", value: 5, event_id: "x" },
      { metric: "sku_sales_total", labels: { sku: "q" } },
    ]).records.forEach(s.apply);
    const copy = createBusinessState(defs, { dedupIds: 1000 });
    copy.load(JSON.parse(JSON.stringify(s.dump())));
    expect(copy.render()).toBe(s.render());
    expect(copy.isDuplicate({ m: "amount_yuan", v: 5, l: [], id: "x" })).toBe(true);
  });

  it("restores a snapshot written before ids were hashed, with its ids still duplicates", () => {
    const s = createBusinessState(defs, { dedupIds: 1000 });
    const old = { ...s.dump(), ids: ["x", "y"] };
    s.load(JSON.parse(JSON.stringify(old)));
    expect(s.isDuplicate({ m: "amount_yuan", v: 5, l: [], id: "y" })).toBe(true);
    expect(s.isDuplicate({ m: "amount_yuan", v: 5, l: [], id: "z" })).toBe(false);
  });
});
