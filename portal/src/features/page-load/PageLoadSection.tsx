// Page load, as real users' browsers saw it over the last hour (web-vitals, README "Page load"):
// per site, route template and device class, each vital's p75 rated against its published
// thresholds with the good / needs-improvement / poor shares, and the browser's time to first
// byte beside the server's own p75 for the same route — network time and app time told apart.
import { VITALS, type VitalName } from "@opsdeck/contracts/page-load";
import { fmt, latencyText } from "@/lib/format.ts";
import type { Dict } from "@/lib/i18n.ts";
import type { Reader } from "@/lib/time.ts";
import { promQuery, type PromSample } from "@/lib/sources.ts";
import { SERVER_P75, SHOWN, vitalQueries } from "./queries.ts";

type Rating = "good" | "ni" | "poor";
const RATING_CLASS: Record<Rating, string> = { good: "s-ok", ni: "s-warning", poor: "s-critical" };

const key = (m: Record<string, string>) => `${m.app}\u0000${m.route}\u0000${m.device}`;
const byKey = (samples: PromSample[]) => new Map(samples.map((s) => [key(s.metric), Number(s.value[1])]));

export function rating(name: VitalName, value: number): Rating {
  const { good, poor } = VITALS[name];
  return value <= good ? "good" : value <= poor ? "ni" : "poor";
}

export async function PageLoadSection({ t, reader }: { t: Dict; reader: Reader }) {
  const asked = await Promise.all(
    SHOWN.map(async (name) => {
      const q = vitalQueries(name);
      const [p75, count, good, notPoor] = await Promise.all([q.p75, q.count, q.good, q.notPoor].map(promQuery));
      const data = (r: typeof p75) => byKey(r.ok ? r.data : []);
      return [name, { p75: data(p75), count: data(count), good: data(good), notPoor: data(notPoor) }] as const;
    }),
  );
  const server = await promQuery(SERVER_P75);
  const vitals = Object.fromEntries(asked) as Record<VitalName, (typeof asked)[number][1]>;
  const serverP75 = new Map(
    (server.ok ? server.data : []).map((s) => [`${s.metric.job}\u0000${s.metric.http_route}`, Number(s.value[1])]),
  );
  const rows = [...vitals.LCP.count.keys(), ...vitals.TTFB.count.keys()]
    .filter((k, i, all) => all.indexOf(k) === i)
    .map((k) => {
      const [app, route, device] = k.split("\u0000");
      return { k, app, route, device };
    })
    .sort((a, b) => a.app.localeCompare(b.app) || a.route.localeCompare(b.route) || a.device.localeCompare(b.device));
  const percent = (value: number) => fmt("percentunit", value, 0);
  const cell = (name: VitalName, k: string) => {
    const v = vitals[name];
    const p75 = v.p75.get(k);
    const count = v.count.get(k) ?? 0;
    if (p75 === undefined || Number.isNaN(p75) || count < 0.5) return "–";
    const good = (v.good.get(k) ?? 0) / count;
    const poor = 1 - (v.notPoor.get(k) ?? 0) / count;
    const r = rating(name, p75);
    return (
      <>
        <span className={`pill ${RATING_CLASS[r]}`} data-rating={r}>
          {name === "CLS" ? fmt("none", p75, 2) : latencyText(p75)} · {t[`rating_${r}`]}
        </span>
        <div className="muted" data-shares>
          {t.rating_good} {percent(good)} · {t.rating_ni} {percent(Math.max(0, 1 - good - poor))} · {t.rating_poor}{" "}
          {percent(poor)}
        </div>
      </>
    );
  };
  return (
    <section data-widget="page-load">
      <h2>{t.page_load}</h2>
      <p className="muted">{t.page_load_intro}</p>
      {rows.length === 0 ? (
        <p className="empty">{t.page_load_none}</p>
      ) : (
        <table className="stacked">
          <thead>
            <tr>
              <th>{t.page_load_page}</th>
              {SHOWN.filter((n) => n !== "TTFB").map((n) => (
                <th key={n}>{n} p75</th>
              ))}
              <th>{t.page_load_ttfb}</th>
              <th>{t.page_load_count}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ k, app, route, device }) => (
              <tr key={k} data-page={`${app} ${route} ${device}`}>
                <td className="wide">
                  <b translate="no">{app}</b> <span translate="no">{route}</span>{" "}
                  <span className="muted">{t[`device_${device as "mobile" | "tablet" | "desktop"}`]}</span>
                </td>
                {SHOWN.filter((n) => n !== "TTFB").map((n) => (
                  <td key={n} data-label={`${n} p75`} data-vital={n}>
                    {cell(n, k)}
                  </td>
                ))}
                <td className="num" data-label={t.page_load_ttfb} data-vital="TTFB">
                  {latencyText(vitals.TTFB.p75.get(k))} / {latencyText(serverP75.get(`${app}\u0000${route}`))}
                </td>
                <td className="num" data-label={t.page_load_count}>
                  {Math.round(vitals.TTFB.count.get(k) ?? vitals.LCP.count.get(k) ?? 0).toLocaleString(reader.lang)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
