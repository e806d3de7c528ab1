// Alerts: what fires, grouped as Alertmanager groups it, with filters; acknowledge and silence;
// the silences in force; notification history with each channel's delivery state; Prometheus'
// alerting rules and their state.
import { AlertActions, ExpireSilence } from "@/features/alerts/AlertActions.tsx";
import { NoChannelNotice } from "@/features/alerts/NoChannelNotice.tsx";
import { currentSession } from "@/features/auth/auth.ts";
import { config } from "@/lib/config.ts";
import { durationText } from "@/lib/format.ts";
import { dict, type Dict, type Lang } from "@/lib/i18n.ts";
import { parseMatchers } from "@/features/alerts/matchers.ts";
import { can } from "@/features/auth/session.ts";
import { statusText } from "@/lib/status.ts";
import { amGroups, amSilences, notifications, promRules, type AmGroup, type PromRule } from "@/lib/sources.ts";

const SEVERITIES = ["critical", "warning", "info"] as const;
const one = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v) ?? "";

export default async function Alerts({ searchParams }: { searchParams: Promise<Record<string, string | string[]>> }) {
  const { t, lang } = await dict();
  const q = await searchParams;
  const severity = SEVERITIES.find((s) => s === one(q.severity));
  const text = one(q.matchers).slice(0, 2000);
  const parsed = parseMatchers(text);
  const hideSilenced = one(q.hide_silenced) === "1";
  const matchers = [...(parsed.ok ? parsed.matchers : []), ...(severity ? [`severity="${severity}"`] : [])];
  const session = await currentSession();
  const [groups, silences, history, rules] = await Promise.all([
    amGroups(matchers, !hideSilenced),
    amSilences(),
    notifications(20),
    promRules(),
  ]);
  const allowed = can(session, "operator");
  const ackMinutes = config().portal.acks.minutes;
  // The Watchdog always fires (it is the dead-man's switch); it is not news here.
  const shown = groups.ok
    ? groups.data
        .map((g) => ({ ...g, alerts: g.alerts.filter((a) => a.labels.alertname !== "Watchdog") }))
        .filter((g) => g.alerts.length)
    : [];
  return (
    <main>
      <NoChannelNotice />
      <h1>{t.alerts}</h1>
      <form className="row-actions filters" method="get" action="/alerts">
        <label>
          {t.severity}{" "}
          <select name="severity" defaultValue={severity ?? ""}>
            <option value="">{t.all}</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {t[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t.matchers}{" "}
          <input name="matchers" defaultValue={text} placeholder='team="business", app=~"shop.*"' size={36} />
        </label>
        <label>
          <input type="checkbox" name="hide_silenced" value="1" defaultChecked={hideSilenced} /> {t.hide_silenced}
        </label>
        <button type="submit">{t.apply}</button>
        {!parsed.ok && (
          <span className="error" role="alert">
            {t.bad_filter}: {parsed.error}
          </span>
        )}
      </form>
      {!groups.ok && (
        <p className="error" role="alert">
          {t.source_error}: {groups.error}
        </p>
      )}
      {groups.ok && shown.length === 0 && <p className="muted">{t.no_alerts}</p>}
      {shown.map((g) => (
        <AlertGroup key={groupKey(g)} g={g} t={t} allowed={allowed} ackMinutes={ackMinutes} />
      ))}

      <h2>{t.silences}</h2>
      {silences.ok ? (
        <table>
          <tbody>
            {silences.data
              .filter((s) => s.status.state === "active")
              .map((s) => (
                <tr key={s.id} data-silence={s.id}>
                  <td>{s.matchers.map((m) => `${m.name}${m.isRegex ? "=~" : "="}"${m.value}"`).join(", ")}</td>
                  <td>{s.comment}</td>
                  <td>
                    {t.created_by} {s.createdBy}
                  </td>
                  <td>
                    {t.ends} {new Date(s.endsAt).toLocaleString()}
                  </td>
                  <td>{allowed && <ExpireSilence id={s.id} t={t} />}</td>
                </tr>
              ))}
          </tbody>
        </table>
      ) : (
        <p className="error">
          {t.source_error}: {silences.error}
        </p>
      )}

      <h2>{t.notifications}</h2>
      {history.ok ? (
        <table data-widget="notifications">
          <thead>
            <tr>
              <th>{t.time}</th>
              <th>{t.alerts}</th>
              <th>{t.status}</th>
              <th>{t.channel_states}</th>
            </tr>
          </thead>
          <tbody>
            {history.data.notifications.map((n) => (
              <tr key={n.id} data-notification={n.id}>
                <td>{new Date(n.received_at).toLocaleString()}</td>
                <td>
                  {n.alertname}
                  {n.alerts > 1 ? ` ×${n.alerts}` : ""}
                </td>
                <td>{statusText(t, n.status)}</td>
                <td>
                  <div className="steps">
                    {Object.entries(n.deliveries).map(([c, d]) => (
                      <span
                        key={c}
                        className={`pill s-${d.state === "delivered" ? "succeeded" : d.state === "dead" ? "failed" : "pending"}`}
                        title={d.last_error ? `${d.last_error.code}: ${d.last_error.message}` : undefined}
                      >
                        {c} {statusText(t, d.state)}
                      </span>
                    ))}
                  </div>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p className="error">
          {t.source_error}: {history.error}
        </p>
      )}

      <h2>{t.rules}</h2>
      {rules.ok ? (
        rules.data.map((g) => <RuleGroup key={`${g.file}/${g.name}`} name={g.name} rules={g.rules} t={t} lang={lang} />)
      ) : (
        <p className="error">
          {t.source_error}: {rules.error}
        </p>
      )}
    </main>
  );
}

/** The logs around an alert: from 15 minutes before it started, its app / project and host. */
function logsLink(a: AmGroup["alerts"][number]) {
  const p = new URLSearchParams({ from: new Date(Date.parse(a.startsAt) - 15 * 60_000).toISOString(), to: "now" });
  const service = a.labels.app ?? a.labels.project ?? a.labels.service;
  if (service) p.append("service", service);
  if (a.labels.host) p.append("host", a.labels.host);
  return `/logs?${p}`;
}

const groupKey = (g: AmGroup) => `${g.receiver.name}/${JSON.stringify(g.labels)}`;

function AlertGroup({ g, t, allowed, ackMinutes }: { g: AmGroup; t: Dict; allowed: boolean; ackMinutes: number }) {
  return (
    <section className="card" data-group={groupKey(g)} style={{ marginBottom: 12 }}>
      <h2>
        {Object.values(g.labels).join(" · ") || "—"} ({g.alerts.length}){" "}
        <span className="muted">→ {g.receiver.name}</span>
      </h2>
      <table>
        <tbody>
          {g.alerts.map((a) => (
            <tr key={a.fingerprint} data-alertname={a.labels.alertname}>
              <td>
                <span className={`pill s-${a.labels.severity}`}>
                  {t[a.labels.severity as "critical"] ?? a.labels.severity}
                </span>
              </td>
              <td>
                <div>
                  <b>{a.labels.alertname}</b> {a.annotations.summary}
                </div>
                <div className="muted">
                  {Object.entries(a.labels)
                    .filter(([k]) => k !== "alertname" && k !== "severity")
                    .map(([k, v]) => `${k}=${v}`)
                    .join(", ")}
                </div>
              </td>
              <td>
                {new Date(a.startsAt).toLocaleString()}
                <div>
                  <a href={logsLink(a)}>{t.logs_link} →</a>
                </div>
              </td>
              <td data-state={a.status.state}>
                {a.status.silencedBy.length ? `${t.silence} ✓` : a.status.inhibitedBy.length ? t.inhibited : ""}
              </td>
              <td>
                {a.status.state === "active" && (
                  <AlertActions labels={a.labels} t={t} allowed={allowed} ackMinutes={ackMinutes} />
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function RuleGroup({ name, rules, t, lang }: { name: string; rules: PromRule[]; t: Dict; lang: Lang }) {
  const alerting = rules.filter((r) => r.type === "alerting");
  const count = (s: string) => alerting.filter((r) => r.state === s).length;
  const unhealthy = rules.filter((r) => r.health !== "ok");
  return (
    <details className="card" data-rule-group={name} open={count("firing") + count("pending") + unhealthy.length > 0}>
      <summary>
        <b>{name}</b> <span className="muted">{t.rules_summary.replace("{n}", String(rules.length))}</span>{" "}
        {count("firing") > 0 && <span className="pill s-critical">{`${t.st_firing} ${count("firing")}`}</span>}{" "}
        {count("pending") > 0 && <span className="pill s-warning">{`${t.st_pending} ${count("pending")}`}</span>}{" "}
        {unhealthy.length > 0 && <span className="pill s-failed">{`${t.unhealthy} ${unhealthy.length}`}</span>}
      </summary>
      {alerting.length > 0 && (
        <table>
          <thead>
            <tr>
              <th>{t.rule}</th>
              <th>{t.state}</th>
              <th>{t.severity}</th>
              <th>{t.for}</th>
              <th>{t.expression}</th>
              <th>{t.last_evaluation}</th>
            </tr>
          </thead>
          <tbody>
            {alerting.map((r) => (
              <tr key={r.name} data-rule={r.name} data-rule-state={r.state}>
                <td>{r.name}</td>
                <td>
                  <span
                    className={`pill s-${r.state === "firing" ? "critical" : r.state === "pending" ? "warning" : "ok"}`}
                  >
                    {statusText(t, r.state ?? "inactive")}
                  </span>
                  {r.health !== "ok" && <div className="error">{r.lastError ?? r.health}</div>}
                </td>
                <td>{r.labels?.severity}</td>
                <td>{r.duration ? durationText(r.duration, lang) : ""}</td>
                <td>
                  <code className="expr">{r.query}</code>
                </td>
                <td>{new Date(r.lastEvaluation).toLocaleTimeString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {rules.length > alerting.length && (
        <p className="muted">{t.recording_rules.replace("{n}", String(rules.length - alerting.length))}</p>
      )}
    </details>
  );
}
