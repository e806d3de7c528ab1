// What we ship for Grafana, checked without Grafana: the committed JSON is what the code
// generates, it passes the lint, the lint catches what it is for, the datasources and the
// dashboards agree on uids and the scrape interval, and Grafana's variable expansion is copied right.
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import {
  DASHBOARD_TAG,
  DATASOURCE_UIDS,
  DEPLOY_ANNOTATION_TAG,
  GRAFANA_DASHBOARDS,
} from "@opsdeck/contracts/dashboards";
import { parseConfig } from "@opsdeck/core";
import { buildDashboards, committedDashboards, dashboardJson } from "./src/dashboards.ts";
import { allPanels, lintDashboard, type DashboardJson } from "./src/lint.ts";
import { selectors } from "../prometheus/promql.ts";
import { commonOffset } from "./src/prometheus-check.ts";
import { expand, intervals, parseLabelValues } from "./src/queries.ts";

const read = (path: string) => readFileSync(new URL(path, import.meta.url), "utf8");
type Datasource = { name: string; uid: string; type: string; url: string; jsonData: Record<string, string> };
const datasources = (parseYaml(read("datasources/opsdeck.yml")) as { datasources: Datasource[] }).datasources;

describe("Grafana dashboards as code", () => {
  it("commits exactly what the code generates (npm run dashboards)", () => {
    for (const { file, dashboard } of buildDashboards())
      expect([file, readFileSync(file, "utf8") === dashboardJson(dashboard)]).toEqual([file, true]);
  });

  it("passes the lint, every dashboard", () => {
    expect(committedDashboards().flatMap(({ json }) => lintDashboard(json))).toEqual([]);
  });

  it("has the catalog's uids, titles in both languages, and the OpsDeck tag", () => {
    const committed = committedDashboards();
    expect(committed.map((d) => d.json.uid)).toEqual(GRAFANA_DASHBOARDS.map((d) => d.uid));
    for (const [i, { json }] of committed.entries()) {
      const meta = GRAFANA_DASHBOARDS[i];
      expect(json.title).toBe(`${meta.title.en} · ${meta.title["zh-CN"]}`);
      expect(json.tags).toContain(DASHBOARD_TAG);
    }
  });

  it("shows the deploy exporter's annotations: the dashboards filter on the tag it posts by default", () => {
    const defaults = parseConfig("{}", "test").exporters.deploy.grafana.tags;
    expect(defaults).toContain(DEPLOY_ANNOTATION_TAG);
    for (const { json } of committedDashboards()) {
      const grafana = (json.annotations?.list ?? []).find((a) => a.datasource?.type === "grafana") as
        { target: { type: string; tags: string[] } } | undefined;
      expect([json.uid, grafana?.target]).toMatchObject([json.uid, { type: "tags", tags: [DEPLOY_ANNOTATION_TAG] }]);
    }
  });

  it("links every dashboard to its portal page and to the other dashboards, with the time range", () => {
    for (const { json } of committedDashboards()) {
      const meta = GRAFANA_DASHBOARDS.find((d) => d.uid === json.uid)!;
      expect(json.links).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ type: "dashboards", tags: [DASHBOARD_TAG], keepTime: true }),
          expect.objectContaining({ type: "link", url: meta.page, keepTime: true }),
        ]),
      );
    }
  });
});

describe("Grafana datasources", () => {
  it("provisions the uids the dashboards use, with URLs from the environment", () => {
    expect(Object.fromEntries(datasources.map((d) => [d.uid, d.type]))).toEqual({
      [DATASOURCE_UIDS.prometheus]: "prometheus",
      [DATASOURCE_UIDS.alertmanager]: "alertmanager",
      [DATASOURCE_UIDS.logs]: "elasticsearch",
      [DATASOURCE_UIDS.events]: "elasticsearch",
    });
    for (const d of datasources)
      expect([d.name, d.url]).toEqual([d.name, expect.stringMatching(/^\$\{OPSDECK_\w+_URL\}$/)]);
    expect(datasources.find((d) => d.type === "alertmanager")!.jsonData.implementation).toBe("prometheus");
  });

  it("tells Grafana Prometheus' scrape interval, which $__rate_interval is computed from", () => {
    const prometheus = parseYaml(read("../prometheus/prometheus.yml")) as { global: { scrape_interval: string } };
    expect(datasources.find((d) => d.type === "prometheus")!.jsonData.timeInterval).toBe(
      prometheus.global.scrape_interval,
    );
  });

  it("gives every datasource variable a provisioned datasource as its default", () => {
    const uids = new Set(datasources.map((d) => d.uid));
    for (const { json } of committedDashboards())
      for (const v of json.templating?.list ?? [])
        if (v.type === "datasource")
          expect([json.uid, v.name, uids.has((v as unknown as { current: { value: string } }).current.value)]).toEqual([
            json.uid,
            v.name,
            true,
          ]);
  });
});

describe("the dashboard lint", () => {
  const host = () => JSON.parse(dashboardJson(buildDashboards()[0].dashboard)) as DashboardJson;
  const panel = (d: DashboardJson, title: string) => allPanels(d).find((p) => p.title === title)!;

  it("names each fault it is for", () => {
    const d = host();
    d.uid = "a-uid-that-is-far-too-long-for-grafana-to-keep-0123";
    delete panel(d, "Uptime").fieldConfig!.defaults!.unit;
    delete panel(d, "CPU cores").description;
    panel(d, "CPU busy").targets![0].expr = 'rate(node_cpu_seconds_total{mode="idle"}[5m])';
    panel(d, "Load per core").targets![0].expr = "node_context_switches_total";
    panel(d, "Memory used").id = panel(d, "Root disk used").id;
    panel(d, "Clock offset").gridPos = { x: 20, y: 1, w: 8, h: 4 };
    panel(d, "Swap").datasource = { type: "prometheus", uid: "${DS_PROMETHEUS}" };
    panel(d, "Major page faults").targets![0].expr = 'rate(node_vmstat_pgmajfault{host=~"$server"}[$__rate_interval])';
    d.tags = [];
    expect(lintDashboard(d)).toEqual([
      "a-uid-that-is-far-too-long-for-grafana-to-keep-0123: needs a uid of at most 40 letters, digits, - or _",
      "a-uid-that-is-far-too-long-for-grafana-to-keep-0123: has ${DS_…} placeholders (an export for sharing): provisioning needs real datasource uids",
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123: needs the "opsdeck" tag (the dashboards link each other by it)',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Uptime": needs a unit',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "CPU cores": needs a description',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "CPU busy": rate(node_cpu_seconds_total[5m]) should use [$__rate_interval]',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Load per core": the counter node_context_switches_total is used outside rate() / increase()',
      `a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Root disk used": has the id ${panel(d, "Memory used").id} of another panel`,
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Swap": must take its datasource from a datasource variable',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Major page faults": uses $server, which is not a variable of the dashboard',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Clock offset": has an invalid gridPos {"x":20,"y":1,"w":8,"h":4}',
      'a-uid-that-is-far-too-long-for-grafana-to-keep-0123 panel "Clock offset": overlaps panel "Root disk used"',
    ]);
  });

  it("asks for a datasource variable and the links between dashboards", () => {
    const d = host();
    d.templating!.list = d.templating!.list!.filter((v) => v.type !== "datasource");
    d.links = [];
    const problems = lintDashboard(d);
    expect(problems).toContain("opsdeck-host: needs a datasource variable");
    expect(problems).toContain("opsdeck-host: needs a link to the other OpsDeck dashboards");
  });
});

describe("the PromQL scanner", () => {
  it("finds each selector with its range, offset and the functions around it", () => {
    expect(
      selectors(
        'histogram_quantile(0.9, sum by (le, channel) (rate(x_bucket{a="b", c=~"(d|e)"}[$__rate_interval] offset 1d))) / on (host) group_left count(y)',
      ),
    ).toEqual([
      { metric: "x_bucket", enclosing: ["rate", "sum", "histogram_quantile"], range: "$__rate_interval", offset: "1d" },
      { metric: "y", enclosing: ["count"] },
    ]);
    expect(selectors('{__name__=~"pm2_process_metric_.+", app="a"} and up offset 5m')).toEqual([
      { metric: "", enclosing: [] },
      { metric: "up", enclosing: [], offset: "5m" },
    ]);
    expect(selectors('sum(rate(m_total{s="by (x) ) ["}[1m])) * 3600')).toEqual([
      { metric: "m_total", enclosing: ["rate", "sum"], range: "1m" },
    ]);
  });

  it("shifts a query only when every selector looks back by the same offset", () => {
    expect(commonOffset("sum(increase(a_total[1d] offset 1w))")).toBe(604_800);
    expect(commonOffset("a offset 1d / b offset 1d")).toBe(86_400);
    expect(commonOffset("a offset 1d / b")).toBe(0);
  });
});

describe("Grafana's variable expansion", () => {
  const times = intervals(3600, 15);

  it("computes $__rate_interval as Grafana does: at least four scrape intervals", () => {
    expect(times).toEqual({ interval: 15, rateInterval: 60, range: 3600 });
  });

  it("formats values as a regex in PromQL and as Lucene where asked", () => {
    expect(expand('rate(a{h=~"$host"}[$__rate_interval])', { host: ["web-1", "db.2"] }, times)).toBe(
      'rate(a{h=~"(web-1|db\\.2)"}[60s])',
    );
    expect(expand('a{h=~"${host}"}', { host: ["one"] }, times)).toBe('a{h=~"one"}');
    expect(expand("service.name:${s:lucene}", { s: ['a"b', "c"] }, times, "raw")).toBe('service.name:("a\\"b" OR "c")');
    expect(() => expand("$nope", {}, times)).toThrow("no value for $nope");
  });

  it("reads label_values() variable queries", () => {
    expect(parseLabelValues('label_values(up{job=~"$job"}, host)')).toEqual({
      label: "host",
      match: 'up{job=~"$job"}',
    });
    expect(parseLabelValues("label_values(job)")).toEqual({ label: "job", match: undefined });
  });
});
