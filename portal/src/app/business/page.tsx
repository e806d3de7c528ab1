// Business: today's KPIs with the change against yesterday and the same day last week.
import { fmt } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { promNumber } from "@/lib/sources.ts";

export const dynamic = "force-dynamic";

const KPIS = [
  { id: "orders", unit: "short", decimals: 0, q: (o: string) => `sum(increase(shop_orders_total[1d]${o}))` },
  {
    id: "gmv",
    unit: "currencyCNY",
    decimals: 0,
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

function change(now?: number, then?: number): { text: string; cls: string } {
  if (now === undefined || then === undefined || then === 0) return { text: "–", cls: "muted" };
  const r = (now - then) / then;
  return { text: `${r >= 0 ? "+" : ""}${(r * 100).toFixed(1)}%`, cls: r >= 0 ? "change-up" : "change-down" };
}

export default async function Business() {
  const { t } = await dict();
  const values = await Promise.all(
    KPIS.map((k) => Promise.all(["", " offset 1d", " offset 1w"].map((o) => promNumber(k.q(o))))),
  );
  return (
    <main>
      <h1>{t.business}</h1>
      <div className="grid">
        {KPIS.map((k, i) => {
          const [now, yesterday, lastWeek] = values[i];
          const title = t[k.id];
          if (!now.ok)
            return (
              <section className="card" key={k.id}>
                <h2>{title}</h2>
                <p className="error">
                  {t.source_error}: {now.error}
                </p>
              </section>
            );
          const v = now.data;
          const y = change(v, yesterday.ok ? yesterday.data : undefined);
          const w = change(v, lastWeek.ok ? lastWeek.data : undefined);
          return (
            <section className="card" key={k.id} data-kpi={k.id}>
              <h2>{title}</h2>
              <div className="big">{fmt(k.unit, v, k.decimals)}</div>
              <div>
                {t.vs_yesterday} <span className={y.cls}>{y.text}</span> · {t.vs_last_week}{" "}
                <span className={w.cls}>{w.text}</span>
              </div>
            </section>
          );
        })}
      </div>
    </main>
  );
}
