// Alerts: what fires (grouped by alert name), acknowledge and silence; the silences in force.
import { AlertActions, ExpireSilence } from "@/components/AlertActions.tsx";
import { currentSession } from "@/lib/auth.ts";
import { dict } from "@/lib/i18n.ts";
import { can } from "@/lib/session.ts";
import { amAlerts, amSilences } from "@/lib/sources.ts";

export const dynamic = "force-dynamic";

export default async function Alerts() {
  const { t } = await dict();
  const session = await currentSession();
  const [alerts, silences] = await Promise.all([amAlerts(), amSilences()]);
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
    </main>
  );
}
