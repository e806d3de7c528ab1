// opsdeck.yml's probes as blackbox modules, targets and thresholds; bad probes refused with
// the key and the reason.
import { describe, expect, it } from "vitest";
import { probeListSchema } from "../config/probes.ts";
import { blackboxModules, headerSecrets, literalRegexp, probeSeries, probeTargetGroups } from "./blackbox.ts";

const probes = probeListSchema.parse([
  {
    name: "shop-home",
    type: "http",
    target: "https://shop.example.com/",
    http: { status: [200, 301], keyword: "¥9.9 (today)", json: 'body.status == "ok"' },
    slow_ms: 800,
    labels: { project: "shop" },
    display_name: 'Shop "home" \\ page',
    public: true,
    depends_on: { app: "shop" },
  },
  { name: "shop-db", type: "tcp", target: "10.0.0.21:5432" },
  { name: "shop-dns", type: "dns", target: "223.5.5.5", dns: { query_name: "shop.example.com" } },
  { name: "off", type: "icmp", target: "10.0.0.9", enabled: false },
]);

describe("probes for blackbox_exporter", () => {
  it("writes a module per enabled probe, its keyword matched literally", () => {
    const modules = blackboxModules(probes) as Record<string, Record<string, unknown>>;
    // The https page's first hop (before redirects) is a module of its own: its certificate counts too.
    expect(Object.keys(modules)).toEqual([
      "probe_shop-home",
      "probe_shop-home_first_hop",
      "probe_shop-db",
      "probe_shop-dns",
    ]);
    expect(modules["probe_shop-home_first_hop"]).toMatchObject({
      prober: "http",
      http: {
        no_follow_redirects: true,
        fail_if_not_ssl: true,
        valid_status_codes: expect.arrayContaining([200, 301, 302]),
      },
    });
    expect(modules["probe_shop-home"]).toMatchObject({
      prober: "http",
      timeout: "5s",
      http: {
        valid_status_codes: [200, 301],
        fail_if_body_not_matches_regexp: ["¥9\\.9 \\(today\\)"],
        fail_if_body_json_not_matches_cel: 'body.status == "ok"',
        preferred_ip_protocol: "ip4",
      },
    });
    expect(new RegExp(literalRegexp("a+b (c)")).test("x a+b (c) y")).toBe(true);
    expect(modules["probe_shop-dns"]).toMatchObject({
      prober: "dns",
      dns: { query_name: "shop.example.com", query_type: "A" },
    });
  });

  it("gives each target its probe's name, type, module and labels, and each threshold a series", () => {
    expect(probeTargetGroups(probes)[0]).toEqual({
      targets: ["https://shop.example.com/"],
      labels: {
        project: "shop",
        probe: "shop-home",
        probe_type: "http",
        parent_app: "shop",
        __param_module: "probe_shop-home",
      },
    });
    expect(probeTargetGroups(probes)[1]).toEqual({
      targets: ["https://shop.example.com/"],
      labels: {
        project: "shop",
        probe: "shop-home",
        probe_type: "http",
        parent_app: "shop",
        hop: "first",
        __param_module: "probe_shop-home_first_hop",
      },
    });
    const series = probeSeries(probes, "opsdeck");
    expect(series).toMatch(/^opsdeck_probe_slow_seconds\{probe="shop-home"\} 0\.8$/m);
    expect(series.match(/^opsdeck_probe_slow_seconds/gm)).toHaveLength(1);
    // The display name escaped as the text format wants it; one info series per enabled probe.
    expect(series).toContain(
      'opsdeck_probe_info{probe="shop-home",source="opsdeck.yml",display_name="Shop \\"home\\" \\\\ page",public="true",depends_on_host="",depends_on_app="shop"} 1',
    );
    expect(series.match(/^opsdeck_probe_info\{/gm)).toHaveLength(3);
  });

  it("keeps header values in files, Host and its like in the module, Authorization as blackbox wants it", () => {
    const [probe] = probeListSchema.parse([
      {
        name: "admin",
        type: "http",
        target: "https://shop.example.com/admin",
        http: {
          follow_redirects: false,
          headers: { Host: "shop.example.com", "X-Api-Key": "k", Authorization: "Bearer t" },
        },
      },
    ]);
    expect(headerSecrets(probe)).toEqual([
      ["header-x-api-key", "k"],
      ["authorization-Bearer", "t"],
    ]);
    const modules = blackboxModules([probe], "/secrets") as Record<string, { http: unknown }>;
    expect(modules["probe_admin"].http).toMatchObject({
      headers: { Host: "shop.example.com" },
      http_headers: { "x-api-key": { files: ["/secrets/admin/header-x-api-key"] } },
      authorization: { type: "Bearer", credentials_file: "/secrets/admin/authorization-Bearer" },
    });
    expect(JSON.stringify(modules)).not.toMatch(/"k"|"t"/);
    // Without a secrets directory (the portal's own probes) they are written in.
    expect((blackboxModules([probe]) as Record<string, { http: unknown }>)["probe_admin"].http).toMatchObject({
      headers: { Host: "shop.example.com", "X-Api-Key": "k", Authorization: "Bearer t" },
    });
    const basic = probeListSchema.parse([
      {
        name: "b",
        type: "http",
        target: "http://x/",
        http: { headers: { authorization: `Basic ${Buffer.from("ops:pa:ss").toString("base64")}` } },
      },
    ])[0];
    expect(headerSecrets(basic)).toEqual([
      ["basic-username", "ops"],
      ["basic-password", "pa:ss"],
    ]);
  });

  it("refuses what blackbox could not run, saying where", () => {
    const problems = (list: unknown[]) =>
      probeListSchema.safeParse(list).error?.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    expect(problems([{ name: "Shop", type: "http", target: "https://x/" }])).toEqual([
      expect.stringMatching(/^0\.name: lower-case letters/),
    ]);
    expect(problems([{ name: "a", type: "http", target: "ftp://x/" }])).toEqual([
      "0.target: an http:// or https:// URL for an http probe",
    ]);
    expect(problems([{ name: "a", type: "tcp", target: "db" }])).toEqual(["0.target: host:port for a tcp probe"]);
    expect(problems([{ name: "a", type: "dns", target: "1.1.1.1" }])).toEqual([
      "0.dns: required for a dns probe: the name to ask for",
    ]);
    expect(problems([{ name: "a", type: "tcp", target: "db:5432", public: true }])).toEqual([
      "0.display_name: required for a public probe: the name the status page shows",
    ]);
    expect(problems([{ name: "a", type: "tcp", target: "db:5432", labels: { probe: "x" } }])).toEqual([
      "0.labels.probe: reserved: set by OpsDeck",
    ]);
    expect(
      problems([{ name: "a", type: "http", target: "http://x/", http: { headers: { Connection: "close" } } }]),
    ).toEqual(["0.http.headers.Connection: blackbox_exporter sets this header itself"]);
    expect(
      problems([
        { name: "a", type: "http", target: "http://x/", http: { headers: { Authorization: "Basic bm9wZQ==" } } },
      ]),
    ).toEqual(["0.http.headers.Authorization: Basic credentials are base64 of user:password"]);
    expect(
      problems([{ name: "a", type: "dns", target: "1.1.1.1", dns: { query_name: "x.cn", answer: "(?=10\\.)x" } }]),
    ).toEqual(["0.dns.answer: a regular expression blackbox (Go's RE2) reads: no lookaround or back-reference"]);
    // The scheme names the file its credentials go to: a path in it is refused.
    expect(
      problems([
        { name: "a", type: "http", target: "http://x/", http: { headers: { Authorization: "../../etc/x y" } } },
      ]),
    ).toEqual(["0.http.headers.Authorization: <scheme> <credentials>, e.g. Bearer <token>"]);
    expect(
      problems([
        { name: "a", type: "tcp", target: "db:1" },
        { name: "a", type: "tcp", target: "db:2" },
      ]),
    ).toEqual(['1.name: "a" is listed twice']);
  });
});
