// Business KPIs: every business metric configured in opsdeck.yml (exporters.business.metrics),
// each now against a day and a week earlier, and the shop's recorded KPIs when the default shop
// metrics are in use. Generated from the configuration, so a team with its own metrics
// regenerates it (`npm run dashboards -- --config opsdeck.yml`).
import { dashboardFor, YUAN_UNIT } from "@opsdeck/contracts/dashboards";
import type { MetricDef } from "@opsdeck/core/config";
import { opsdeckDashboard, prometheusVariable, statPanel, timeSeries, type Query } from "./panels.ts";

/** Grafana's unit for a business metric's unit. */
const GRAFANA_UNITS: Record<string, string> = {
  yuan: YUAN_UNIT,
  seconds: "s",
  bytes: "bytes",
  ratio: "percentunit",
};
const unitOf = (m: MetricDef) => (m.unit ? (GRAFANA_UNITS[m.unit] ?? "short") : "short");

const COMPARISONS: [offset: string, legend: string][] = [
  ["", "now"],
  [" offset 1d", "a day earlier"],
  [" offset 1w", "a week earlier"],
];
/** The same query now, a day earlier and a week earlier (the offset after every range). */
const compared = (expr: (offset: string) => string, legend = ""): Query[] =>
  COMPARISONS.map(([offset, when]) => [expr(offset), legend ? `${legend} ${when}` : when]);

function metricPanels(m: MetricDef) {
  const unit = unitOf(m);
  const byLabel = m.labels[0]?.name;
  if (m.type === "gauge")
    return [
      timeSeries({
        title: m.name,
        description: m.help,
        unit,
        queries: compared((o) => `sum(${m.name}${o})`),
        span: 12,
      }),
    ];
  const counted = m.type === "histogram" ? `${m.name}_count` : m.name;
  const panels = [
    statPanel({
      title: `${m.name}: last 24 h`,
      description: `${m.help} Counted over the last 24 hours, against the 24 hours before and the same 24 hours a week ago.`,
      unit: "short",
      queries: compared((o) => `sum(increase(${counted}[1d]${o}))`),
      span: 6,
    }),
    timeSeries({
      title: `${m.name}: per hour`,
      description: `${m.help} Hourly rate, against a day and a week earlier.`,
      unit: "short",
      queries: compared((o) => `sum(rate(${counted}[$__rate_interval]${o})) * 3600`),
      span: byLabel ? 9 : 18,
    }),
  ];
  if (byLabel)
    panels.push(
      timeSeries({
        title: `${m.name}: per hour by ${byLabel}`,
        description: `${m.help} Hourly rate by ${byLabel}.`,
        unit: "short",
        stack: true,
        queries: [[`sum by (${byLabel}) (rate(${counted}[$__rate_interval])) * 3600`, `{{${byLabel}}}`]],
        span: 9,
      }),
    );
  if (m.type === "histogram")
    panels.push(
      statPanel({
        title: `${m.name}: total, last 24 h`,
        description: `${m.help} Summed over the last 24 hours, against the 24 hours before and a week earlier.`,
        unit,
        queries: compared((o) => `sum(increase(${m.name}_sum[1d]${o}))`),
        span: 6,
      }),
      timeSeries({
        title: `${m.name}: total per hour`,
        description: `${m.help} Summed per hour, against a day and a week earlier.`,
        unit,
        queries: compared((o) => `sum(rate(${m.name}_sum[$__rate_interval]${o})) * 3600`),
        span: 9,
      }),
      timeSeries({
        title: `${m.name}: p50 / p90`,
        description: `${m.help} Median and 90th percentile over the previous hour.`,
        unit,
        queries: [
          [`histogram_quantile(0.5, sum by (le) (increase(${m.name}_bucket[1h])))`, "p50"],
          [`histogram_quantile(0.9, sum by (le) (increase(${m.name}_bucket[1h])))`, "p90"],
        ],
        span: 9,
      }),
    );
  return panels;
}

/** The default shop's metrics (core/src/config/demo-shop.ts) have recording rules with its KPIs. */
const SHOP_METRICS = [
  "shop_orders_total",
  "shop_checkouts_started_total",
  "shop_payments_total",
  "shop_refunds_total",
  "shop_order_amount_yuan",
];

const shopPanels = () => [
  timeSeries({
    title: "Conversion",
    description: "Orders per checkout started, over the previous hour (shop:conversion:ratio1h).",
    unit: "percentunit",
    min: 0,
    queries: compared((o) => `shop:conversion:ratio1h${o}`),
    span: 12,
  }),
  timeSeries({
    title: "Payment success",
    description:
      "Payment attempts that succeeded, over 5 minutes (shop:payment_success:ratio5m; PaymentSuccessRatioLow under 90%).",
    unit: "percentunit",
    min: 0,
    max: 1,
    queries: compared((o) => `shop:payment_success:ratio5m${o}`),
    span: 12,
  }),
  timeSeries({
    title: "Average order value",
    description: "Order amount per order over the previous hour (shop:average_order_value_yuan:1h).",
    unit: YUAN_UNIT,
    queries: compared((o) => `shop:average_order_value_yuan:1h${o}`),
    span: 12,
  }),
  timeSeries({
    title: "Refunds per order",
    description: "Refunds as a share of orders over the previous day (shop:refund:ratio1d).",
    unit: "percentunit",
    min: 0,
    queries: compared((o) => `shop:refund:ratio1d${o}`),
    span: 12,
  }),
];

export const business = (metrics: MetricDef[]) => {
  const shop = SHOP_METRICS.every((name) => metrics.some((m) => m.name === name));
  return opsdeckDashboard(dashboardFor("/business")!, {
    description:
      "Every configured business metric now, a day earlier and a week earlier (exporters.business.metrics in opsdeck.yml).",
    time: "now-24h",
    variables: [prometheusVariable()],
    sections: [
      ...(shop ? [["Shop KPIs", shopPanels()] as [string, ReturnType<typeof shopPanels>]] : []),
      ...metrics.map((m) => [m.name, metricPanels(m)] as [string, ReturnType<typeof metricPanels>]),
    ],
  });
};
