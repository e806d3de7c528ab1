// Rules: the alert rules written in the portal (with their state in Prometheus), the editor with
// its check, backtest and test-fire, and the rules shipped with OpsDeck with their overrides.
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { config } from "@/lib/config.ts";
import { dict } from "@/lib/i18n.ts";
import { notifierChannels } from "@/lib/sources.ts";
import { rulesOverview } from "./overview.ts";
import { RuleList } from "./RuleList.tsx";
import { ShippedRules } from "./ShippedRules.tsx";

export default async function RulesPage() {
  const { t, reader } = await dict();
  const session = await currentSession();
  const [overview, channels] = await Promise.all([rulesOverview(session?.user ?? ""), notifierChannels()]);
  const channelNames = channels.ok ? channels.data.channels.map((c) => c.name) : [];
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
        channels={channelNames}
        maxDays={config().portal.rules.backtest_max_days}
      />
      <details className="card" data-shipped-rules>
        <summary>
          {t.rules_shipped} · {overview.shipped.length.toLocaleString(reader.lang)}
        </summary>
        <p className="muted">{t.rules_shipped_note}</p>
        <ShippedRules
          t={t}
          reader={reader}
          rules={overview.shipped}
          channels={channelNames}
          maxDays={config().portal.rules.backtest_max_days}
        />
      </details>
    </main>
  );
}
