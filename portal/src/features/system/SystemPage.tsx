// System: per host CPU, memory, disk, network and load over the chosen time range.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { RangePicker } from "@/ui/RangePicker.tsx";
import { TimeSeries, type Series } from "@/ui/TimeSeries.tsx";
import { parseRange, rangeOptions } from "@/lib/format.ts";
import { dict, type Dict } from "@/lib/i18n.ts";
import { dateTime, fitRange } from "@/lib/time.ts";
import { promRange, type PromRange } from "@/lib/sources.ts";
import { HOST_QUERIES, hostMatcher, hostParam } from "@/features/hosts/queries.ts";
import { PageTitle } from "@/features/hosts/PageTitle.tsx";

const CHARTS = [
  { id: "cpu", unit: "ratio" },
  { id: "memory", unit: "ratio" },
  { id: "disk", unit: "ratio" },
  { id: "network", unit: "bytes/s" },
  { id: "load", unit: "plain" },
] as const;

const toSeries = (r: PromRange[], t: Dict): Series[] =>
  r.map((s) => ({
    label: [
      s.metric.host ?? s.metric.instance ?? "",
      s.metric.direction && t[`net_${s.metric.direction as "rx" | "tx"}`],
    ]
      .filter(Boolean)
      .join(" "),
    points: s.values.map(([time, v]) => [time, Number(v)] as [number, number]),
  }));

export default async function System({
  searchParams,
}: {
  searchParams: Promise<{ from?: string; to?: string; host?: string }>;
}) {
  const { t, lang, reader } = await dict();
  const q = await searchParams;
  const range = parseRange(q.from);
  // ?host= keeps to one host (the Hosts page links here so); the URL keeps the filter.
  const host = hostParam(q.host);
  const results = await Promise.all(
    CHARTS.map((c) => promRange(HOST_QUERIES[c.id](hostMatcher(host)), range.start, range.end)),
  );
  const first = Math.min(...results.flatMap((r) => (r.ok ? r.data.map((s) => s.values[0]?.[0] ?? Infinity) : [])));
  const fitted = fitRange([range.start / 1000, range.end / 1000], Number.isFinite(first) ? first : undefined);
  const note = fitted.since ? t.collecting_since.replace("{time}", dateTime(fitted.since * 1000, reader)) : undefined;
  return (
    <main>
      <PageTitle title={t.system} host={host} />
      <GrafanaLink page="/system" from={range.from} t={t} lang={lang} />
      <RangePicker t={t} from={range.from} ranges={rangeOptions(lang)} />
      {note && (
        <p className="muted" data-chart-note>
          {note}
        </p>
      )}
      <div className="grid wide-cells">
        {CHARTS.map((c, i) => {
          const r = results[i];
          const title = t[c.id];
          return r.ok ? (
            <TimeSeries
              key={c.id}
              title={title}
              series={toSeries(r.data, t)}
              unit={c.unit}
              range={fitted.range}
              reader={reader}
              t={t}
            />
          ) : (
            <section className="card" key={c.id}>
              <h2>{title}</h2>
              <p className="error">
                {t.source_error}: {r.error}
              </p>
            </section>
          );
        })}
      </div>
    </main>
  );
}
