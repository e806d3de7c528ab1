// Alerts: what fires (grouped by alert name), acknowledge and silence; the silences in force.
import { AlertActions, ExpireSilence } from "@/components/AlertActions.tsx";
import { currentSession } from "@/lib/auth.ts";
import { dict } from "@/lib/i18n.ts";
import { can } from "@/lib/session.ts";
import { statusText } from "@/lib/status.ts";
import { amAlerts, amSilences, notifications } from "@/lib/sources.ts";

export const dynamic = "force-dynamic";

export default async function Alerts() {
  const { t } = await dict();
  const session = await currentSession();
  const [alerts, silences, history] = await Promise.all([amAlerts(), amSilences(), notifications(20)]);
  const allowed = can(session, "operator");
  const groups = new Map<string, NonNullable<Extract<typeof alerts, { ok: true }>["data"]>>();
  if (alerts.ok)
    for (const a of alerts.data)
      if (a.labels.alertname !== "Watchdog")
        groups.set(a.labels.alertname, [...(groups.get(a.labels.alertname) ?? []), a]);
  return (
    <main>
      <h1>{t.alerts}</h1>
      {!alerts.ok && (
        <p className="error" role="alert">
          {t.source_error}: {alerts.error}
        </p>
      )}
      {alerts.ok && groups.size === 0 && <p className="muted">{t.no_alerts}</p>}
      {[...groups].map(([name, list]) => (
        <section className="card" key={name} data-alertname={name} style={{ marginBottom: 12 }}>
          <h2>
            {name} ({list.length})
          </h2>
          <table>
            <tbody>
              {list.map((a) => (
                <tr key={a.fingerprint}>
                  <td>
                    <span className={`pill s-${a.labels.severity}`}>
                      {t[a.labels.severity as "critical"] ?? a.labels.severity}
                    </span>
                  </td>
                  <td>
                    <div>{a.annotations.summary}</div>
                    <div className="muted">
                      {Object.entries(a.labels)
                        .filter(([k]) => k !== "alertname" && k !== "severity")
                        .map(([k, v]) => `${k}=${v}`)
                        .join(", ")}
                    </div>
                  </td>
                  <td data-state={a.status.state}>{a.status.state === "suppressed" ? `${t.silence} ✓` : ""}</td>
                  <td>{a.status.state === "active" && <AlertActions labels={a.labels} t={t} allowed={allowed} />}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
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
    </main>
  );
}
