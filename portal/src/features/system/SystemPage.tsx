// System: per host CPU, memory, disk, network and load over the chosen time range.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { RangePicker } from "@/ui/RangePicker.tsx";
import { TimeSeries, type Series } from "@/ui/TimeSeries.tsx";
import { parseRange, rangeOptions } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";
import { promRange, type PromRange } from "@/lib/sources.ts";

const CHARTS = [
  { id: "cpu", unit: "ratio", q: '1 - avg by (host) (rate(node_cpu_seconds_total{mode="idle"}[5m]))' },
  { id: "memory", unit: "ratio", q: "1 - node_memory_MemAvailable_bytes / node_memory_MemTotal_bytes" },
  {
    id: "disk",
    unit: "ratio",
    q: 'max by (host) (1 - node_filesystem_avail_bytes{fstype!~"tmpfs|overlay|squashfs"} / node_filesystem_size_bytes)',
  },
  {
    id: "network",
    unit: "bytes",
    q: 'sum by (host) (rate(node_network_receive_bytes_total{device!~"lo"}[5m]) + rate(node_network_transmit_bytes_total{device!~"lo"}[5m]))',
  },
  { id: "load", unit: "plain", q: "node_load1" },
] as const;

const toSeries = (r: PromRange[]): Series[] =>
  r.map((s) => ({
    label: s.metric.host ?? s.metric.instance ?? "",
    points: s.values.map(([t, v]) => [t, Number(v)] as [number, number]),
  }));

export default async function System({ searchParams }: { searchParams: Promise<{ from?: string; to?: string }> }) {
  const { t, lang } = await dict();
  const q = await searchParams;
  const range = parseRange(q.from);
  const results = await Promise.all(CHARTS.map((c) => promRange(c.q, range.start, range.end)));
  return (
    <main>
      <h1>{t.system}</h1>
      <GrafanaLink page="/system" from={range.from} t={t} lang={lang} />
      <RangePicker t={t} from={range.from} ranges={rangeOptions(lang)} />
      <div className="grid" style={{ gridTemplateColumns: "repeat(auto-fill, minmax(420px, 1fr))" }}>
        {CHARTS.map((c, i) => {
          const r = results[i];
          const title = t[c.id];
          return r.ok ? (
            <TimeSeries
              key={c.id}
              title={title}
              series={toSeries(r.data)}
              unit={c.unit}
              range={[range.start / 1000, range.end / 1000]}
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
