// Services: the apps' requests as OpsDeck's preload sends them (http.server.request.duration
// over OTLP; `job` is the app, `instance` one PM2 worker) — traffic, server errors, latency
// percentiles and the slowest routes, exceptions by type, and the two objectives' burn rates.
import { dashboardFor } from "@opsdeck/contracts/dashboards";
import { leLabel, VITALS, type VitalName } from "@opsdeck/contracts/page-load";
import { labelVariable, opsdeckDashboard, prometheusVariable, tablePanel, timeSeries } from "./panels.ts";

const METRIC = "http_server_request_duration_seconds";
const s = 'job=~"$service", host_name=~"$host"';
const rate = (suffix: string, extra = "") => `rate(${METRIC}_${suffix}{${s}${extra}}[$__rate_interval])`;
const quantile = (q: number, by: string) => `histogram_quantile(${q}, sum by (${by}, le) (${rate("bucket")}))`;

// Real users' page loads (opsdeck_rum_*): few samples a minute on most sites, so over the last hour.
const vitalP75 = (name: VitalName) =>
  `histogram_quantile(0.75, sum by (app, route, le) (increase(${VITALS[name].metric}_bucket[1h])))`;
const vitalPanel = (name: VitalName, description: string) =>
  timeSeries({
    title: `${name} p75 (last hour)`,
    description: `${description} Good at or below ${VITALS[name].good}${VITALS[name].unit}, poor above ${VITALS[name].poor}${VITALS[name].unit} (web.dev).`,
    unit: VITALS[name].unit === "s" ? "s" : "none",
    queries: [[vitalP75(name), "{{app}} {{route}}"]],
    span: 8,
  });

export const services = () =>
  opsdeckDashboard(dashboardFor("/services")!, {
    description:
      "The apps' requests (OpsDeck's preload, OpenTelemetry): requests/s, server errors, p50 / p95 / p99, the slowest routes, exceptions by type, and the error and latency objectives' burn rates.",
    variables: [
      prometheusVariable(),
      labelVariable("service", "Service", `label_values(${METRIC}_count, job)`, { multi: true }),
      labelVariable("host", "Host", `label_values(${METRIC}_count, host_name)`, { multi: true }),
    ],
    sections: [
      [
        "Traffic and errors",
        [
          timeSeries({
            title: "Requests per second",
            description: "Every worker's requests added up, per app.",
            unit: "reqps",
            queries: [[`sum by (job) (${rate("count")})`, "{{job}}"]],
            span: 8,
          }),
          timeSeries({
            title: "Server errors",
            description: "Share of requests answered with a 5xx (the availability objective: 99.9 % without one).",
            unit: "percentunit",
            queries: [
              [
                `(sum by (job) (${rate("count", ', http_response_status_code=~"5.."')}) or 0 * sum by (job) (${rate("count")})) / sum by (job) (${rate("count")})`,
                "{{job}}",
              ],
            ],
            span: 8,
          }),
          timeSeries({
            title: "Exceptions by type",
            description: "Exceptions the requests raised, once per request and type (opsdeck_app_exceptions_total).",
            unit: "short",
            bars: true,
            queries: [
              [
                'sum by (job, exception_type) (increase(opsdeck_app_exceptions_total{job=~"$service", host_name=~"$host"}[$__rate_interval]))',
                "{{job}} {{exception_type}}",
              ],
            ],
            span: 8,
          }),
        ],
      ],
      [
        "Latency",
        [
          timeSeries({
            title: "p50 / p95 / p99",
            description: "From the histogram's buckets (OpenTelemetry's boundaries), every worker's together.",
            unit: "s",
            queries: [
              [quantile(0.5, "job"), "{{job}} p50"],
              [quantile(0.95, "job"), "{{job}} p95"],
              [quantile(0.99, "job"), "{{job}} p99"],
            ],
            span: 12,
          }),
          tablePanel({
            title: "Slowest routes (p95)",
            description: "Each route template's p95 over the time range, slowest first.",
            unit: "s",
            queries: [
              {
                expr: `topk(10, histogram_quantile(0.95, sum by (job, http_route, le) (increase(${METRIC}_bucket{${s}}[$__range]))))`,
                legend: "{{job}} {{http_route}}",
                instant: true,
              },
            ],
            span: 12,
          }),
        ],
      ],
      [
        "Page load (real users)",
        [
          vitalPanel("LCP", "Largest contentful paint: when the page's main content showed."),
          vitalPanel(
            "INP",
            "Interaction to next paint: how fast the page answered a tap or key (only pages someone used).",
          ),
          vitalPanel("CLS", "Cumulative layout shift: how much the page jumped while loading."),
          timeSeries({
            title: "Good page loads (LCP)",
            description: `Share of the last hour's page loads whose LCP was at most ${VITALS.LCP.good} s.`,
            unit: "percentunit",
            queries: [
              [
                `sum by (app) (increase(${VITALS.LCP.metric}_bucket{le="${leLabel(VITALS.LCP.good)}"}[1h])) / sum by (app) (increase(${VITALS.LCP.metric}_count[1h]))`,
                "{{app}}",
              ],
            ],
            span: 12,
          }),
          timeSeries({
            title: "Time to first byte p75: browser and server",
            description:
              "The browser's wait for the first byte beside the server's own time for the same route: the difference is the network (and the front door).",
            unit: "s",
            queries: [
              [vitalP75("TTFB"), "{{app}} {{route}} browser"],
              [
                `histogram_quantile(0.75, sum by (job, http_route, le) (increase(${METRIC}_bucket{job=~"$service"}[1h])))`,
                "{{job}} {{http_route}} server",
              ],
            ],
            span: 12,
          }),
        ],
      ],
      [
        "Objectives",
        [
          timeSeries({
            title: "Error budget burn rate (1 h)",
            description:
              "How fast the 0.1 % error budget burns: 1 spends it in exactly 30 days; ServiceErrorBudgetBurn pages at 14.4 (1 h and 5 min) or 6 (6 h and 30 min).",
            unit: "none",
            queries: [['service:http_errors:ratio_rate1h{job=~"$service"} / 0.001', "{{job}}"]],
            span: 12,
          }),
          timeSeries({
            title: "Latency budget burn rate (1 h)",
            description:
              "How fast the 1 % budget of requests slower than 0.5 s burns; ServiceLatencyBudgetBurn pages at the same rates.",
            unit: "none",
            queries: [['service:http_slow:ratio_rate1h{job=~"$service"} / 0.01', "{{job}}"]],
            span: 12,
          }),
        ],
      ],
    ],
  });
