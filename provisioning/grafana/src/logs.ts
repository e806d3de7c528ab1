// Logs: error and warning rates by service, log volume by level, nginx 5xx, and the lines
// themselves, from the Elasticsearch indices Filebeat writes; links to the portal's Logs page
// (search, context, live tail) with the same range.
import type * as cog from "@grafana/grafana-foundation-sdk/cog";
import * as dashboard from "@grafana/grafana-foundation-sdk/dashboard";
import * as elasticsearch from "@grafana/grafana-foundation-sdk/elasticsearch";
import * as logs from "@grafana/grafana-foundation-sdk/logs";
import * as timeseries from "@grafana/grafana-foundation-sdk/timeseries";
import * as common from "@grafana/grafana-foundation-sdk/common";
import { DATASOURCE_UIDS, dashboardFor } from "@opsdeck/contracts/dashboards";
import { opsdeckDashboard } from "./panels.ts";

/** The Elasticsearch panels' datasource: the dashboard's `logs` variable. */
export const LOGS = { type: "elasticsearch", uid: "${logs}" };

const services = "service.name:${service:lucene}";

/**
 * A metric of an Elasticsearch query. The SDK's CountBuilder and LogsBuilder (v0.0.21) build
 * `type: "unknown"` — their schema types the field `unknown` — which Grafana cannot run (the
 * Elasticsearch test caught it); this sets the name Grafana expects.
 */
const metric = (type: "count" | "logs", id: string): cog.Builder<elasticsearch.MetricAggregation> => ({
  build: () => ({ type, id }),
});

/** A count of matching lines over time, one series per value of `by`. */
function countBy(title: string, description: string, query: string, by: string, span = 12) {
  const target = new elasticsearch.DataqueryBuilder()
    .refId("A")
    .datasource(LOGS)
    .query(query)
    .timeField("@timestamp")
    .metrics([metric("count", "1")])
    .bucketAggs([
      new elasticsearch.TermsBuilder()
        .id("2")
        .field(by)
        .settings({ size: "10", order: elasticsearch.TermsOrder.Desc, orderBy: "_count", min_doc_count: "1" }),
      new elasticsearch.DateHistogramBuilder()
        .id("3")
        .field("@timestamp")
        .settings({ interval: "auto", min_doc_count: "0", trimEdges: "0" }),
    ]);
  return new timeseries.PanelBuilder()
    .title(title)
    .description(description)
    .unit("short")
    .datasource(LOGS)
    .span(span)
    .height(8)
    .drawStyle(common.GraphDrawStyle.Bars)
    .fillOpacity(80)
    .stacking(new common.StackingConfigBuilder().mode(common.StackingMode.Normal))
    .legend(
      new common.VizLegendOptionsBuilder()
        .showLegend(true)
        .displayMode(common.LegendDisplayMode.Table)
        .placement(common.LegendPlacement.Right)
        .calcs(["sum"]),
    )
    .tooltip(
      new common.VizTooltipOptionsBuilder().mode(common.TooltipDisplayMode.Multi).sort(common.SortOrder.Descending),
    )
    .withTarget(target);
}

/** A variable over a field's values (Elasticsearch's terms), multi-select; All matches any ("*"). */
const termsVariable = (name: string, label: string, field: string) =>
  new dashboard.QueryVariableBuilder(name)
    .label(label)
    .datasource(LOGS)
    .query(JSON.stringify({ find: "terms", field }))
    .refresh(dashboard.VariableRefresh.OnTimeRangeChanged)
    .sort(dashboard.VariableSort.AlphabeticalAsc)
    .multi(true)
    .includeAll(true)
    .allValue("*")
    .current({ text: "All", value: "$__all" });

export const logsDashboard = () => {
  const meta = dashboardFor("/logs")!;
  const lines = new logs.PanelBuilder()
    .title("Log lines")
    .description(
      "The newest matching lines (500 at most); open the portal's Logs page for search, context and live tail.",
    )
    .unit("none")
    .datasource(LOGS)
    .span(24)
    .height(14)
    .showTime(true)
    .wrapLogMessage(true)
    .enableLogDetails(true)
    .sortOrder(common.LogsSortOrder.Descending)
    .dedupStrategy(common.LogsDedupStrategy.None)
    .withTarget(
      new elasticsearch.DataqueryBuilder()
        .refId("A")
        .datasource(LOGS)
        .query(`${services} AND log.level:\${level:lucene} AND $query`)
        .timeField("@timestamp")
        .metrics([metric("logs", "1")])
        .bucketAggs([]),
    );
  const d = opsdeckDashboard(meta, {
    description:
      "Errors and warnings by service, volume by level, nginx 5xx and the lines themselves, from Elasticsearch.",
    time: "now-1h",
    prometheusAnnotation: false,
    variables: [
      new dashboard.DatasourceVariableBuilder("logs")
        .label("Logs")
        .type("elasticsearch")
        .current({ text: "OpsDeck logs", value: DATASOURCE_UIDS.logs }),
      termsVariable("service", "Service", "service.name"),
      termsVariable("level", "Level", "log.level"),
      new dashboard.TextBoxVariableBuilder("query")
        .label("Search (Lucene)")
        .description("A Lucene query over the lines, e.g. message:timeout; * for everything.")
        .defaultValue("*")
        .current({ text: "*", value: "*" }),
    ],
    sections: [
      [
        "Rates",
        [
          countBy(
            "Errors by service",
            "Lines at level error (or fatal) per interval, by service.",
            `${services} AND log.level:(error OR fatal)`,
            "service.name",
          ),
          countBy(
            "Warnings by service",
            "Lines at level warn per interval, by service.",
            `${services} AND log.level:(warn OR warning)`,
            "service.name",
          ),
          countBy("Volume by level", "All lines per interval, by level.", `${services} AND $query`, "log.level"),
          countBy(
            "nginx 5xx by path",
            "nginx access-log lines with a 5xx status, by path — the requests users saw fail.",
            "event.dataset:nginx.access AND http.response.status_code:[500 TO 599]",
            "url.original",
          ),
        ],
      ],
      ["Lines", [lines]],
    ],
  });
  return d;
};
