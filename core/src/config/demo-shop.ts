// The demo shop's KPIs (demo/shop.cjs sends them): the business metrics used when opsdeck.yml
// defines none, so a fresh stack has something to chart and alert on.
import { probeSchema, type Probe } from "./probes.ts";

const DEFAULT_MONEY_BUCKETS = [10, 50, 100, 200, 500, 1000, 2000, 5000, 10000];
const channel = { name: "channel", values: ["web", "app", "miniprogram", "other"] };

/** An online shop's KPIs; used when opsdeck.yml defines no business metrics. */
export const DEFAULT_BUSINESS_METRICS = [
  { name: "shop_orders_total", type: "counter", help: "Orders placed.", labels: [channel] },
  {
    name: "shop_payments_total",
    type: "counter",
    help: "Payment attempts by method and result.",
    labels: [
      { name: "method", values: ["alipay", "wechat", "card", "other"] },
      { name: "result", values: ["success", "failure"] },
    ],
  },
  { name: "shop_signups_total", type: "counter", help: "New accounts.", labels: [channel] },
  { name: "shop_checkouts_started_total", type: "counter", help: "Checkouts started.", labels: [channel] },
  { name: "shop_refunds_total", type: "counter", help: "Refunds issued.", labels: [] },
  {
    name: "shop_order_amount_yuan",
    type: "histogram",
    help: "Order amount in yuan.",
    unit: "yuan",
    labels: [channel],
    buckets: DEFAULT_MONEY_BUCKETS,
  },
] as const;

/**
 * The demo's probe, when opsdeck.yml defines none: OpsDeck's own front door, asked for its
 * sign-in page as a user's browser would, so a fresh stack's Probes have something real.
 */
/** The demo shop's pages, as a site whose browsers send their page-load timings (rum.apps). */
export const DEMO_SHOP_RUM_APP = { name: "demo-shop", routes: ["/", "/products/:id"] };

export function demoProbes(frontDoorUrl: string): Probe[] {
  return [
    probeSchema.parse({
      name: "opsdeck-front-door",
      display_name: "OpsDeck",
      type: "http",
      target: `${frontDoorUrl}/signin`,
      http: { status: [200], keyword: "OpsDeck" },
      slow_ms: 1000,
      labels: { project: "opsdeck" },
    }),
  ];
}
