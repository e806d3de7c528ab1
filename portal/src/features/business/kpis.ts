// The shop's KPIs over the last day, defined once: the Business page shows all of them against
// a day and a week earlier, the Overview the same figures — the same query, unit and decimals.
import { YUAN_UNIT } from "@opsdeck/contracts/dashboards";
import { fmt, yuanText } from "@/lib/format.ts";

export const KPIS = [
  // A count, whole and with separators: increase() extrapolates (953.6), and "short" wrote 999.6 as "1 K".
  { id: "orders", unit: "locale", decimals: 0, q: (o: string) => `sum(increase(shop_orders_total[1d]${o}))` },
  {
    id: "gmv",
    unit: YUAN_UNIT,
    decimals: 1,
    q: (o: string) => `sum(increase(shop_order_amount_yuan_sum[1d]${o}))`,
  },
  {
    id: "conversion",
    unit: "percentunit",
    decimals: 1,
    q: (o: string) =>
      `sum(increase(shop_orders_total[1d]${o})) / (sum(increase(shop_checkouts_started_total[1d]${o})) > 0)`,
  },
  {
    id: "payment_success",
    unit: "percentunit",
    decimals: 1,
    q: (o: string) =>
      `sum(increase(shop_payments_total{result="success"}[1d]${o})) / (sum(increase(shop_payments_total[1d]${o})) > 0)`,
  },
] as const;

/** The KPIs over time (the Business page's charts, the timeline's KPI lane): rates over short windows, so they move within a day. */
export const KPI_CHARTS = [
  { id: "orders_per_minute", unit: "plain", q: (o: string) => `sum(rate(shop_orders_total[5m]${o})) * 60` },
  { id: "gmv_per_hour", unit: "plain", q: (o: string) => `sum(rate(shop_order_amount_yuan_sum[5m]${o})) * 3600` },
  {
    id: "conversion",
    unit: "ratio",
    q: (o: string) =>
      `sum(increase(shop_orders_total[15m]${o})) / (sum(increase(shop_checkouts_started_total[15m]${o})) > 0)`,
  },
  {
    id: "payment_success",
    unit: "ratio",
    q: (o: string) =>
      `sum(rate(shop_payments_total{result="success"}[5m]${o})) / (sum(rate(shop_payments_total[5m]${o})) > 0)`,
  },
] as const;

export type KpiId = (typeof KPIS)[number]["id"];

export const kpi = (id: KpiId) => KPIS.find((k) => k.id === id)!;

/** A KPI's value as every page writes it; money in the reader's way of writing large amounts. */
export const kpiText = (id: KpiId, value: number | undefined, lang: "zh-CN" | "en") =>
  kpi(id).unit === YUAN_UNIT ? yuanText(value, lang) : fmt(kpi(id).unit, value, kpi(id).decimals);
