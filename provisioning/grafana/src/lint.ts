// A dashboard lint in the spirit of grafana/dashboard-linter (whose Go module is not served
// here): what makes a provisioned dashboard portable and readable. Each rule names the panel.
import { DASHBOARD_TAG } from "@opsdeck/contracts/dashboards";
import { selectors } from "../../prometheus/promql.ts";

/** The loose shape of dashboard JSON the lint reads (any Grafana dashboard, not only ours). */
export interface DashboardJson {
  uid?: string;
  title?: string;
  tags?: string[];
  links?: { type?: string; tags?: string[] }[];
  templating?: { list?: { name: string; type: string; query?: unknown }[] };
  annotations?: { list?: { name?: string; datasource?: { type?: string; uid?: string }; expr?: string }[] };
  panels?: PanelJson[];
  __inputs?: unknown;
}
export interface PanelJson {
  id?: number;
  type: string;
  title?: string;
  description?: string;
  datasource?: { type?: string; uid?: string };
  gridPos?: { x: number; y: number; w: number; h: number };
  fieldConfig?: { defaults?: { unit?: string } };
  targets?: { expr?: string; query?: string; refId?: string; datasource?: { type?: string; uid?: string } }[];
  panels?: PanelJson[];
  repeat?: string;
}

/** Every panel, rows' collapsed panels included. */
export const allPanels = (d: DashboardJson): PanelJson[] => (d.panels ?? []).flatMap((p) => [p, ...(p.panels ?? [])]);

/** Functions under which a counter means something (a counter's raw value is since its process started). */
const COUNTER_FUNCTIONS = new Set(["rate", "irate", "increase", "resets", "count", "absent", "absent_over_time"]);
const COUNTER = /_(total|count|sum|bucket)$/;
const GRAFANA_VARIABLES = /\$(?:\{(\w+)(?::\w+)?\}|(\w+))|\[\[(\w+)\]\]/g;

export function lintDashboard(d: DashboardJson): string[] {
  const problems: string[] = [];
  const where = (p?: PanelJson) => `${d.uid ?? d.title ?? "dashboard"}${p ? ` panel "${p.title ?? p.id}"` : ""}`;
  const say = (p: PanelJson | undefined, message: string) => problems.push(`${where(p)}: ${message}`);

  if (!d.uid || !/^[\w-]{1,40}$/.test(d.uid)) say(undefined, "needs a uid of at most 40 letters, digits, - or _");
  if (JSON.stringify(d).includes("${DS_") || d.__inputs)
    say(undefined, "has ${DS_…} placeholders (an export for sharing): provisioning needs real datasource uids");
  if (!d.tags?.includes(DASHBOARD_TAG))
    say(undefined, `needs the "${DASHBOARD_TAG}" tag (the dashboards link each other by it)`);
  if (!d.links?.some((l) => l.type === "dashboards" && l.tags?.includes(DASHBOARD_TAG)))
    say(undefined, "needs a link to the other OpsDeck dashboards");

  const variables = d.templating?.list ?? [];
  const datasourceVariables = new Set(variables.filter((v) => v.type === "datasource").map((v) => v.name));
  if (datasourceVariables.size === 0) say(undefined, "needs a datasource variable");
  const known = new Set(variables.map((v) => v.name));
  const usesDatasourceVariable = (ds: { uid?: string } | undefined) =>
    ds?.uid !== undefined && datasourceVariables.has(/^\$\{?(\w+)\}?$/.exec(ds.uid)?.[1] ?? "");

  const checkVariables = (p: PanelJson | undefined, text: string) => {
    for (const m of text.matchAll(GRAFANA_VARIABLES)) {
      const name = m[1] ?? m[2] ?? m[3];
      if (!name.startsWith("__") && !known.has(name)) say(p, `uses $${name}, which is not a variable of the dashboard`);
    }
  };
  const checkPromQL = (p: PanelJson | undefined, expr: string) => {
    checkVariables(p, expr);
    for (const s of selectors(expr)) {
      const fn = s.enclosing[0];
      if ((fn === "rate" || fn === "irate") && s.range !== "$__rate_interval")
        say(p, `${fn}(${s.metric}[${s.range}]) should use [$__rate_interval]`);
      if (COUNTER.test(s.metric) && !COUNTER_FUNCTIONS.has(fn ?? ""))
        say(p, `the counter ${s.metric} is used outside rate() / increase()`);
    }
  };

  const ids = new Set<number>();
  for (const p of allPanels(d)) {
    if (typeof p.id !== "number" || p.id < 1) say(p, "needs a positive id");
    else if (ids.has(p.id)) say(p, `has the id ${p.id} of another panel`);
    else ids.add(p.id);
    if (!p.title) say(p, "needs a title");
    if (p.type === "row") continue;
    if (!p.description) say(p, "needs a description");
    if (p.type !== "text" && !p.fieldConfig?.defaults?.unit) say(p, "needs a unit");
    if (p.type !== "text" && !usesDatasourceVariable(p.datasource))
      say(p, "must take its datasource from a datasource variable");
    if (p.repeat && !known.has(p.repeat)) say(p, `repeats over $${p.repeat}, which is not a variable`);
    for (const t of p.targets ?? []) {
      if (t.datasource && !usesDatasourceVariable(t.datasource))
        say(p, `query ${t.refId} must take its datasource from a datasource variable`);
      if (t.expr !== undefined) checkPromQL(p, t.expr);
      if (t.query !== undefined) checkVariables(p, t.query);
    }
  }
  for (const a of d.annotations?.list ?? []) if (a.expr) checkPromQL(undefined, a.expr);

  // Grid: inside the 24 columns, and no two panels overlapping (rows' collapsed panels aside).
  const placed = (d.panels ?? []).filter((p) => p.gridPos);
  for (const p of d.panels ?? []) {
    const g = p.gridPos;
    if (!g) {
      say(p, "needs a gridPos");
      continue;
    }
    if (g.w < 1 || g.h < 1 || g.x < 0 || g.y < 0 || g.x + g.w > 24)
      say(p, `has an invalid gridPos ${JSON.stringify(g)}`);
  }
  for (let i = 0; i < placed.length; i++)
    for (let k = i + 1; k < placed.length; k++) {
      const a = placed[i].gridPos!;
      const b = placed[k].gridPos!;
      if (a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h)
        say(placed[k], `overlaps panel "${placed[i].title}"`);
    }
  return problems;
}
