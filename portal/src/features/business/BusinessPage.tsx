// Business: today's KPIs with the change against yesterday and the same day last week, and
// their charts over the chosen range beside the same hours a day earlier.
import { KPI_CHARTS, KPIS, kpiText } from "@/features/business/kpis.ts";
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { RangePicker } from "@/ui/RangePicker.tsx";
import { TimeSeries } from "@/ui/TimeSeries.tsx";
import { parseRange, rangeOptions } from "@/lib/format.ts";
import { dict, type Lang } from "@/lib/i18n.ts";
import { dateTime, fitRange } from "@/lib/time.ts";
import { promNumber, promRange } from "@/lib/sources.ts";

function change(lang: Lang, now?: number, then?: number): { text: string; cls: string } {
  if (now === undefined || then === undefined || then === 0) return { text: "–", cls: "muted" };
  const r = (now - then) / then;
  const text = r.toLocaleString(lang, { style: "percent", maximumFractionDigits: 1, signDisplay: "exceptZero" });
  return { text, cls: r >= 0 ? "change-up" : "change-down" };
}

export default async function Business({ searchParams }: { searchParams: Promise<{ from?: string; to?: string }> }) {
  const { t, lang, reader } = await dict();
  const q = await searchParams;
  const range = parseRange(q.from, "now-24h");
  const [values, charts] = await Promise.all([
    Promise.all(KPIS.map((k) => Promise.all(["", " offset 1d", " offset 1w"].map((o) => promNumber(k.q(o)))))),
    Promise.all(
      KPI_CHARTS.map((c) => Promise.all(["", " offset 1d"].map((o) => promRange(c.q(o), range.start, range.end)))),
    ),
  ]);
  // As System does: a stack younger than the range is drawn from its first sample, and says so.
  const first = Math.min(
    ...charts.flatMap(([now]) => (now.ok ? now.data.map((s) => s.values[0]?.[0] ?? Infinity) : [])),
  );
  const fitted = fitRange([range.start / 1000, range.end / 1000], Number.isFinite(first) ? first : undefined);
  return (
    <main>
      <h1>{t.business}</h1>
      <GrafanaLink page="/business" from={range.from} t={t} lang={lang} />
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
          const y = change(lang, v, yesterday.ok ? yesterday.data : undefined);
          const w = change(lang, v, lastWeek.ok ? lastWeek.data : undefined);
          return (
            <section className="card" key={k.id} data-kpi={k.id}>
              <h2>{title}</h2>
              <div className="big">{kpiText(k.id, v, lang)}</div>
              <div>
                {t.vs_yesterday} <span className={y.cls}>{y.text}</span> · {t.vs_last_week}{" "}
                <span className={w.cls}>{w.text}</span>
              </div>
            </section>
          );
        })}
      </div>
      <h2>{t.trends}</h2>
      <RangePicker t={t} from={range.from} ranges={rangeOptions(lang)} />
      {fitted.since && (
        <p className="muted" data-chart-note>
          {t.collecting_since.replace("{time}", dateTime(fitted.since * 1000, reader))}
        </p>
      )}
      <div className="grid wide-cells">
        {KPI_CHARTS.map((c, i) => {
          const [now, dayAgo] = charts[i];
          if (!now.ok)
            return (
              <section className="card" key={c.id}>
                <h2>{t[c.id]}</h2>
                <p className="error">
                  {t.source_error}: {now.error}
                </p>
              </section>
            );
          const series = [
            { label: t.this_period, r: now },
            { label: t.day_before, r: dayAgo },
          ].map(({ label, r }) => ({
            label,
            points: r.ok ? (r.data[0]?.values ?? []).map(([ts, v]) => [ts, Number(v)] as [number, number]) : [],
          }));
          return (
            <TimeSeries
              key={c.id}
              title={t[c.id]}
              unit={c.unit}
              series={series}
              range={fitted.range}
              reader={reader}
              t={t}
            />
          );
        })}
      </div>
    </main>
  );
}
