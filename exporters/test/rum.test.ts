// Real users' page-load beacons into the business exporter (a real process): histograms by site,
// route template, device and navigation type on the published thresholds; a metric re-sent with
// the same id counted once; bad beacons a clear 4xx and never a new series; kept across kill -9.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { launchExporter, type Proc } from "@opsdeck/stack";
import { promtoolCheckMetrics, scrape, tempDir, writeConfig, type TestConfig } from "@opsdeck/stack/testkit";

let cfg: TestConfig;
let exporter: Proc;
const RUM = { apps: [{ name: "shop", routes: ["/", "/products/:id"] }], sample_rate: 0.5 };

beforeAll(async () => {
  cfg = await writeConfig(tempDir("rum"), { business: { rum: RUM } });
  exporter = await launchExporter("business", { configFile: cfg.file, url: cfg.urls.business });
});
afterAll(() => exporter?.stop());

/** Sends a beacon as the browser script does (sendBeacon: a text/plain string, no token). */
const beacon = (body: unknown) =>
  fetch(`${cfg.urls.business}/api/v1/rum`, {
    method: "POST",
    headers: { "content-type": "text/plain;charset=UTF-8" },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
const page = (path: string, metrics: { name: string; id: string; value: number }[], device = "mobile") => ({
  app: "shop",
  path,
  device,
  metrics: metrics.map((m) => ({ ...m, navigation: "navigate" })),
});
/** The histograms' series (not the beacon counter's). */
const series = async () =>
  [...(await scrape(cfg.urls.business)).keys()].filter(
    (k) => k.startsWith("opsdeck_rum_") && !k.startsWith("opsdeck_rum_beacons_"),
  );
const value = async (key: string) => (await scrape(cfg.urls.business)).get(key);

describe("page-load beacons", () => {
  it("become histograms by route template, on the published thresholds; the path is never kept", async () => {
    const res = await beacon(
      page("/products/42", [
        { name: "LCP", id: "v5-1765000000000-1", value: 2400 },
        { name: "INP", id: "v5-1765000000000-2", value: 350 },
        { name: "CLS", id: "v5-1765000000000-3", value: 0.3 },
        { name: "TTFB", id: "v5-1765000000000-4", value: 120 },
      ]),
    );
    expect(res.status).toBe(204);
    const labels = 'app="shop",route="/products/:id",device="mobile",navigation="navigate"';
    // LCP 2.4 s: good (≤ 2.5 s); INP 350 ms: needs improvement (200–500 ms); CLS 0.3: poor (> 0.25).
    expect(await value(`opsdeck_rum_lcp_seconds_bucket{${labels},le="2.5"}`)).toBe(1);
    expect(await value(`opsdeck_rum_lcp_seconds_bucket{${labels},le="2"}`)).toBe(0);
    expect(await value(`opsdeck_rum_inp_seconds_bucket{${labels},le="0.2"}`)).toBe(0);
    expect(await value(`opsdeck_rum_inp_seconds_bucket{${labels},le="0.5"}`)).toBe(1);
    expect(await value(`opsdeck_rum_cls_bucket{${labels},le="0.25"}`)).toBe(0);
    expect(await value(`opsdeck_rum_ttfb_seconds_sum{${labels}}`)).toBeCloseTo(0.12);
    const text = await (await fetch(`${cfg.urls.business}/metrics`)).text();
    expect(text).not.toContain("/products/42");
    expect(await promtoolCheckMetrics(cfg.urls.business)).toBe("");
  });

  it("counts a metric re-sent with the same id once, and a path no template matches as other", async () => {
    const again = page("/products/42", [{ name: "LCP", id: "v5-1765000000000-1", value: 2400 }]);
    expect((await beacon(again)).status).toBe(204);
    const labels = 'app="shop",route="/products/:id",device="mobile",navigation="navigate"';
    expect(await value(`opsdeck_rum_lcp_seconds_count{${labels}}`)).toBe(1);
    expect(await value('opsdeck_rum_beacons_total{outcome="duplicate"}')).toBe(1);
    expect((await beacon(page("/checkout/x/y", [{ name: "FCP", id: "v5-7-1", value: 900 }], "desktop"))).status).toBe(
      204,
    );
    expect(
      await value('opsdeck_rum_fcp_seconds_count{app="shop",route="other",device="desktop",navigation="navigate"}'),
    ).toBe(1);
  });

  it("answers a bad beacon with a 4xx that says what is wrong, and makes no series of it", async () => {
    const before = await series();
    const refused = async (body: unknown, status = 400) => {
      const res = await beacon(body);
      expect(res.status).toBe(status);
      return ((await res.json()) as { error: string }).error;
    };
    expect(await refused({ ...page("/", [{ name: "LCP", id: "v5-9-1", value: 1 }]), app: "evil" })).toBe(
      'app: "evil" is not a site listed under rum.apps',
    );
    expect(await refused(page("/", [{ name: "FID", id: "v5-9-2", value: 1 }]))).toMatch(/^body: metrics\.0\.name: /);
    expect(await refused(page("/", [{ name: "LCP", id: "v5-9-3", value: 1 }], "fridge"))).toMatch(/^body: device: /);
    expect(await refused(page("/", [{ name: "LCP", id: "not an id", value: 1 }]))).toMatch(
      /metrics\.0\.id: a web-vitals id/,
    );
    expect(await refused(page("/", [{ name: "LCP", id: "v5-9-4", value: 1e9 }]))).toBe(
      "metrics.0.value: beyond 600 for LCP",
    );
    expect(await refused({ ...page("/", [{ name: "LCP", id: "v5-9-5", value: 1 }]), user: "alice" })).toMatch(
      /^body: \(body\): Unrecognized key/,
    );
    expect(await refused("not json")).toMatch(/JSON/);
    expect(await refused({ pad: "x".repeat(9000) }, 413)).toMatch(/at most 8192 bytes/);
    expect(await series()).toEqual(before);
    expect(await value('opsdeck_rum_beacons_total{outcome="invalid"}')).toBeGreaterThanOrEqual(6);
  });

  it("serves the browser script with the configured sample rate", async () => {
    const res = await fetch(`${cfg.urls.business}/rum.js`);
    expect(res.headers.get("content-type")).toMatch(/^application\/javascript/);
    const script = await res.text();
    expect(script).toContain('"0.5"');
    expect(script).not.toContain("__OPSDECK_RUM_SAMPLE_RATE__");
  });

  it("keeps what it acknowledged across kill -9", async () => {
    const labels = 'app="shop",route="/products/:id",device="mobile",navigation="navigate"';
    process.kill(-exporter.child.pid!, "SIGKILL");
    await exporter.exited;
    exporter = await launchExporter("business", { configFile: cfg.file, url: cfg.urls.business });
    expect(await value(`opsdeck_rum_lcp_seconds_count{${labels}}`)).toBe(1);
    // …and still knows the ids it saw.
    await beacon(page("/products/42", [{ name: "LCP", id: "v5-1765000000000-1", value: 2400 }]));
    expect(await value(`opsdeck_rum_lcp_seconds_count{${labels}}`)).toBe(1);
  });
});
