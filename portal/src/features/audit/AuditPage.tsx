// The audit trail: every change made through the portal, newest first, filtered by user, action
// and target, each with its before / after diff. Operators and admins read it.
import { currentSession } from "@/features/auth/auth.ts";
import { can } from "@/features/auth/session.ts";
import { dict } from "@/lib/i18n.ts";
import { dateTime } from "@/lib/time.ts";
import { auditEntries, auditQuerySchema } from "./trail.ts";

export default async function AuditPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[]>>;
}) {
  const { t, reader } = await dict();
  const session = await currentSession();
  const params = await searchParams;
  const one = (k: string) => (typeof params[k] === "string" && params[k] ? (params[k] as string) : undefined);
  const query = auditQuerySchema.safeParse({
    user: one("user"),
    action: one("action"),
    target: one("target"),
    before: one("before"),
  });
  const page = can(session, "operator") && query.success ? auditEntries(query.data) : { entries: [] };
  return (
    <main>
      <h1>{t.audit}</h1>
      <p className="muted">{t.audit_intro}</p>
      <form className="form-row" method="get" data-audit-filter>
        <label>
          {t.audit_user}
          <input name="user" defaultValue={one("user")} translate="no" />
        </label>
        <label>
          {t.audit_action}
          <input name="action" defaultValue={one("action")} translate="no" placeholder="rule" />
        </label>
        <label>
          {t.audit_target}
          <input name="target" defaultValue={one("target")} translate="no" placeholder="rule" />
        </label>
        <button type="submit">{t.audit_filter}</button>
      </form>
      {page.entries.length === 0 && <p className="muted">{t.audit_none}</p>}
      <ul className="plain" data-audit>
        {page.entries.map((e, i) => (
          <li key={`${e["@timestamp"]}${i}`} className="card" data-audit-entry={e.action}>
            <span>{dateTime(e["@timestamp"], reader)}</span> · <strong translate="no">{e.user}</strong> ·{" "}
            <span translate="no">{e.action}</span>
            {e.target && (
              <>
                {" "}
                · <span translate="no">{e.target}</span>
              </>
            )}
            {e.address && (
              <>
                {" "}
                ·{" "}
                <span className="muted" translate="no">
                  {e.address}
                </span>
              </>
            )}
            {e.diff && (
              <details>
                <summary>{t.audit_diff}</summary>
                <pre className="diff" data-diff>
                  {e.diff}
                </pre>
              </details>
            )}
          </li>
        ))}
      </ul>
      {"next_before" in page && page.next_before && (
        <a
          href={`?${new URLSearchParams({ ...(Object.fromEntries(Object.entries(params).filter(([, v]) => typeof v === "string")) as Record<string, string>), before: page.next_before })}`}
        >
          {t.audit_older}
        </a>
      )}
    </main>
  );
}
