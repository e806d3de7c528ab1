// The building blocks every OpsDeck dashboard is made of, on top of the Grafana Foundation SDK:
// one look for a time series, a stat, a table; Prometheus queries on the dashboard's datasource
// variable; and the dashboard shell (variables, links, deploy annotations, ids).
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as common from "@grafana/grafana-foundation-sdk/common";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as prometheus from "@grafana/grafana-foundation-sdk/prometheus";
import * as stat from "@grafana/grafana-foundation-sdk/stat";
import * as table from "@grafana/grafana-foundation-sdk/table";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as statetimeline from "@grafana/grafana-foundation-sdk/statetimeline";
import {
  DASHBOARD_TAG,
  DATASOURCE_UIDS,
  DEPLOY_ANNOTATION_TAG,
  type GrafanaDashboard,
} from "@opsdeck/contracts/dashboards";

/** The Prometheus datasource every Prometheus panel uses: the dashboard's `datasource` variable. */
export const PROMETHEUS = { type: "prometheus", uid: "${datasource}" };

/** A Prometheus query: [expr, legend] or with options. */
export type Query = [expr: string, legend?: string] | { expr: string; legend?: string; instant?: boolean };

const REF_IDS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

function targets(queries: Query[], instant = false) {
  return queries.map((q, i) => {
    const { expr, legend, instant: own } = Array.isArray(q) ? { expr: q[0], legend: q[1], instant: false } : q;
    const target = new prometheus.DataqueryBuilder().expr(expr).refId(REF_IDS[i]).datasource(PROMETHEUS);
    if (legend !== undefined) target.legendFormat(legend);
    if (instant || own) target.instant().format(prometheus.PromQueryFormat.Table);
    return target;
  });
}

interface Common {
  title: string;
  description: string;
  unit: string;
  queries: Query[];
  /** Width in grid columns (of 24) and height in rows. */
  span?: number;
  height?: number;
  min?: number;
  max?: number;
  decimals?: number;
}

const thresholds = (steps: [number | null, string][]) =>
  new dashboard.ThresholdsConfigBuilder()
    .mode(dashboard.ThresholdsMode.Absolute)
    .steps(steps.map(([value, color]) => ({ value, color })));

/** Values shown as words in a colour (0 → down, red), in the order given. */
const valueMappings = (mappings: Record<string, { text: string; color: string }>): dashboard.ValueMapping[] => [
  {
    type: dashboard.MappingType.ValueToText,
    options: Object.fromEntries(Object.entries(mappings).map(([v, m], index) => [v, { ...m, index }])),
  },
];

/** A time series panel: a table legend with mean / max / last, shared tooltip, sorted. */
export function timeSeries(o: Common & { stack?: boolean; bars?: boolean; fill?: number }) {
  const panel = new timeseries.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .unit(o.unit)
    .datasource(PROMETHEUS)
    .span(o.span ?? 12)
    .height(o.height ?? 8)
    .lineWidth(1)
    .fillOpacity(o.fill ?? (o.stack ? 60 : 10))
    .showPoints(common.VisibilityMode.Never)
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Bottom)
        .calcs(["mean", "max", "lastNotNull"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    );
  if (o.stack) panel.stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal));
  if (o.bars) panel.drawStyle(common.GraphDrawStyle.Bars).fillOpacity(80);
  if (o.min !== undefined) panel.min(o.min);
  if (o.max !== undefined) panel.max(o.max);
  if (o.decimals !== undefined) panel.decimals(o.decimals);
  for (const t of targets(o.queries)) panel.withTarget(t);
  return panel;
}

/** A single-value panel: the last value, coloured by `thresholds` (green below the first step). */
export function statPanel(
  o: Common & {
    steps?: [number | null, string][];
    mappings?: Record<string, { text: string; color: string }>;
    graph?: boolean;
  },
) {
  const panel = new stat.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .unit(o.unit)
    .datasource(PROMETHEUS)
    .span(o.span ?? 4)
    .height(o.height ?? 4)
    .reduceOptions(new common.ReduceDataOptionsBuilder().calcs(["lastNotNull"]).values(false))
    .colorMode(common.BigValueColorMode.Value)
    .graphMode(o.graph ? common.BigValueGraphMode.Area : common.BigValueGraphMode.None)
    .thresholds(thresholds(o.steps ?? [[null, "green"]]));
  if (o.mappings) panel.mappings(valueMappings(o.mappings));
  if (o.min !== undefined) panel.min(o.min);
  if (o.max !== undefined) panel.max(o.max);
  if (o.decimals !== undefined) panel.decimals(o.decimals);
  for (const t of targets(o.queries, true)) panel.withTarget(t);
  return panel;
}

/** A table of instant values, one row per series, labels as columns. */
export function tablePanel(o: Common & { hide?: string[] }) {
  const panel = new table.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .unit(o.unit)
    .datasource(PROMETHEUS)
    .span(o.span ?? 12)
    .height(o.height ?? 8)
    .withTransformation({ id: "merge", options: {} })
    .withTransformation({
      id: "organize",
      options: { excludeByName: Object.fromEntries(["Time", "__name__", ...(o.hide ?? [])].map((f) => [f, true])) },
    });
  for (const t of targets(o.queries, true)) panel.withTarget(t);
  return panel;
}

/** States over time (up / down, status): one row per series, coloured by value mappings. */
export function stateTimeline(o: Common & { mappings: Record<string, { text: string; color: string }> }) {
  const panel = new statetimeline.PanelBuilder()
    .title(o.title)
    .description(o.description)
    .unit(o.unit)
    .datasource(PROMETHEUS)
    .span(o.span ?? 12)
    .height(o.height ?? 8)
    .showValue(common.VisibilityMode.Never)
    .mergeValues(true)
    .mappings(valueMappings(o.mappings));
  for (const t of targets(o.queries)) panel.withTarget(t);
  return panel;
}

export const UP_DOWN = { "0": { text: "down", color: "red" }, "1": { text: "up", color: "green" } };

/** The Prometheus datasource variable, on OpsDeck's Prometheus by default. */
export const prometheusVariable = () =>
  new dashboard.DatasourceVariableBuilder("datasource")
    .label("Prometheus")
    .type("prometheus")
    .current({ text: "Prometheus", value: DATASOURCE_UIDS.prometheus });

/** A variable over a label's values, multi-select with All. */
export function labelVariable(name: string, label: string, query: string, o: { multi?: boolean } = {}) {
  return new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(PROMETHEUS)
    .query({ query, refId: "PrometheusVariableQueryEditor-VariableQuery", qryType: 1 })
    .definition(query)
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(o.multi ?? true)
    .includeAll(o.multi ?? true)
    .current({ text: "All", value: "$__all" });
}

/** A row, collapsed or not, repeated per value of a variable if asked. */
export const row = (title: string, repeat?: string) => {
  const r = new dashboard.RowBuilder(title);
  return repeat ? r.repeat(repeat) : r;
};

type PanelLike = cog.Builder<dashboard.Panel>;

/**
 * The dashboard shell: uid and titles from the catalog, the OpsDeck tag and links (the other
 * dashboards, the portal page with the same range), deploy annotations (the ones the deploy
 * exporter posts, and a Prometheus query so they show without it), ids numbered in order.
 */
export function opsdeckDashboard(
  meta: GrafanaDashboard,
  o: {
    description: string;
    variables: cog.Builder<dashboard.VariableModel>[];
    sections: [title: string | dashboard.RowBuilder, panels: PanelLike[]][];
    time?: string;
    /** The Prometheus deploy annotation needs the Prometheus datasource variable. */
    prometheusAnnotation?: boolean;
  },
): dashboard.Dashboard {
  const d = new dashboard.DashboardBuilder(`${meta.title.en} · ${meta.title["zh-CN"]}`)
    .uid(meta.uid)
    .description(o.description)
    .tags([DASHBOARD_TAG, meta.folder.toLowerCase()])
    .editable()
    .timezone("browser")
    .time({ from: o.time ?? "now-6h", to: "now" })
    .refresh("30s")
    .tooltip(dashboard.DashboardCursorSync.Crosshair)
    .link(
      new dashboard.DashboardLinkBuilder("OpsDeck dashboards")
        .type(dashboard.DashboardLinkType.Dashboards)
        .tags([DASHBOARD_TAG])
        .asDropdown(true)
        .keepTime(true)
        .includeVars(false),
    )
    .link(
      new dashboard.DashboardLinkBuilder(`Portal: ${meta.title.en}`)
        .type(dashboard.DashboardLinkType.Link)
        .icon("external link")
        .tooltip("The same view in the OpsDeck portal, same time range")
        // The portal sits at the front door's root, Grafana under /grafana/.
        .url(meta.page)
        .keepTime(true),
    )
    .annotation(
      new dashboard.AnnotationQueryBuilder()
        .name("Deploys")
        .datasource({ type: "grafana", uid: "-- Grafana --" })
        .enable(true)
        .iconColor("blue")
        .target(
          // The SDK types an annotation's target as a datasource query; the built-in annotation
          // datasource's target is this tag filter (the SDK's own builder for it).
          new dashboard.AnnotationTargetBuilder()
            .type("tags")
            .tags([DEPLOY_ANNOTATION_TAG])
            .matchAny(true)
            .limit(200) as unknown as cog.Builder<cog.Dataquery>,
        ),
    );
  if (o.prometheusAnnotation !== false)
    d.annotation(
      new dashboard.AnnotationQueryBuilder()
        .name("Deploys (Prometheus)")
        .datasource(PROMETHEUS)
        .enable(true)
        .iconColor("purple")
        .expr("sum by (project, environment, result) (increase(opsdeck_deployments_total[$__rate_interval])) > 0")
        .step("1m")
        .titleFormat("Deploy {{project}} / {{environment}}: {{result}}")
        .tagKeys("project,environment,result"),
    );
  for (const v of o.variables) d.withVariable(v);
  for (const [title, panels] of o.sections) {
    d.withRow(typeof title === "string" ? row(title) : title);
    for (const p of panels) d.withPanel(p);
  }
  return numberPanels(d.build());
}

/** Grafana wants every panel (rows too) to have a unique id; the SDK leaves that to us. */
function numberPanels(d: dashboard.Dashboard): dashboard.Dashboard {
  let id = 1;
  for (const p of d.panels ?? []) {
    p.id = id++;
    for (const inner of (p as dashboard.RowPanel).panels ?? []) inner.id = id++;
  }
  return d;
}
