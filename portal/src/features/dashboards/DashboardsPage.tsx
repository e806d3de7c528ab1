// Dashboards: OpsDeck's provisioned Grafana dashboards (or the ones opsdeck.yml lists) and the
// Kibana views, embedded with the portal's time range passed through; a note on how to enable
// them when neither is configured.
import { GRAFANA_DASHBOARDS } from "@opsdeck/contracts/dashboards";
import { grafanaDashboardUrl, under } from "@/ui/GrafanaLink.tsx";
import { RangePicker } from "@/ui/RangePicker.tsx";
import { config } from "@/lib/config.ts";
import { parseRange, rangeOptions } from "@/lib/format.ts";
import { dict } from "@/lib/i18n.ts";

export default async function Dashboards({ searchParams }: { searchParams: Promise<{ from?: string; to?: string }> }) {
  const { t, lang } = await dict();
  const range = parseRange((await searchParams).from);
  const { grafana, kibana } = config().portal;
  const g = grafana.url;
  const k = kibana.url;
  const dashboards = grafana.dashboards.length
    ? grafana.dashboards
    : GRAFANA_DASHBOARDS.map((d) => ({ title: d.title[lang], uid: d.uid }));
  const frames = [
    ...(g
      ? dashboards.map((d) => ({
          title: d.title,
          src: grafanaDashboardUrl(g, d.uid, range, true),
        }))
      : []),
    ...(k
      ? kibana.views.map((v) => ({
          title: v.title,
          src: `${under(k, v.path)}${v.path.includes("?") ? "&" : "?"}embed=true&_g=(time:(from:${range.from},to:${range.to}))`,
        }))
      : []),
  ];
  return (
    <main>
      <h1>{t.dashboards}</h1>
      {frames.length === 0 ? (
        <p className="card" data-widget="dashboards-off">
          {t.dashboards_off}
        </p>
      ) : (
        <>
          <RangePicker t={t} from={range.from} ranges={rangeOptions(lang)} />
          {frames.map((f) => (
            <section className="card" key={f.src} style={{ marginTop: 12 }}>
              <h2>{f.title}</h2>
              <iframe title={f.title} src={f.src} style={{ width: "100%", height: 480, border: 0 }} />
            </section>
          ))}
        </>
      )}
    </main>
  );
}
