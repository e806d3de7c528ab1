import { describe, expect, it } from "vitest";
import { VITALS, type VitalName } from "@opsdeck/contracts/page-load";
import { BUCKETS, rumMetricDefs } from "./beacon.ts";

describe("the page-load histograms", () => {
  it("have the published good and poor thresholds as bucket boundaries (exact shares)", () => {
    for (const name of Object.keys(VITALS) as VitalName[])
      expect(BUCKETS[name].buckets, name).toEqual(expect.arrayContaining([VITALS[name].good, VITALS[name].poor]));
  });

  it("are bounded: only configured sites and route templates, three devices, six navigation types", () => {
    const [lcp] = rumMetricDefs({ apps: [{ name: "shop", routes: ["/", "/products/:id"] }], sample_rate: 1 });
    expect(lcp.labels.map((l) => [l.name, l.values?.length])).toEqual([
      ["app", 1],
      ["route", 3],
      ["device", 3],
      ["navigation", 6],
    ]);
    expect(rumMetricDefs({ apps: [], sample_rate: 1 })).toEqual([]);
  });
});
