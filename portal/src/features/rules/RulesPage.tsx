// Rules: the alert rules written in the portal (with their state in Prometheus), the editor with
// its check, backtest and test-fire, and the rules shipped with OpsDeck, read-only.
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { config } from "@/lib/config.ts";
import { dict } from "@/lib/i18n.ts";
import { notifierChannels } from "@/lib/sources.ts";
import { rulesOverview } from "./overview.ts";
import { RuleList } from "./RuleList.tsx";

export default async function RulesPage() {
  const { t, reader } = await dict();
  const session = await currentSession();
  const [overview, channels] = await Promise.all([rulesOverview(session?.user ?? ""), notifierChannels()]);
  return (
    <main>
      <h1>{t.rules_title}</h1>
      <p className="muted">{t.rules_intro}</p>
      {overview.prometheus_error && (
        <p className="error" role="alert" translate="no">
          {overview.prometheus_error}
        </p>
      )}
      <RuleList
        t={t}
        reader={reader}
        rules={overview.rules}
        canWrite={can(session, "operator")}
        channels={channels.ok ? channels.data.channels.map((c) => c.name) : []}
        maxDays={config().portal.rules.backtest_max_days}
      />
      <details className="card" data-shipped-rules>
        <summary>
          {t.rules_shipped} · {overview.shipped.length.toLocaleString(reader.lang)}
        </summary>
        <p className="muted">{t.rules_shipped_note}</p>
        <div className="table-scroll">
          <table>
            <thead>
              <tr>
                <th>{t.rule_alert}</th>
                <th>{t.rule_group}</th>
                <th>{t.state}</th>
              </tr>
            </thead>
            <tbody>
              {overview.shipped.map((r) => (
                <tr key={`${r.group}/${r.alert}`}>
                  <td translate="no">{r.alert}</td>
                  <td translate="no">{r.group}</td>
                  <td>
                    {r.state === "firing"
                      ? t.rule_state_firing.replace("{n}", "")
                      : r.state === "pending"
                        ? t.rule_state_pending.replace("{n}", "")
                        : t.rule_state_inactive}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
    </main>
  );
}
