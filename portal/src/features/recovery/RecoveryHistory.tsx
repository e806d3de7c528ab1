// Under an alert: what its rule runs by itself (and whether only as a dry run), and the recovery
// actions run or held back for it — by hand or by the rule, newest first — as the audit trail
// keeps them (record.ts, automatic.ts).
import { recoveryActionSchema, type RecoveryAction } from "@opsdeck/core/actions/action";
import { actionText, type ActionLang } from "@opsdeck/core/actions/action-text";
import { auditEntries } from "@/features/audit/trail.ts";
import type { AuditEntry } from "@/lib/audit.ts";
import type { Dict } from "@/lib/i18n.ts";
import { dateTime, type Reader } from "@/lib/time.ts";
import { SKIPPED_AUDIT_ACTION, UNRESOLVED_AUDIT_ACTION } from "./record.ts";
import { automaticAction, ruleRecovery } from "./rule-action.ts";

/** The recent recovery entries, by alert fingerprint: one read of the trail for the whole page. */
export function recoveryByAlert(): Map<string, AuditEntry[]> {
  const byAlert = new Map<string, AuditEntry[]>();
  for (const e of auditEntries({ action: "recovery", limit: 200 }).entries) {
    const fingerprint = e.target?.startsWith("alert:") ? e.target.slice(6) : undefined;
    if (fingerprint) byAlert.set(fingerprint, [...(byAlert.get(fingerprint) ?? []), e]);
  }
  return byAlert;
}

const actionOf = (e: AuditEntry): RecoveryAction | undefined => {
  try {
    const parsed = recoveryActionSchema.safeParse(JSON.parse(String(e.fields["opsdeck.action"])));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
};

function entryText(e: AuditEntry, t: Dict, lang: ActionLang): string {
  const f = e.fields;
  const action = actionOf(e);
  const what = action ? actionText(action, lang) : String(f["opsdeck.action.kind"] ?? "");
  const who = e.user.startsWith("rule:") ? t.recovery_by_rule : e.user;
  if (e.action === SKIPPED_AUDIT_ACTION) {
    const reason = String(f["opsdeck.recovery.reason"]);
    return `${who} · ${t.recovery_held_back.replace("{reason}", t[`recovery_skip_${reason}` as keyof Dict] ?? reason)}`;
  }
  if (e.action === UNRESOLVED_AUDIT_ACTION) return `${who} · ${what} · ${t.recovery_unresolved}`;
  const outcome = String(f["opsdeck.action.outcome"] ?? (f["event.outcome"] === "success" ? "succeeded" : "failed"));
  return `${who} · ${what} · ${t[`recovery_outcome_${outcome}` as keyof Dict] ?? outcome}`;
}

export function RecoveryHistory({
  t,
  reader,
  labels,
  annotations,
  entries,
}: {
  t: Dict;
  reader: Reader;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  /** This alert's entries; undefined: the reader may not see them. */
  entries?: AuditEntry[];
}) {
  const named = ruleRecovery(annotations);
  const own = named && automaticAction(named.action, labels);
  const shown = (entries ?? []).filter((e) => e.action.startsWith("recovery-")).slice(0, 5);
  if (!own && !shown.length) return null;
  return (
    <div className="muted" data-recovery-history>
      {own && (
        <div data-recovery-rule={named.mode}>
          {t.recovery_rule_runs
            .replace("{what}", actionText(own, reader.lang))
            .replace("{mode}", named.mode === "on" ? t.recovery_mode_on : t.recovery_mode_dry_run)}
        </div>
      )}
      {shown.length > 0 && (
        <ul className="plain">
          {shown.map((e) => (
            <li
              key={e["@timestamp"] + e.action}
              data-recovery-entry={e.action}
              data-outcome={String(e.fields["opsdeck.action.outcome"] ?? e.fields["opsdeck.recovery.reason"] ?? "")}
            >
              {dateTime(e["@timestamp"], reader)} · {entryText(e, t, reader.lang)}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
