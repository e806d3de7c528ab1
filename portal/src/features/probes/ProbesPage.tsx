// Probes: every probe (opsdeck.yml's and those added here) with its state (up, slow, down) and why it failed, its
// latency against its own threshold, its certificate's days left and its availability — from
// blackbox_exporter's series in Prometheus, one query per series for every probe at once. Below
// them, what the public status page says: maintenance windows and the last 14 days' incidents,
// where operators schedule the one and write public notes on the other.
import { GrafanaLink } from "@/ui/GrafanaLink.tsx";
import { can } from "@/features/auth/session.ts";
import { currentSession } from "@/features/auth/auth.ts";
import { EndMaintenance, MaintenanceForm, RecurringForm } from "@/features/maintenance/MaintenanceForm.tsx";
import { RecurringList } from "@/features/maintenance/RecurringList.tsx";
import { recurringWindows } from "@/features/maintenance/recurring-store.ts";
import { AvailabilityBar } from "@/features/status/AvailabilityBar.tsx";
import { statusData } from "@/features/status/data.ts";
import { INCIDENT_DAYS } from "@/features/status/view.ts";
import { NoteForm, RemoveNote } from "@/features/status/NoteForm.tsx";
import { STATE_CLASS as PUBLIC_STATE_CLASS } from "@/features/status/StatusPage.tsx";
import { dateTime, durationText } from "@/lib/time.ts";
import { fmt, latencyText } from "@/lib/format.ts";
import { dict, type Dict } from "@/lib/i18n.ts";
import { promQuery, type PromSample } from "@/lib/sources.ts";
import { ProbeEditor } from "./ProbeEditor.tsx";
import { portalProbes } from "./probe-list.ts";
import { probeState, type FailureReason, type ProbeState, type ProbeValues } from "./state.ts";
import { SourceErrorPage } from "@/ui/SourceErrorPage.tsx";

const STATE_CLASS: Record<ProbeState, string> = { up: "s-up", slow: "s-warning", down: "s-down", unknown: "s-muted" };
const STATE_TEXT: Record<ProbeState, keyof Dict> = {
  up: "probe_up",
  slow: "probe_slow",
  down: "probe_down",
  unknown: "unknown",
};

/** Why it failed, in the reader's language. */
function reasonText(reason: FailureReason, t: Dict): string {
  if (reason.code === "status") return t.probe_reason_status.replace("{n}", String(reason.status));
  return t[`probe_reason_${reason.code}`];
}

/** One series per probe and vantage point: keyed by both. */
const key = (m: Record<string, string>) => `${m.probe}\u0000${m.host ?? ""}`;

export default async function ProbesPage() {
  const { t, lang, reader } = await dict();
  const session = await currentSession();
  const operator = can(session, "operator");
  const queries = {
    success: "probe_success",
    duration: "probe_duration_seconds",
    p95: "quantile_over_time(0.95, probe_duration_seconds[5m])",
    httpStatus: "probe_http_status_code",
    failedDueToRegex: "probe_failed_due_to_regex",
    failedDueToCel: "probe_failed_due_to_cel",
    ipProtocol: "probe_ip_protocol",
    // A page that redirects has two certificates (its address's and its last hop's): the first to expire.
    certExpiry: "min by (probe, host) (probe_ssl_last_chain_expiry_timestamp_seconds)",
    dnsQuerySucceeded: "probe_dns_query_succeeded",
    day: "avg_over_time(probe_success[1d])",
    month: "avg_over_time(probe:success:avg5m[30d])",
  } as const;
  const names = Object.keys(queries) as (keyof typeof queries)[];
  const [answers, thresholds, status] = await Promise.all([
    Promise.all(names.map((n) => promQuery(queries[n]))),
    promQuery("max by (probe) (opsdeck_probe_slow_seconds)"),
    statusData(),
  ]);
  const facts = new Map(status.probes.map((p) => [p.name, p]));
  // The portal's own probes: their names for everyone, their definitions (headers and all) for operators.
  let added: ReturnType<typeof portalProbes> = [];
  let addedError: string | undefined;
  try {
    added = portalProbes();
  } catch (err) {
    addedError = (err as Error).message; // a hand edit gone wrong: said, and the rest of the page works
  }
  const addedNames = new Set(added.map((p) => p.name));
  const success = answers[0];
  if (!success.ok) return <SourceErrorPage title={t.probes} error={success.error} t={t} />;
  const values = Object.fromEntries(
    names.map((n, i) => {
      const r = answers[i];
      return [n, new Map((r.ok ? r.data : ([] as PromSample[])).map((s) => [key(s.metric), Number(s.value[1])]))];
    }),
  ) as Record<keyof typeof queries, Map<string, number>>;
  const slow = new Map((thresholds.ok ? thresholds.data : []).map((s) => [s.metric.probe, Number(s.value[1])]));
  const now = Date.now();
  const rows = success.data
    .map((s) => s.metric)
    .sort((a, b) => (a.probe ?? "").localeCompare(b.probe ?? "") || (a.host ?? "").localeCompare(b.host ?? ""))
    .map((m) => {
      const k = key(m);
      const v: ProbeValues = {
        type: m.probe_type ?? "",
        slowSeconds: slow.get(m.probe),
        ...Object.fromEntries(names.map((n) => [n, values[n].get(k)])),
      };
      return { m, v, ...probeState(v, now) };
    });
  return (
    <main>
      <h1>{t.probes}</h1>
      <GrafanaLink page="/probes" from="now-24h" t={t} lang={lang} />
      <p className="muted">
        {t.probes_intro} <a href="/status">{t.status_public_link}</a>
      </p>
      {rows.length === 0 ? (
        <p className="empty">{t.probes_none}</p>
      ) : (
        <table className="stacked" data-widget="probes">
          <thead>
            <tr>
              <th>{t.probe}</th>
              <th>{t.state}</th>
              <th>{t.probe_latency}</th>
              <th>{t.probe_certificate}</th>
              <th>{t.probe_availability}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map(({ m, v, state, reason }) => {
              const daysLeft = v.certExpiry !== undefined ? (v.certExpiry * 1000 - now) / 86_400_000 : undefined;
              return (
                <tr key={key(m)} data-probe={m.probe} data-state={state}>
                  <td className="wide" translate="no">
                    <b>{m.probe}</b> <span className="muted">{m.probe_type}</span>
                    {addedNames.has(m.probe) && (
                      <>
                        {" "}
                        <span className="pill s-muted">{t.probe_added_pill}</span>
                      </>
                    )}
                    {facts.get(m.probe)?.public && (
                      <>
                        {" "}
                        <span className="pill s-muted">{t.status_public}</span>
                      </>
                    )}
                    {facts.get(m.probe)?.displayName !== m.probe && <div>{facts.get(m.probe)?.displayName}</div>}
                    <div className="muted break">{m.instance}</div>
                  </td>
                  <td>
                    <span className={`pill ${STATE_CLASS[state]}`}>{t[STATE_TEXT[state]]}</span>
                    {reason && (
                      <div className="error" data-reason={reason.code}>
                        {reasonText(reason, t)}
                      </div>
                    )}
                    {m.host && (
                      <div className="muted">
                        {t.probe_from} <span translate="no">{m.host}</span>
                      </div>
                    )}
                  </td>
                  <td className="num" data-label={t.probe_latency}>
                    {latencyText(v.p95)}
                    {v.slowSeconds !== undefined && <span className="muted"> / {latencyText(v.slowSeconds)}</span>}
                  </td>
                  <td className="num" data-label={t.probe_certificate}>
                    {daysLeft === undefined
                      ? "–"
                      : t.days_left.replace("{n}", Math.floor(daysLeft).toLocaleString(lang))}
                  </td>
                  <td className="num wide availability-cell" data-label={t.probe_availability}>
                    {fmt("percentunit", values.day.get(key(m)), 2)}
                    <span className="muted">
                      {" "}
                      {t.probe_day} · {fmt("percentunit", values.month.get(key(m)), 2)} {t.probe_month}
                    </span>
                    {facts.has(m.probe) && (
                      <AvailabilityBar
                        days={facts.get(m.probe)!.days}
                        firstDay={status.firstDay}
                        t={t}
                        reader={reader}
                      />
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {addedError ? (
        <p className="error" role="alert" translate="no">
          {addedError}
        </p>
      ) : operator ? (
        <ProbeEditor t={t} probes={added} />
      ) : (
        <p className="muted">{t.viewer_cannot_probes}</p>
      )}

      <h2>{t.maintenance}</h2>
      <p className="muted">{t.maintenance_intro}</p>
      {status.windows.length === 0 ? (
        <p className="empty">{t.maintenance_none}</p>
      ) : (
        <table className="stacked" data-widget="maintenance">
          <tbody>
            {status.windows.map((w) => (
              <tr key={w.id} data-window={w.id}>
                <td className="wide">
                  <b translate="no">{w.title}</b>{" "}
                  <span className="pill s-maintenance">
                    {w.state === "active" ? t.maintenance_active : t.maintenance_pending}
                  </span>
                  <div className="muted" translate="no">
                    {Object.entries(w.scope)
                      .map(([k, v]) => `${k}="${v}"`)
                      .join(", ")}
                  </div>
                </td>
                <td>
                  {dateTime(w.startsAt, reader)} – {dateTime(w.endsAt, reader)}
                  <div className="muted">{t.maintenance_by.replace("{user}", w.createdBy)}</div>
                </td>
                <td>{operator && <EndMaintenance id={w.id} t={t} />}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {operator && <MaintenanceForm t={t} probes={status.probes.map((p) => p.name)} />}
      <h3>{t.maintenance_recurring_intro}</h3>
      <RecurringList t={t} windows={recurringWindows()} removable={operator} />
      {operator && <RecurringForm t={t} />}

      <h2>{t.status_incidents.replace("{n}", String(INCIDENT_DAYS))}</h2>
      {status.incidents.length === 0 ? (
        <p className="empty">{t.status_no_incidents.replace("{n}", String(INCIDENT_DAYS))}</p>
      ) : (
        <table className="stacked" data-widget="incidents">
          <tbody>
            {status.incidents.map((incident) => (
              <tr key={`${incident.probe}-${incident.kind}-${incident.start}`} data-incident={incident.probe}>
                <td className="wide">
                  <b translate="no">{incident.probe}</b>{" "}
                  <span className={`pill ${incident.end ? "s-muted" : PUBLIC_STATE_CLASS[incident.kind]}`}>
                    {incident.kind === "down" ? t.probe_down : t.probe_slow}
                  </span>
                  <div className="muted">
                    {dateTime(incident.start, reader)}
                    {incident.end
                      ? ` – ${dateTime(incident.end, reader)} · ${durationText((incident.end - incident.start) / 1000, lang, 2)}`
                      : ` · ${t.status_ongoing}`}
                  </div>
                  {incident.notes.map((n) => (
                    <div key={n.id} data-note>
                      <span className="muted">
                        {dateTime(n.at, reader)} · {n.by}
                      </span>{" "}
                      <span translate="no">{n.text}</span> {operator && <RemoveNote id={n.id} t={t} />}
                    </div>
                  ))}
                  {operator && facts.get(incident.probe)?.public && (
                    <NoteForm t={t} probe={incident.probe} incidentStart={incident.start} />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </main>
  );
}
