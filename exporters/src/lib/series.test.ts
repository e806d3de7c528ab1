import { describe, expect, it } from "vitest";
import { dump, family, inc, observe, render, restore, set } from "./series.ts";

describe("series", () => {
  it("renders counters, gauges and cumulative histogram buckets in the text format", () => {
    const c = family({ name: "x_total", help: "Help with \\ and\nnewline.", type: "counter", labelNames: ["a"] });
    inc(c, ['v"1\n']);
    inc(c, ['v"1\n'], 2);
    const g = family({ name: "y_bytes", help: "Y.", type: "gauge", labelNames: [] });
    set(g, [], 1.5);
    const h = family({ name: "z_seconds", help: "Z.", type: "histogram", labelNames: ["k"], buckets: [1, 5] });
    for (const v of [0.5, 1, 3, 9]) observe(h, ["a"], v);
    expect(render([c, g, h])).toBe(
      [
        "# HELP x_total Help with \\\\ and\\nnewline.",
        "# TYPE x_total counter",
        'x_total{a="v\\"1\\n"} 3',
        "# HELP y_bytes Y.",
        "# TYPE y_bytes gauge",
        "y_bytes 1.5",
        "# HELP z_seconds Z.",
        "# TYPE z_seconds histogram",
        'z_seconds_bucket{k="a",le="1"} 2',
        'z_seconds_bucket{k="a",le="5"} 3',
        'z_seconds_bucket{k="a",le="+Inf"} 4',
        'z_seconds_sum{k="a"} 13.5',
        'z_seconds_count{k="a"} 4',
        "",
      ].join("\n"),
    );
  });

  it("restores exactly what it dumped", () => {
    const h = family({ name: "z", help: "Z.", type: "histogram", labelNames: ["k"], buckets: [1, 5] });
    observe(h, ["a"], 2);
    const copy = family({ name: "z", help: "Z.", type: "histogram", labelNames: ["k"], buckets: [1, 5] });
    restore(copy, JSON.parse(JSON.stringify(dump(h))));
    expect(render([copy])).toBe(render([h]));
    // A dump whose buckets no longer fit the definition is dropped, not misread.
    const changed = family({ name: "z", help: "Z.", type: "histogram", labelNames: ["k"], buckets: [1, 5, 10] });
    restore(changed, dump(h));
    expect(changed.series.size).toBe(0);
  });
});
