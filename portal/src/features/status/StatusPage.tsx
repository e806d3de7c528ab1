// The public status page (/status, no sign-in): the probes opsdeck.yml marks public, by their
// display names only — their state, 90 days of availability, the incidents of the last 14 days
// with the operators' notes, and maintenance planned or under way. Built from publicView(), which
// holds nothing else: no probe names, hosts, addresses or labels ever reach this HTML.
import { currentSession } from "@/features/auth/auth.ts";
import { AvailabilityBar } from "./AvailabilityBar.tsx";
import { fmt } from "@/lib/format.ts";
import { DICTS, dict, type Dict } from "@/lib/i18n.ts";
import { dateTime, durationText, type Reader } from "@/lib/time.ts";
import { statusData } from "./data.ts";
import { INCIDENT_DAYS, publicView, type PublicState } from "./view.ts";

export const STATE_CLASS: Record<PublicState, string> = {
  up: "s-up",
  slow: "s-warning",
  down: "s-down",
  maintenance: "s-maintenance",
  unknown: "s-muted",
};
export const STATE_TEXT: Record<PublicState, keyof Dict> = {
  up: "probe_up",
  slow: "probe_slow",
  down: "probe_down",
  maintenance: "probe_maintenance",
  unknown: "unknown",
};

/** "Shop is down" while it lasts, "Shop was down" once it ended. */
function incidentTitle(incident: { kind: "down" | "slow"; end?: number; displayName: string }, t: Dict) {
  const key = incident.end
    ? incident.kind === "down"
      ? "status_incident_down"
      : "status_incident_slow"
    : incident.kind === "down"
      ? "status_incident_down_now"
      : "status_incident_slow_now";
  // The name is the team's, in whatever language they wrote it: not the page's to translate.
  const [before, after] = t[key].split("{name}");
  return (
    <>
      {before}
      <span translate="no">{incident.displayName}</span>
      {after}
    </>
  );
}

/** The reader's time zone as their language names it ("中国标准时间", "China Standard Time"). */
function zoneName(reader: Reader): string {
  const parts = new Intl.DateTimeFormat(reader.lang, {
    timeZone: reader.timeZone,
    timeZoneName: "long",
  }).formatToParts();
  return parts.find((p) => p.type === "timeZoneName")?.value ?? reader.timeZone;
}

/** The one line at the top: the worst of the states. */
function banner(states: PublicState[], t: Dict): { className: string; text: string } {
  if (states.includes("down")) return { className: "s-down", text: t.status_some_down };
  if (states.includes("slow")) return { className: "s-warning", text: t.status_some_slow };
  if (states.includes("maintenance")) return { className: "s-maintenance", text: t.status_in_maintenance };
  return { className: "s-up", text: t.status_all_up };
}

export default async function StatusPage({ searchParams }: { searchParams: Promise<{ lang?: string }> }) {
  const asked = (await searchParams).lang;
  const base = await dict();
  const lang = asked === "en" || asked === "zh-CN" ? asked : base.lang;
  const t = DICTS[lang];
  const reader: Reader = { lang, timeZone: base.reader.timeZone };
  const view = publicView(await statusData());
  const signedIn = !!(await currentSession());
  const top = banner(
    view.probes.map((p) => p.state),
    t,
  );
  return (
    // ?lang= may differ from the language the layout's <html> was given.
    <main className="status-page" lang={lang}>
      {/* A status page is left open on a wall: it refreshes itself, with no script. */}
      <meta httpEquiv="refresh" content="60" />
      {/* The other language, written in it (signed in, the top bar has the switch). */}
      {!signedIn && (
        <nav className="lang-links" aria-label={lang === "en" ? "Language" : "语言"}>
          {lang === "en" ? (
            <a href="?lang=zh-CN" lang="zh-CN">
              中文
            </a>
          ) : (
            <a href="?lang=en" lang="en">
              English
            </a>
          )}
        </nav>
      )}
      <h1>{t.status_page}</h1>
      <p className={`banner ${top.className}`} data-overall={top.className}>
        {top.text}
      </p>
      {view.partial && <p className="muted">{t.status_partial}</p>}

      {view.windows.length > 0 && (
        <section data-widget="maintenance">
          <h2>{t.status_maintenance}</h2>
          {view.windows.map((w, i) => (
            <div key={i} className="service">
              <div className="service-head">
                <b translate="no">{w.title}</b>
                <span className="pill s-maintenance">
                  {w.state === "active" ? t.maintenance_active : t.maintenance_pending}
                </span>
              </div>
              <div className="muted">
                {dateTime(w.startsAt, reader)} – {dateTime(w.endsAt, reader)} ·{" "}
                <span translate="no">{w.displayNames.join(", ")}</span>
              </div>
            </div>
          ))}
        </section>
      )}

      <section data-widget="services">
        {view.probes.map((p, i) => (
          <div key={i} className="service" data-state={p.state}>
            <div className="service-head">
              <b translate="no">{p.displayName}</b>
              <span>
                <span className="muted">{t.status_uptime.replace("{n}", fmt("percentunit", p.uptime, 2))}</span>{" "}
                <span className={`pill ${STATE_CLASS[p.state]}`}>{t[STATE_TEXT[p.state]]}</span>
              </span>
            </div>
            <AvailabilityBar days={p.days} firstDay={view.firstDay} t={t} reader={reader} />
          </div>
        ))}
      </section>

      <section data-widget="incidents">
        <h2>{t.status_incidents.replace("{n}", String(INCIDENT_DAYS))}</h2>
        {view.incidents.length === 0 ? (
          <p className="empty">{t.status_no_incidents.replace("{n}", String(INCIDENT_DAYS))}</p>
        ) : (
          view.incidents.map((incident, i) => (
            <article key={i} className="service" data-kind={incident.kind}>
              <div className="service-head">
                <b>{incidentTitle(incident, t)}</b>
                <span className={`pill ${incident.end ? "s-muted" : STATE_CLASS[incident.kind]}`}>
                  {incident.end
                    ? t.status_resolved_after.replace(
                        "{d}",
                        durationText((incident.end - incident.start) / 1000, lang, 2),
                      )
                    : t.status_ongoing}
                </span>
              </div>
              <div className="muted">
                {dateTime(incident.start, reader)}
                {incident.end ? ` – ${dateTime(incident.end, reader)}` : ""}
              </div>
              {incident.notes.map((n, j) => (
                <p key={j} data-note>
                  <span className="muted">{dateTime(n.at, reader)}</span> <span translate="no">{n.text}</span>
                </p>
              ))}
            </article>
          ))
        )}
      </section>
      <p className="muted">
        {t.status_updated.replace("{time}", dateTime(view.at, reader)).replace("{zone}", zoneName(reader))}
      </p>
    </main>
  );
}
