// System: per host CPU, memory, disk, network and load over the chosen time range.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { RangePicker } from "@/ui/RangePicker.tsx";
import { TimeSeries, type Series } from "@/ui/TimeSeries.tsx";
import { parseRange, rangeOptions } from "@/lib/format.ts";
import { dict, type Dict } from "@/lib/i18n.ts";
import { dateTime, fitRange } from "@/lib/time.ts";
import { promRange, type PromRange } from "@/lib/sources.ts";

const CHARTS = [
  { id: "cpu", unit: "ratio", q: '1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m]))' },
  { id: "memory", unit: "ratio", q: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes" },
  {
    id: "disk",
    unit: "ratio",
    q: 'max by (host) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes)',
  },
  // Received and sent apart: a host that only sends (a backup running) reads differently from one that only receives.
  {
    id: "network",
    unit: "bytes/s",
    q: 'label_replace(sum by (host) (rate(node_network_receive_bytes_total{device!~"lo"}[5m])), "direction", "rx", "", "") or label_replace(sum by (host) (rate(node_network_transmit_bytes_total{device!~"lo"}[5m])), "direction", "tx", "", "")',
  },
  { id: "load", unit: "plain", q: "node_load1" },
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

export default async function System({ searchParams }: { searchParams: Promise<{ from?: string; to?: string }> }) {
  const { t, lang, reader } = await dict();
  const q = await searchParams;
  const range = parseRange(q.from);
  const results = await Promise.all(CHARTS.map((c) => promRange(c.q, range.start, range.end)));
  const first = Math.min(...results.flatMap((r) => (r.ok ? r.data.map((s) => s.values[0]?.[0] ?? Infinity) : [])));
  const fitted = fitRange([range.start / 1000, range.end / 1000], Number.isFinite(first) ? first : undefined);
  const note = fitted.since ? t.collecting_since.replace("{time}", dateTime(fitted.since * 1000, reader)) : undefined;
  return (
    <main>
      <h1>{t.system}</h1>
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
